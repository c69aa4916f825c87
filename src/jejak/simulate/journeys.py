"""Latent journeys: when (if ever) each person enters each stage, before anything is observed.

This is the hidden truth the touchpoints are emitted from. Keeping it separate from the
emitters means every emitter reads the same entry times, so the planted stage entries stay
exact however much noise is added around them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from jejak.simulate.shop import STAGES, STEPS, CampaignPlan, ShopPlan

DAY = 86_400
NEVER = np.iinfo(np.int64).max // 4
"""Entry time of a stage never reached; far past any horizon and safe to add to."""

AWARENESS, ENGAGEMENT, SUBSCRIBE, CONVERT, EXCITE, ASCEND, ADVOCATE, PROMOTE = range(len(STAGES))


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per purpose, so adding a behaviour changes no other one."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


@dataclass(frozen=True)
class CampaignDraw:
    """Who one campaign targeted, held out and moved (indices into the people)."""

    name: str
    person: np.ndarray
    """Everyone targeted: in the from-stage at their send time."""
    sent: np.ndarray
    held_out: np.ndarray
    """Per targeted person: held out (else exposed)."""
    moved: np.ndarray
    """Per targeted person: reached the next stage only because of the campaign."""


@dataclass(frozen=True)
class Journeys:
    """Per-person latent state; times are int64 seconds since the period start."""

    plan: ShopPlan
    channel: np.ndarray
    """Acquisition channel, an index into ``plan.channels``."""
    entry: np.ndarray
    """(people, stages) latent entry times; ``NEVER`` where the stage is not reached."""
    guest: np.ndarray
    """Skipped Subscribe: no sign-up event, identified at the first order instead."""
    customer_number: np.ndarray
    """Number behind the customer id; a permutation so ids cannot be joined by position."""
    referrer: np.ndarray
    """Person index of the promoter who referred this person, or -1."""
    follower: np.ndarray
    """Follows the brand's content: keeps engaging after entering Engagement."""
    repeat_limit: np.ndarray
    """Orders an ascender makes after their second before dropping out for good."""
    repeat_rate: np.ndarray
    """Each person's order rate once they ascended, per second."""
    campaigns: tuple[CampaignDraw, ...] = ()
    bad_ticket_at: np.ndarray | None = None
    """When each person had an unresolved support ticket (``NEVER`` for none)."""
    good_ticket_at: np.ndarray | None = None
    """When each person had a resolved one (drawn independently of the bad one)."""
    preferred_hour: np.ndarray | None = None
    """The hour of day (UTC) each person opens promotional email best, when promotions run."""
    dropped: np.ndarray | None = None
    """Who did not move on because of the planted week's drop (see ``DropPlan``)."""
    driver_at: np.ndarray | None = None
    """When each person had the planted driver touchpoint (``NEVER`` for none)."""

    @property
    def people(self) -> int:
        return int(self.channel.shape[0])

    @property
    def horizon(self) -> int:
        return self.plan.horizon_seconds

    @property
    def acquired(self) -> np.ndarray:
        return self.entry[:, AWARENESS]

    @property
    def latent_stage(self) -> np.ndarray:
        """Deepest stage reached latently (ignoring the period end)."""
        return ((self.entry < NEVER).sum(axis=1) - 1).astype(np.int8)

    def observed(self, stage: int) -> np.ndarray:
        """Who has a touchpoint matching ``stage`` inside the period (guests never Subscribe)."""
        seen = self.entry[:, stage] < self.horizon
        return seen & ~self.guest if stage == SUBSCRIBE else seen

    @property
    def identify(self) -> np.ndarray:
        """When the customer id first appears: sign-up, or the first order for guests."""
        return np.where(self.guest, self.entry[:, CONVERT], self.entry[:, SUBSCRIBE])

    @property
    def subscribed(self) -> np.ndarray:
        """Signed up within the period: these receive newsletters."""
        return self.observed(SUBSCRIBE)


def simulate_journeys(plan: ShopPlan, people: int, seed: int) -> Journeys:
    """Draw channels, stage advances and delays for ``people`` people, fully vectorised."""
    if people < 1:
        raise ValueError("simulate at least one person")
    channels = plan.channels
    shares = np.array([plan.channel_shares[c] for c in channels])
    channel = stream(seed, "channel").choice(len(channels), size=people, p=shares / shares.sum())
    channel = channel.astype(np.int8)
    acquired = stream(seed, "acquired").integers(0, plan.acquisition_seconds, size=people)

    advance = np.array([plan.advance[c] for c in channels])  # (channels, steps)
    steps = stream(seed, "advance").random((people, STEPS)) < advance[channel]
    reached = np.logical_and.accumulate(steps, axis=1)  # failing a step stops the journey

    # At least one second per step keeps entry times strictly increasing after rounding.
    means = np.asarray(plan.delay_days) * DAY
    delays = stream(seed, "delays").exponential(1.0, (people, STEPS)) * means
    delays = np.floor(delays).astype(np.int64) + 1
    entry = np.empty((people, len(STAGES)), dtype=np.int64)
    entry[:, 0] = acquired
    entry[:, 1:] = np.where(reached, acquired[:, None] + np.cumsum(delays, axis=1), NEVER)

    guest = stream(seed, "guest").random(people) < plan.skip_subscribe
    guest &= entry[:, SUBSCRIBE] < NEVER  # only people who got that far can skip it
    dropped = _drop(plan, entry, guest, stream(seed, "conversion_drop"))
    driven = _driver(plan, entry, guest, steps, delays, advance[channel], stream(seed, "driver"))
    tickets = _tickets(plan, entry, stream(seed, "tickets"))
    customer_number = stream(seed, "customer_number").permutation(people).astype(np.int64)
    referrer = _link_referrers(plan, channel, entry, stream(seed, "referrer"))
    follower = stream(seed, "follower").random(people) < plan.follower_share
    # after each order from the second on, an ascender drops out with repeat_dropout:
    # the orders they still make are geometric, the BG/NBD drop-out process
    repeat_limit = stream(seed, "repeat_limit").geometric(plan.repeat_dropout, people) - 1
    shape = plan.repeat_rate_shape
    repeat_rate = stream(seed, "repeat_rate").gamma(shape, 1.0 / shape, people) / (
        plan.repeat_order_days * DAY
    )
    campaigns = tuple(
        _run_campaign(c, entry, guest, stream(seed, f"campaign:{c.name}")) for c in plan.campaigns
    )
    # a campaign may move people into the driver's stage who would never move on: they get
    # the touchpoint as often as anyone (it changes nothing for them)
    driver_at = None if driven is None else _driver_times(plan, entry, guest, *driven)
    preferred = None
    if plan.promotions is not None:
        hours = np.asarray(plan.promotions.hours, dtype=np.int64)
        preferred = hours[stream(seed, "preferred_hour").integers(0, hours.size, people)]
    return Journeys(
        plan,
        channel,
        entry,
        guest,
        customer_number,
        referrer,
        follower,
        repeat_limit.astype(np.int64),
        repeat_rate,
        campaigns,
        *tickets,
        preferred,
        dropped,
        driver_at,
    )


def _drop(
    plan: ShopPlan, entry: np.ndarray, guest: np.ndarray, rng: np.random.Generator
) -> np.ndarray | None:
    """The planted week's lost moves: who stops at the from-stage (``entry`` changes in
    place); None without a drop."""
    if plan.conversion_drop is None:
        return None
    d = plan.conversion_drop
    k = STAGES.index(d.from_stage)
    start = np.int64(d.day * DAY)
    in_week = (entry[:, k] >= start) & (entry[:, k] < start + 7 * DAY) & ~guest
    lost = in_week & (entry[:, k + 1] < NEVER) & (rng.random(entry.shape[0]) >= d.keep)
    entry[lost, k + 1 :] = NEVER
    return lost


def _driver(
    plan: ShopPlan,
    entry: np.ndarray,
    guest: np.ndarray,
    steps: np.ndarray,
    delays: np.ndarray,
    advance: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Who has the planted driver touchpoint and how long after entering the stage (see
    :func:`_driver_times`); from then, while still in the stage, their hazard of moving on
    is ``effect`` times what it was (``entry`` changes in place: the move, and the later
    stages after it at their own delays).

    Time to move on from stage k is a cure model: it happens (chance p) after an
    exponential delay (mean m), so the survival t after entering is S(t) = 1 - p +
    p exp(-t / m). Multiplying the hazard by F from tau gives S(t | tau)^F; each person's
    move is redrawn from their own quantile V of S(t | tau) as V^(1/F), so those who moved
    move sooner and the others may move too, all else kept."""
    d = plan.driver
    if d is None:
        return None
    k = STAGES.index(d.stage)
    people = entry.shape[0]
    chosen = rng.random(people) < d.share
    after = np.floor(rng.exponential(d.after_days * DAY, people)).astype(np.int64) + 1
    at = _driver_times(plan, entry, guest, chosen, after)
    had = at < NEVER
    quantile = rng.random(people)  # where in the never-movers' share a never-mover sits
    waiting = had & (entry[:, k + 1] > at)
    p, m = advance[:, k], plan.delay_days[k] * DAY
    tau = after.astype(float)

    def survival(t: np.ndarray) -> np.ndarray:
        return 1 - p + p * np.exp(-t / m)

    moved = entry[:, k + 1] < NEVER
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(
            moved,
            survival((entry[:, k + 1] - entry[:, k]).astype(float)) / survival(tau),
            quantile * (1 - p) / survival(tau),
        )
        target = v ** (1 / d.effect) * survival(tau)
        since = np.ceil(-m * np.log((target - (1 - p)) / p))
    moves = waiting & (target > 1 - p)
    since = np.maximum(np.where(moves, since, 0), after + 1).astype(np.int64)
    first = entry[moves, k] + since[moves]
    later = np.logical_and.accumulate(steps[moves, k + 1 :], axis=1)
    entry[moves, k + 1] = first
    entry[moves, k + 2 :] = np.where(
        later, first[:, None] + np.cumsum(delays[moves, k + 1 :], axis=1), NEVER
    )
    return chosen, after


def _driver_times(
    plan: ShopPlan, entry: np.ndarray, guest: np.ndarray, chosen: np.ndarray, after: np.ndarray
) -> np.ndarray:
    """When each person has the driver touchpoint: ``after`` seconds after entering its
    stage, for the ``chosen`` who are seen there (guests never are in Subscribe)."""
    d = plan.driver
    assert d is not None
    k = STAGES.index(d.stage)
    skipped = guest if k == SUBSCRIBE else np.zeros(entry.shape[0], dtype=bool)
    seen = (entry[:, k] < plan.horizon_seconds) & ~skipped
    return np.where(chosen & seen, entry[:, k] + after, NEVER)


def _tickets(
    plan: ShopPlan, entry: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Support tickets after entering Excite; an unresolved one before the ascent lowers
    the chance to ascend (``entry`` changes in place)."""
    if plan.experience is None:
        return None, None
    e = plan.experience
    people = entry.shape[0]
    excited = entry[:, EXCITE] < plan.horizon_seconds
    bad = excited & (rng.random(people) < e.bad_share)
    good = excited & (rng.random(people) < e.good_share)  # independent of a bad one
    within = int(e.within_days * DAY)
    # a ticket's time never depends on what happens later: up to within_days after Excite
    bad_at = np.where(bad, entry[:, EXCITE] + 1 + rng.integers(0, within, people), NEVER)
    good_at = np.where(good, entry[:, EXCITE] + 1 + rng.integers(0, within, people), NEVER)
    # an unresolved ticket before the ascent takes away (1 - bad_effect) of the ascents
    pending = bad & (entry[:, ASCEND] < NEVER) & (entry[:, ASCEND] > bad_at)
    lost = pending & (rng.random(people) >= e.bad_effect)
    entry[lost, ASCEND:] = NEVER
    return bad_at, good_at


def _run_campaign(
    c: CampaignPlan, entry: np.ndarray, guest: np.ndarray, rng: np.random.Generator
) -> CampaignDraw:
    """Target, hold out and move people; moving changes ``entry`` in place."""
    people = entry.shape[0]
    sent = np.int64(c.day * DAY) + rng.integers(0, 6 * 3600, people)
    observed = entry.copy()
    observed[guest, SUBSCRIBE] = NEVER  # guests never show a sign-up
    current = np.where(observed[:, 0] <= sent, _furthest(observed, sent), -1)
    k = STAGES.index(c.from_stage)
    targeted = np.flatnonzero((current == k) & (rng.random(people) < c.reach))
    held_out = rng.random(targeted.size) < c.holdout
    # only people who would never have reached the next stage can be moved by it
    movable = ~held_out & (entry[targeted, k + 1] >= NEVER)
    moved = movable & (rng.random(targeted.size) < c.lift)
    delay = rng.integers(3600, int(c.window_days * DAY) - 3600, targeted.size)
    chosen = targeted[moved]
    entry[chosen, k + 1] = sent[chosen] + delay[moved]
    return CampaignDraw(c.name, targeted, sent[targeted], held_out, moved)


def _furthest(observed: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Index of the furthest stage entered at or before ``at`` (stages may be skipped)."""
    entered = observed <= at[:, None]
    last = observed.shape[1] - 1 - np.argmax(entered[:, ::-1], axis=1)
    return np.where(entered.any(axis=1), last, -1)


def _link_referrers(
    plan: ShopPlan, channel: np.ndarray, entry: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Tie referral arrivals to a promoter who had already entered Promote when they arrived."""
    referrer = np.full(channel.shape[0], -1, dtype=np.int64)
    if "referral" not in plan.channels:
        return referrer
    promote = entry[:, PROMOTE]
    promoters = np.flatnonzero(promote < plan.horizon_seconds)
    promoters = promoters[np.argsort(promote[promoters], kind="stable")]
    referred = np.flatnonzero(channel == plan.channels.index("referral"))
    referred = referred[rng.random(referred.shape[0]) < plan.referral_link_rate]
    available = np.searchsorted(promote[promoters], entry[referred, AWARENESS], side="left")
    pick = np.floor(rng.random(referred.shape[0]) * available).astype(np.int64)
    has = available > 0
    referrer[referred[has]] = promoters[pick[has]]
    return referrer
