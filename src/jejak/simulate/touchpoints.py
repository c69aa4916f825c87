"""Emitters: turn latent journeys into touchpoints, one behaviour per function.

Each emitter takes the journeys and its own random stream and returns column batches. The
stage-entry emitters put exactly one rule-matching touchpoint at each latent entry time; the
noise emitters only ever emit stage-matching events *after* that stage's entry, so the first
matching touchpoint is always the planted one. A new behaviour is a new function in
``EMITTERS``; its own stream keeps every other emitter's output unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jejak.simulate.batch import Batch, Cat, assemble, id_width, prefixed_ids
from jejak.simulate.journeys import (
    ADVOCATE,
    ASCEND,
    CONVERT,
    DAY,
    ENGAGEMENT,
    EXCITE,
    PROMOTE,
    SUBSCRIBE,
    Journeys,
    stream,
)
from jejak.simulate.shop import STAGES

Emitter = Callable[[Journeys, np.random.Generator], Batch | list[Batch]]

TRAFFIC: dict[str | None, tuple[str | None, str | None]] = {
    "search": ("google", "organic"),
    "social": ("instagram", "social"),
    "ads": ("google", "cpc"),
    "referral": ("friend", "referral"),
    "direct": (None, "none"),
    "email": ("newsletter", "email"),
}
"""Source and medium that go with each channel (unknown channels get nulls)."""

PAGES = ("/", "/blog/hemat-belanja", "/blog/tips-memilih", "/products/starter-kit", "/promo")
CONTENT = ("/blog/hemat-belanja", "/blog/tips-memilih", "/blog/resep-mudah", "/video/cara-pakai")
PRODUCTS = ("starter-kit", "refill-pack", "premium-bundle", "gift-box")

CONTEXTS = ("curiosity", "comparison", "purchase-intent", "support", "habit")
NEEDS = ("learn", "save-money", "solve-problem", "belong", "reward")
# Why each kind of touchpoint happens: P(context), P(need) in the order above.
MOTIVES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "page_view": ((0.55, 0.25, 0.15, 0, 0.05), (0.4, 0.3, 0.25, 0, 0.05)),
    "product_view": ((0.15, 0.5, 0.35, 0, 0), (0.05, 0.5, 0.45, 0, 0)),
    "review_read": ((0.1, 0.7, 0.2, 0, 0), (0.1, 0.4, 0.5, 0, 0)),
    "content_view": ((0.5, 0.1, 0, 0.05, 0.35), (0.7, 0.1, 0.15, 0, 0.05)),
    "video_view": ((0.5, 0.1, 0, 0.1, 0.3), (0.6, 0.05, 0.25, 0.05, 0.05)),
    "webinar_attend": ((0.4, 0.1, 0.1, 0.1, 0.3), (0.7, 0, 0.2, 0.1, 0)),
    "social_follow": ((0.5, 0, 0, 0, 0.5), (0.2, 0, 0, 0.7, 0.1)),
    "community_join": ((0.3, 0, 0, 0.2, 0.5), (0.1, 0, 0.2, 0.7, 0)),
    "newsletter_signup": ((0.6, 0.1, 0.1, 0, 0.2), (0.5, 0.3, 0, 0, 0.2)),
    "webinar_signup": ((0.6, 0.1, 0.1, 0, 0.2), (0.8, 0, 0.2, 0, 0)),
    "lead_magnet_download": ((0.5, 0.3, 0.2, 0, 0), (0.3, 0.3, 0, 0, 0.4)),
    "email_open": ((0.3, 0, 0, 0, 0.7), (0.5, 0.3, 0, 0, 0.2)),
    "email_click": ((0.3, 0.1, 0.3, 0, 0.3), (0.3, 0.4, 0.1, 0, 0.2)),
    "order": ((0, 0.1, 0.9, 0, 0), (0, 0.5, 0.45, 0, 0.05)),
    "onboarding_complete": ((0, 0, 0, 0.7, 0.3), (0.2, 0, 0.8, 0, 0)),
    "review": ((0, 0, 0, 0.3, 0.7), (0, 0, 0.2, 0.5, 0.3)),
    "nps_response": ((0, 0, 0, 0.3, 0.7), (0, 0, 0, 0.6, 0.4)),
    "referral_invite": ((0, 0, 0, 0, 1), (0, 0, 0, 0.4, 0.6)),
}
"""Events absent here (e.g. email_sent, which the shop does) get no context or need."""


# --- helpers ----------------------------------------------------------------------------------
def _entered(j: Journeys, stage: int) -> np.ndarray:
    """People whose entry into ``stage`` is observable inside the period."""
    return np.flatnonzero(j.observed(stage))


def _after(rng: np.random.Generator, start: np.ndarray, mean_seconds: float) -> np.ndarray:
    """Times strictly after ``start``, exponentially delayed."""
    return start + 1 + np.floor(rng.exponential(mean_seconds, start.shape[0])).astype(np.int64)


def _poisson_between(
    rng: np.random.Generator, person: np.ndarray, start: np.ndarray, end: int, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A Poisson process per person on (start, end) with per-second ``rate``, vectorised."""
    span = np.maximum(end - start - 1, 0)
    counts = rng.poisson(rate * span)
    offsets = np.floor(rng.random(int(counts.sum())) * np.repeat(span, counts)).astype(np.int64)
    return np.repeat(person, counts), np.repeat(start, counts) + 1 + offsets


def _returning(j: Journeys, rng: np.random.Generator, person: np.ndarray, ts: np.ndarray) -> Cat:
    """Channel of a later visit: the return mix, or the newsletter for some subscribers."""
    channel = Cat.choice(rng, j.plan.return_channel_shares, person.shape[0])
    via_email = j.subscribed[person] & (ts > j.entry[person, SUBSCRIBE])
    via_email &= rng.random(person.shape[0]) < j.plan.email_share_after_subscribe
    return channel.where(via_email, "email")


def _traffic(channel: Cat, campaign: Cat | str | None = None) -> dict[str, Cat | str | None]:
    """Channel, matching source/medium, and the newsletter campaign for email rows."""
    source = channel.map({c: TRAFFIC.get(c, (None, None))[0] for c in channel.labels})
    medium = channel.map({c: TRAFFIC.get(c, (None, None))[1] for c in channel.labels})
    if campaign is None:
        campaign = Cat(np.where(channel.is_("email"), 0, -1).astype(np.int32), ("weekly-tips",))
    return {"channel": channel, "source": source, "medium": medium, "campaign": campaign}


def _const(label: str, size: int) -> Cat:
    return Cat(np.zeros(size, np.int32), (label,))


def _json(*pieces: str | pa.Array) -> pa.Array:
    """Concatenate literal text and string arrays row-wise into JSON object texts."""
    parts = [p if isinstance(p, pa.Array) else pa.scalar(p, pa.string()) for p in pieces]
    return pc.binary_join_element_wise(*parts, "")


def _customer_ids(j: Journeys, person: np.ndarray) -> pa.Array:
    return prefixed_ids("c", j.customer_number[person], id_width(j.people))


def _pages(rng: np.random.Generator, size: int) -> Cat:
    return Cat(rng.integers(0, len(PAGES), size).astype(np.int32), PAGES)


def _page_json(pages: Cat) -> Cat:
    return pages.map({p: f'{{"page": "{p}"}}' for p in pages.labels})


def _core_prices(rng: np.random.Generator, plan_median: float, spread: float, n: int) -> np.ndarray:
    price = plan_median * np.exp(spread * rng.standard_normal(n))
    return np.maximum(np.round(price / 1000) * 1000, 1000.0)


def _orders(
    j: Journeys,
    rng: np.random.Generator,
    person: np.ndarray,
    ts: np.ndarray,
    number: np.ndarray,
    revenue: np.ndarray,
) -> Batch:
    numbers = pc.cast(pa.array(number, type=pa.int64()), pa.string())
    order_id = _json(_customer_ids(j, person), "-", numbers)
    props = _json('{"order_number": ', numbers, ', "order_id": "ord-', order_id, '"}')
    return Batch(
        person,
        ts,
        "order",
        **_traffic(_returning(j, rng, person, ts)),
        revenue=revenue.astype(np.float64),
        currency=j.plan.currency,
        properties=props,
    )


# --- Awareness ----------------------------------------------------------------------------------
def first_touch(j: Journeys, rng: np.random.Generator) -> Batch:
    """Everyone's first touchpoint: a landing page view from the acquisition channel."""
    plan, n = j.plan, j.people
    person = np.arange(n)
    channel = Cat(j.channel.astype(np.int32), plan.channels)
    ads = channel.is_("ads")
    campaign_codes = rng.integers(0, len(plan.ad_campaigns), n)
    campaign = Cat(np.where(ads, campaign_codes, -1).astype(np.int32), plan.ad_campaigns)
    pages = _pages(rng, n)
    props = _page_json(pages).to_arrow()
    referred = j.referrer >= 0
    if referred.any():
        ref_ids = _customer_ids(j, np.where(referred, j.referrer, 0))
        ref_ids = pc.if_else(pa.array(referred), ref_ids, pa.nulls(n, pa.string()))
        page = pages.to_arrow()
        with_ref = _json('{"page": "', page, '", "referrer_id": "', ref_ids, '"}')
        props = pc.if_else(pa.array(referred), with_ref, props)
    return Batch(
        person, j.acquired.copy(), "page_view", **_traffic(channel, campaign), properties=props
    )


def browsing(j: Journeys, rng: np.random.Generator) -> Batch:
    """A few anonymous page/product/review views after the first touch, until identified."""
    plan = j.plan
    counts = rng.poisson(plan.browse_per_person, j.people)
    person = np.repeat(np.arange(j.people), counts)
    ts = _after(rng, j.acquired[person], plan.browse_gap_days * DAY)
    anonymous = ts < j.identify[person]
    person, ts = person[anonymous], ts[anonymous]
    event = Cat.choice(rng, {"page_view": 0.5, "product_view": 0.35, "review_read": 0.15}, ts.size)
    page = rng.integers(0, len(PAGES), ts.size)
    product = len(PAGES) + rng.integers(0, len(PRODUCTS), ts.size)
    labels = tuple(f'{{"page": "{p}"}}' for p in PAGES) + tuple(
        f'{{"product": "{p}"}}' for p in PRODUCTS
    )
    props = Cat(np.where(event.is_("page_view"), page, product).astype(np.int32), labels)
    channel = Cat.choice(rng, plan.return_channel_shares, ts.size)
    return Batch(person, ts, event, **_traffic(channel), properties=props)


# --- Engagement -----------------------------------------------------------------------------------
ENGAGEMENT_ENTRY = {
    "content_view": 0.55,
    "video_view": 0.25,
    "social_follow": 0.12,
    "community_join": 0.08,
}
ENGAGEMENT_LATER = {"content_view": 0.65, "video_view": 0.25, "webinar_attend": 0.10}


def _engagement(
    j: Journeys,
    rng: np.random.Generator,
    person: np.ndarray,
    ts: np.ndarray,
    events: Mapping[str, float],
) -> Batch:
    event = Cat.choice(rng, events, ts.size)
    pages = _page_json(Cat(rng.integers(0, len(CONTENT), ts.size).astype(np.int32), CONTENT))
    props = Cat(np.where(event.is_("content_view"), pages.codes, -1).astype(np.int32), pages.labels)
    return Batch(person, ts, event, **_traffic(_returning(j, rng, person, ts)), properties=props)


def engagement_entry(j: Journeys, rng: np.random.Generator) -> Batch:
    """The planted Engagement entry: first content consumed or community joined."""
    person = _entered(j, ENGAGEMENT)
    return _engagement(j, rng, person, j.entry[person, ENGAGEMENT], ENGAGEMENT_ENTRY)


def engagement_ongoing(j: Journeys, rng: np.random.Generator) -> Batch:
    """Followers keep engaging after entry, strictly after it, at a per-person rate; the
    others (who want no relationship with the brand) engage only at entry."""
    plan = j.plan
    person = _entered(j, ENGAGEMENT)
    shape = plan.engagement_shape
    rate = rng.gamma(shape, plan.engagement_per_week / shape, person.size) / (7 * DAY)
    rate = np.where(j.follower[person], rate / plan.follower_share, 0.0)
    person, ts = _poisson_between(rng, person, j.entry[person, ENGAGEMENT], j.horizon, rate)
    return _engagement(j, rng, person, ts, ENGAGEMENT_LATER)


# --- Subscribe and email -------------------------------------------------------------------------
def subscribe_entry(j: Journeys, rng: np.random.Generator) -> Batch:
    """The identifying sign-up (guests have none); the assembler gives it both ids."""
    person = _entered(j, SUBSCRIBE)
    ts = j.entry[person, SUBSCRIBE]
    forms = {"newsletter_signup": 0.6, "webinar_signup": 0.2, "lead_magnet_download": 0.2}
    event = Cat.choice(rng, forms, person.size)
    return Batch(person, ts, event, **_traffic(_returning(j, rng, person, ts)))


def emails(j: Journeys, rng: np.random.Generator) -> list[Batch]:
    """Weekly-ish newsletters to subscribers until the period ends, with opens and clicks."""
    plan = j.plan
    every = int(plan.email_every_days * DAY)
    person = np.flatnonzero(j.subscribed)
    first = j.entry[person, SUBSCRIBE] + 1 + rng.integers(0, every, person.size)
    sends = np.maximum(-(-(j.horizon - first) // every), 0)  # ceil; sends before the end
    total = int(sends.sum())
    starts = np.repeat(np.cumsum(sends) - sends, sends)
    index = np.arange(total) - starts  # send number per person: 0, 1, 2, ...
    person = np.repeat(person, sends)
    sent = np.repeat(first, sends) + index * every
    campaign = Cat((index % len(plan.email_campaigns)).astype(np.int32), plan.email_campaigns)

    opened = rng.random(total) < plan.email_open_rate
    open_ts = _after(rng, sent[opened], 6 * 3600)
    clicked = rng.random(open_ts.size) < plan.email_click_rate
    click_ts = _after(rng, open_ts[clicked], 600)
    open_campaign = Cat(campaign.codes[opened], campaign.labels)
    click_campaign = Cat(open_campaign.codes[clicked], campaign.labels)
    return [
        Batch(
            person, sent, "email_sent", **_traffic(_const("email", total), campaign), device=False
        ),
        Batch(
            person[opened],
            open_ts,
            "email_open",
            **_traffic(_const("email", open_ts.size), open_campaign),
        ),
        Batch(
            person[opened][clicked],
            click_ts,
            "email_click",
            **_traffic(_const("email", click_ts.size), click_campaign),
        ),
    ]


def offers(j: Journeys, rng: np.random.Generator) -> Batch | list[Batch]:
    """Offer clicks before the first order, from channels with planted effects.

    Per offer channel, a buyer clicks one with P(bought) within two days before the first
    order (never before entering Engagement); someone who engaged but never bought clicks
    one with P(stalled) within 30 days of entering Engagement.
    """
    engaged = j.observed(ENGAGEMENT)
    bought = j.observed(CONVERT)
    stalled = np.flatnonzero(engaged & ~bought)
    buyers = np.flatnonzero(bought)
    batches = []
    for channel, (p_bought, p_stalled) in j.plan.offer_channels.items():
        buyer = buyers[rng.random(buyers.size) < p_bought]
        before = np.floor(rng.uniform(3600, 2 * DAY, buyer.size)).astype(np.int64)
        floor = np.where(j.entry[buyer, ENGAGEMENT] < j.horizon, j.entry[buyer, ENGAGEMENT], 0)
        buyer_ts = np.maximum(j.entry[buyer, CONVERT] - before, floor + 1)
        buyer_ts = np.minimum(buyer_ts, j.entry[buyer, CONVERT] - 1)  # strictly before it
        stall = stalled[rng.random(stalled.size) < p_stalled]
        after = np.floor(rng.uniform(0, 30 * DAY, stall.size)).astype(np.int64)
        stall_ts = j.entry[stall, ENGAGEMENT] + 1 + after
        person = np.concatenate([buyer, stall])
        ts = np.concatenate([buyer_ts, stall_ts])
        inside = ts < j.horizon
        person, ts = person[inside], ts[inside]
        batches.append(
            Batch(
                person,
                ts,
                "offer_click",
                channel=_const(channel, person.size),
                campaign=_const(f"{channel}-offer", person.size),
                context=_const("purchase-intent", person.size),
                need=_const("save-money", person.size),
            )
        )
    return batches


# --- Convert, Excite, Ascend --------------------------------------------------------------------
def first_order(j: Journeys, rng: np.random.Generator) -> Batch:
    """The entry-point offer: order number 1, small revenue (identifies guests)."""
    person = _entered(j, CONVERT)
    low, high = (p // 1000 for p in j.plan.entry_price)
    revenue = rng.integers(low, high + 1, person.size) * 1000
    ts = j.entry[person, CONVERT]
    return _orders(j, rng, person, ts, np.ones(person.size, np.int64), revenue)


def excite_entry(j: Journeys, rng: np.random.Generator) -> Batch:
    """First real value from the purchase: onboarding completed."""
    person = _entered(j, EXCITE)
    channel = _const("direct", person.size)
    return Batch(person, j.entry[person, EXCITE], "onboarding_complete", **_traffic(channel))


def ascend_orders(j: Journeys, rng: np.random.Generator) -> Batch:
    """Order 2 (core offer) at Ascend entry, then further orders at the person's own rate
    until they drop out (after ``repeat_limit`` more); others keep one order."""
    person = _entered(j, ASCEND)
    start = j.entry[person, ASCEND]
    more, more_ts = _poisson_between(rng, person, start, j.horizon, j.repeat_rate[person])
    order = np.lexsort((more_ts, more))  # number the extra orders by time within a person
    more, more_ts = more[order], more_ts[order]
    _, first, counts = np.unique(more, return_index=True, return_counts=True)
    rank = np.arange(more.size) - np.repeat(first, counts)
    kept = rank < j.repeat_limit[more]
    more, more_ts, rank = more[kept], more_ts[kept], rank[kept]
    plan = j.plan
    all_person = np.concatenate([person, more])
    ts = np.concatenate([start, more_ts])
    number = np.concatenate([np.full(person.size, 2), rank + 3]).astype(np.int64)
    revenue = _core_prices(rng, plan.core_price_median, plan.core_price_spread, ts.size)
    return _orders(j, rng, all_person, ts, number, revenue)


# --- Advocate and Promote ----------------------------------------------------------------------
FEEDBACK_LABELS = tuple(f'{{"rating": {r}}}' for r in range(1, 6)) + tuple(
    f'{{"score": {s}}}' for s in range(11)
)


def _feedback(
    j: Journeys,
    rng: np.random.Generator,
    person: np.ndarray,
    ts: np.ndarray,
    ratings: Mapping[int, float],
    scores: Mapping[int, float],
) -> Batch:
    """Review (rating) or NPS (score) rows; the caller decides which values are possible."""
    review = rng.random(person.size) < j.plan.advocate_review_share
    rating = Cat.choice(rng, {str(k): v for k, v in ratings.items()}, person.size)
    score = Cat.choice(rng, {str(k): v for k, v in scores.items()}, person.size)
    rating_code = np.array([int(x) for x in rating.labels])[rating.codes] - 1
    score_code = np.array([int(x) for x in score.labels])[score.codes] + 5
    props = Cat(np.where(review, rating_code, score_code).astype(np.int32), FEEDBACK_LABELS)
    event = Cat(np.where(review, 0, 1).astype(np.int32), ("review", "nps_response"))
    channel = Cat(np.where(review, 0, 1).astype(np.int32), ("direct", "email"))
    survey = Cat(np.where(review, -1, 0).astype(np.int32), ("nps-survey",))
    return Batch(person, ts, event, **_traffic(channel, survey), properties=props)


def advocate_entry(j: Journeys, rng: np.random.Generator) -> Batch:
    """Speaks well when asked: a 4-5 star review or a 9-10 NPS answer."""
    person = _entered(j, ADVOCATE)
    ts = j.entry[person, ADVOCATE]
    return _feedback(j, rng, person, ts, {4: 0.4, 5: 0.6}, {9: 0.5, 10: 0.5})


def lukewarm_feedback(j: Journeys, rng: np.random.Generator) -> Batch:
    """Converted non-advocates sometimes rate too, but never high enough to match Advocate."""
    plan = j.plan
    person = _entered(j, CONVERT)
    person = person[j.latent_stage[person] < ADVOCATE]
    person = person[rng.random(person.size) < plan.feedback_rate]
    ts = _after(rng, j.entry[person, CONVERT], 14 * DAY)
    ratings = {1: 0.15, 2: 0.3, 3: 0.55}
    scores = {0: 0.02, 1: 0.02, 2: 0.03, 3: 0.03, 4: 0.05, 5: 0.1, 6: 0.15, 7: 0.3, 8: 0.3}
    return _feedback(j, rng, person, ts, ratings, scores)


def promote_entry(j: Journeys, rng: np.random.Generator) -> Batch:
    """Actively spreads the word: a referral invite to a friend."""
    person = _entered(j, PROMOTE)
    invitee = _json('{"invitee": "friend-of-', _customer_ids(j, person), '"}')
    channel = _const("direct", person.size)
    return Batch(
        person, j.entry[person, PROMOTE], "referral_invite", **_traffic(channel), properties=invitee
    )


# --- campaigns ------------------------------------------------------------------------------------
def campaign_touches(j: Journeys, rng: np.random.Generator) -> list[Batch]:
    """Each campaign's exposures and holdout records at send time, and its call-to-action
    clicks: just before the moved people's next stage, and a few from the others."""
    batches = []
    for plan, draw in zip(j.plan.campaigns, j.campaigns, strict=True):
        exposed = ~draw.held_out
        k = STAGES.index(plan.from_stage)
        person, sent = draw.person[exposed], draw.sent[exposed]
        held = draw.person[draw.held_out]
        campaign = _const(plan.name, person.size)
        batches.append(
            Batch(person, sent, plan.exposure_event, channel=_const(plan.channel, person.size),
                  campaign=campaign, device=False)
        )  # fmt: skip
        batches.append(
            Batch(held, draw.sent[draw.held_out], "campaign_holdout",
                  campaign=_const(plan.name, held.size), device=False)
        )  # fmt: skip
        moved = draw.moved[exposed]
        reached = j.entry[person[moved], k + 1]
        before = np.minimum(rng.integers(60, 3600, reached.size), reached - sent[moved] - 1)
        anyway = ~moved & (rng.random(person.size) < plan.baseline_click)
        later = sent[anyway] + 1 + rng.integers(0, 2 * DAY, int(anyway.sum()))
        clickers = np.concatenate([person[moved], person[anyway]])
        clicks = np.concatenate([reached - before, later])
        batches.append(
            Batch(clickers, clicks, plan.cta_event, channel=_const(plan.channel, clickers.size),
                  campaign=_const(plan.name, clickers.size))
        )  # fmt: skip
    return batches


def tickets(j: Journeys, rng: np.random.Generator) -> list[Batch]:
    """Support tickets in Excite: unresolved (a bad experience) or resolved."""
    if j.bad_ticket_at is None or j.good_ticket_at is None:
        return []
    batches = []
    for at, resolved in ((j.bad_ticket_at, "false"), (j.good_ticket_at, "true")):
        person = np.flatnonzero(at < j.horizon)
        batches.append(
            Batch(person, at[person], "support_ticket", channel=_const("chat", person.size),
                  properties=_const(f'{{"resolved": {resolved}}}', person.size))
        )  # fmt: skip
    return batches


def driver(j: Journeys, rng: np.random.Generator) -> list[Batch]:
    """The planted driver touchpoint (see ``DriverPlan``), on the person's own device."""
    if j.driver_at is None or j.plan.driver is None:
        return []
    person = np.flatnonzero(j.driver_at < j.horizon)
    return [Batch(person, j.driver_at[person], j.plan.driver.event)]


def promotions(j: Journeys, rng: np.random.Generator) -> list[Batch]:
    """Promotional emails with planted fatigue and preferred hours (see ``PromoPlan``)."""
    promo = j.plan.promotions
    if promo is None:
        return []
    start = int(promo.start_day * DAY)
    weekday = j.plan.start_datetime.weekday()  # of the period's first day; Monday is 0
    first = int(promo.start_day)
    monday = (first + (7 - (weekday + first) % 7) % 7) * DAY  # the first Monday, midnight
    subscribed = np.flatnonzero(j.subscribed & (j.entry[:, SUBSCRIBE] < start))
    person = subscribed[rng.random(subscribed.size) < promo.share]
    active = np.ones(person.size, dtype=bool)
    hours = np.asarray(promo.hours, dtype=np.int64)
    sent_p, sent_t, open_p, open_t, click_p, click_t, unsub_p, unsub_t = ([] for _ in range(8))
    for week in range(promo.weeks):
        begin = monday + week * 7 * DAY
        if begin + 7 * DAY > j.horizon:
            break
        who = person[active]
        extra = rng.integers(0, promo.max_extra + 1, who.size)
        total = 1 + extra  # the newsletter comes every week too
        fatigue = promo.fatigue_factor ** np.maximum(total - promo.fatigue_after, 0)
        # each promo on its own day of the week, at one of the hours
        days = np.argsort(rng.random((who.size, 7)), axis=1)[:, : promo.max_extra]
        for k in range(promo.max_extra):
            mine = extra > k
            p, day = who[mine], days[mine, k]
            hour = hours[rng.integers(0, hours.size, p.size)]
            ts = begin + day * DAY + hour * 3600 + rng.integers(0, 600, p.size)
            match = np.where(hour == j.preferred_hour[p], promo.hour_match, promo.hour_miss)
            chance = np.minimum(promo.open_rate * match * fatigue[mine], 1.0)
            opened = rng.random(p.size) < chance
            ots = ts[opened] + rng.integers(60, 1800, int(opened.sum()))
            clicked = rng.random(ots.size) < promo.click_rate
            sent_p.append(p), sent_t.append(ts)
            open_p.append(p[opened]), open_t.append(ots)
            click_p.append(p[opened][clicked])
            click_t.append(ots[clicked] + rng.integers(30, 600, int(clicked.sum())))
        leave = promo.unsubscribe_base + promo.unsubscribe_per_extra * np.maximum(
            total - promo.fatigue_after, 0
        )
        leaving = rng.random(who.size) < leave
        unsub_p.append(who[leaving])
        unsub_t.append(begin + 7 * DAY - 1 - rng.integers(0, 3600, int(leaving.sum())))
        active[np.flatnonzero(active)[leaving]] = False

    def batch(people: list, times: list, event: str, device: bool = True) -> Batch:
        p = np.concatenate(people) if people else np.empty(0, np.int64)
        t = np.concatenate(times) if times else np.empty(0, np.int64)
        return Batch(p, t, event, channel=_const("email", p.size),
                     campaign=_const("promo", p.size), device=device)  # fmt: skip

    return [
        batch(sent_p, sent_t, "email_sent", device=False),
        batch(open_p, open_t, "email_open"),
        batch(click_p, click_t, "email_click"),
        batch(unsub_p, unsub_t, "unsubscribe"),
    ]


EMITTERS: tuple[Emitter, ...] = (
    first_touch,
    browsing,
    engagement_entry,
    engagement_ongoing,
    subscribe_entry,
    emails,
    first_order,
    excite_entry,
    ascend_orders,
    advocate_entry,
    lukewarm_feedback,
    promote_entry,
    offers,
    campaign_touches,
    promotions,
    tickets,
    driver,
)


def _with_motives(batch: Batch, rng: np.random.Generator) -> Batch:
    """Fill context and need from the event type where the emitter left them empty."""
    if batch.context is not None and batch.need is not None:
        return batch
    n = len(batch)
    event = batch.event
    if not isinstance(event, Cat):
        event = Cat(np.zeros(n, np.int32), (event if isinstance(event, str) else None,))
    context = np.full(n, -1, np.int32)
    need = np.full(n, -1, np.int32)
    for code, label in enumerate(event.labels):
        if label not in MOTIVES:
            continue
        rows = np.flatnonzero(event.codes == code)
        for out, p in zip((context, need), MOTIVES[label], strict=True):
            probs = np.asarray(p, dtype=float)
            out[rows] = rng.choice(probs.size, rows.size, p=probs / probs.sum())
    return replace(
        batch,
        context=batch.context if batch.context is not None else Cat(context, CONTEXTS),
        need=batch.need if batch.need is not None else Cat(need, NEEDS),
    )


def emit_touchpoints(
    journeys: Journeys, seed: int, emitters: tuple[Emitter, ...] = EMITTERS
) -> pa.Table:
    """Run every emitter on its own stream and assemble one sorted touchpoint table."""
    batches: list[Batch] = []
    for emitter in emitters:
        rng = stream(seed, f"emit:{emitter.__name__}")
        out = emitter(journeys, rng)
        batches += [_with_motives(b, rng) for b in (out if isinstance(out, list) else [out])]
    return assemble(batches, journeys, stream(seed, "identity"))
