"""The planted parameters of the demo shop: what a correct analysis must recover.

Every behaviour the simulator plants is a field here, so a test or benchmark can vary one
knob with ``dataclasses.replace`` and know exactly what the data should show. A new behaviour
(campaigns, fatigue, ...) is a new field plus a new emitter, never a change to existing ones.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from jejak.model.config import preset

STAGES: tuple[str, ...] = tuple(preset("value-journey").stage_names)
"""The value-journey stages, in order; the plan's per-step numbers follow this order."""

STEPS = len(STAGES) - 1
TRANSITIONS: tuple[str, ...] = tuple(f"{a}->{b}" for a, b in pairwise(STAGES))

DEFAULT_SHARES: dict[str, float] = {
    "search": 0.30,
    "social": 0.25,
    "ads": 0.20,
    "direct": 0.15,
    "referral": 0.10,
}

# P(advance from stage k to k+1) per acquisition channel, k = Awareness .. Advocate.
# Channels differ on purpose (ads engage and subscribe worst, referrals best) so that a
# per-channel funnel has something real to find.
DEFAULT_ADVANCE: dict[str, tuple[float, ...]] = {
    "search": (0.55, 0.60, 0.45, 0.70, 0.50, 0.45, 0.35),
    "social": (0.65, 0.45, 0.35, 0.60, 0.40, 0.50, 0.45),
    "ads": (0.40, 0.35, 0.40, 0.55, 0.35, 0.35, 0.30),
    "direct": (0.50, 0.55, 0.50, 0.65, 0.55, 0.40, 0.30),
    "referral": (0.75, 0.65, 0.55, 0.80, 0.60, 0.60, 0.50),
}


@dataclass(frozen=True)
class CampaignPlan:
    """A campaign with a holdout and a planted lift on one stage transition.

    On ``day`` (plus up to six hours) it targets a ``reach`` share of the people whose
    current stage is ``from_stage``; a ``holdout`` share of them is held out (recorded as
    a ``campaign_holdout`` touchpoint), the rest get ``exposure_event``. Of the exposed
    who would otherwise never reach ``to_stage`` (the next stage), a ``lift`` share does
    within ``window_days``, after clicking the call to action (``cta_event``)."""

    name: str
    from_stage: str
    channel: str
    exposure_event: str
    cta_event: str
    day: float
    lift: float
    reach: float = 0.8
    holdout: float = 0.2
    window_days: float = 14.0
    baseline_click: float = 0.05
    """Share of the exposed who are not moved but click the call to action anyway."""
    cost: float = 0.0
    """What the campaign cost (in the shop's currency), paid evenly over its first week;
    its spend names the campaign on its channel."""

    @property
    def to_stage(self) -> str:
        return STAGES[STAGES.index(self.from_stage) + 1]


@dataclass(frozen=True)
class PromoPlan:
    """Promotional emails on top of the weekly newsletter, with planted fatigue and send hours.

    For ``weeks`` calendar weeks from ``start_day``, a ``share`` of the subscribers gets
    0 to ``max_extra`` promos a week (uniform), each on its own day at one of ``hours``
    (UTC). With the newsletter a person gets 1 + promos messages that week; each promo is
    opened with ``open_rate`` x ``hour_match`` (sent at their preferred hour) or
    ``hour_miss`` (otherwise), x ``fatigue_factor`` per message beyond ``fatigue_after``.
    Clicks are ``click_rate`` of opens; a person-week ends in an unsubscribe (and no more
    promos) with ``unsubscribe_base`` + ``unsubscribe_per_extra`` per message beyond
    ``fatigue_after``. Clicks per person-week peak at ``fatigue_after`` messages."""

    start_day: float = 250.0
    weeks: int = 8
    share: float = 0.5
    max_extra: int = 4
    open_rate: float = 0.30
    click_rate: float = 0.25
    fatigue_after: int = 3
    fatigue_factor: float = 0.35
    unsubscribe_base: float = 0.002
    unsubscribe_per_extra: float = 0.03
    hours: tuple[int, ...] = (8, 12, 16, 20)
    hour_match: float = 1.8
    hour_miss: float = 0.6


@dataclass(frozen=True)
class ExperiencePlan:
    """Support tickets after the first purchase, with a planted bad-experience effect.

    Of the people who enter Excite, ``bad_share`` have an unresolved ticket
    (``support_ticket`` with ``resolved: false``) up to ``within_days`` later; if they
    had not ascended yet, they still do with only ``bad_effect`` times their chance.
    Independently, ``good_share`` have a resolved ticket, which changes nothing."""

    bad_share: float = 0.25
    bad_effect: float = 0.4
    good_share: float = 0.2
    within_days: float = 10.0


@dataclass(frozen=True)
class DropPlan:
    """A week in which one transition drops: of the people (not guests) who enter
    ``from_stage`` in the seven days from ``day``, only a ``keep`` share of those who would
    have reached the next stage do (the others stop there). The watch rule on that
    transition must catch the week, and a quiet week must not set it off."""

    from_stage: str = "Subscribe"
    day: float = 138.0  # Monday 19 May 2025 in the demo's year
    keep: float = 0.4

    @property
    def to_stage(self) -> str:
        return STAGES[STAGES.index(self.from_stage) + 1]


DEMO_EXPERIENCE = ExperiencePlan()

DEMO_DROP = DropPlan()


@dataclass(frozen=True)
class DriverPlan:
    """A touchpoint that drives people on from one stage, with a planted effect.

    Of the people who enter ``stage`` (and are seen there: guests never are in
    Subscribe), ``share`` have ``event`` (no channel) a mean ``after_days`` later
    (exponential), whatever they do meanwhile. If they are still in the stage then, from
    that moment their chance per day of moving on to the next stage is ``effect`` times
    what it was (the later stages follow at their own pace)."""

    event: str = "setup_guide_view"
    stage: str = "Convert"
    share: float = 0.6
    after_days: float = 1.0
    effect: float = 2.0


DEMO_DRIVER = DriverPlan()

DEMO_PROMOTIONS = PromoPlan()


DEMO_CAMPAIGNS: tuple[CampaignPlan, ...] = (
    CampaignPlan(
        name="signup-retargeting",
        from_stage="Engagement",
        channel="ads",
        exposure_event="ad_impression",
        cta_event="ad_click",
        day=200,
        lift=0.25,
        cost=3_000_000.0,
    ),
    CampaignPlan(
        name="first-order-coupon",
        from_stage="Subscribe",
        channel="sms",
        exposure_event="sms_sent",
        cta_event="sms_click",
        day=215,
        lift=0.12,
        cost=1_200_000.0,
    ),
    CampaignPlan(
        name="onboarding-tips",
        from_stage="Convert",
        channel="email",
        exposure_event="email_sent",
        cta_event="email_click",
        day=230,
        lift=0.0,
        cost=400_000.0,
    ),
)
"""The demo shop's campaigns: two that move people, one that moves nobody extra."""


@dataclass(frozen=True)
class ShopPlan:
    """Everything the demo shop plants; defaults give ~20 touchpoints per person.

    Mapping fields are copied on construction; treat them as read-only and use
    ``dataclasses.replace`` to derive a variant plan.
    """

    # --- the period -------------------------------------------------------------------------
    start: date = date(2025, 1, 1)  # a whole past year, whatever day the demo runs
    """First day of the simulated period (midnight UTC); an ISO string is accepted."""
    period_days: int = 365
    acquisition_share: float = 0.6
    """People arrive uniformly over this first share of the period, leaving time to progress."""

    # --- the latent journey -----------------------------------------------------------------
    channel_shares: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    advance: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_ADVANCE))
    skip_subscribe: float = 0.15
    """Share of Engagement->Subscribe advancers who buy as guests and never sign up."""
    delay_days: tuple[float, ...] = (2.0, 5.0, 7.0, 3.0, 20.0, 15.0, 10.0)
    """Mean (exponential) days from entering stage k to entering k+1."""

    # --- touchpoint behaviour (noise around the planted stage entries) -------------------------
    browse_per_person: float = 3.0
    """Mean number of anonymous page/product/review views after the first touch."""
    browse_gap_days: float = 4.0
    """Mean delay of those views after the first touch (they stop at identification)."""
    engagement_per_week: float = 0.45
    """Mean rate of further engagement events once a person has entered Engagement."""
    engagement_shape: float = 0.7
    """Gamma shape of the per-person engagement rate: a few fans, many occasional readers."""
    follower_share: float = 0.23
    """Share of people who follow the brand's content (the seeds' 23%); only they keep
    engaging after entering Engagement, at ``engagement_per_week / follower_share`` on average,
    so the shop's overall engagement rate stays ``engagement_per_week``."""
    return_channel_shares: dict[str, float] = field(
        default_factory=lambda: {"direct": 0.45, "search": 0.30, "social": 0.25}
    )
    """How people come back after their first touch (their acquisition channel is only first)."""
    email_share_after_subscribe: float = 0.3
    """Share of a subscriber's later engagement that arrives through the newsletter."""
    email_every_days: float = 7.0
    email_open_rate: float = 0.20
    email_click_rate: float = 0.15
    """Clicks per open, so ~3% of sent emails are clicked."""
    email_campaigns: tuple[str, ...] = ("weekly-tips", "weekly-tips", "weekly-tips", "flash-sale")
    """Campaign of send j is ``email_campaigns[j % len]``."""
    ad_campaigns: tuple[str, ...] = ("brand-awareness", "flash-sale", "retargeting")
    anonymous_after_identify: float = 0.3
    """Share of on-device touchpoints that still carry the anonymous id after identification."""

    # --- money --------------------------------------------------------------------------------
    currency: str = "IDR"
    entry_price: tuple[int, int] = (49_000, 99_000)
    """Uniform price range of the entry-point offer (first order), in whole thousands."""
    core_price_median: float = 350_000.0
    core_price_spread: float = 0.6
    """Log-normal sigma of core-offer orders (second and later)."""
    repeat_order_days: float = 45.0
    """Mean gap between further orders of people who ascended."""
    repeat_rate_shape: float = 2.0
    """Gamma shape of each ascender's order rate around ``repeat_order_days`` (heterogeneity)."""
    repeat_dropout: float = 0.15
    """P(an ascender stops buying for good after each order from their second on): the
    drop-out of the BG/NBD purchase process."""

    cost_per_acquisition: dict[str, float] = field(default_factory=dict)
    """channel -> what its ads cost per buyer it acquires (in ``currency``). The spend is
    paid day by day over the days people arrive, +-20% a day, totalling about this much
    per acquired buyer. None by default; ``jejak demo`` pays for ads, social and search
    (:data:`DEMO_AD_COSTS`). The truth's ``ad_spend`` gives each channel's total and its
    realised cost per acquisition."""

    # --- feedback and referrals -----------------------------------------------------------------
    advocate_review_share: float = 0.6
    """Advocates speak up by review (rating 4-5) this often, otherwise by NPS (9-10)."""
    feedback_rate: float = 0.3
    """Share of converted non-advocates who leave a lukewarm review (<=3) or NPS (<=8)."""
    referral_link_rate: float = 0.6
    """Share of referral-acquired people whose first touch names an earlier promoter."""

    # --- offers before the first order (the attribution truth) --------------------------------
    offer_channels: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "retargeting": (0.45, 0.15),
            "sms": (0.30, 0.15),
            "push": (0.10, 0.15),
        }
    )
    """channel -> (P(an offer_click from it | bought), P(... | engaged but never bought)).

    A buyer's offer comes within two days before the first order; a non-buyer's within 30
    days of entering Engagement. Retargeting tips people over most, SMS less, push least
    (it reaches buyers less often than people who stall)."""

    # --- campaigns with holdouts (the campaign-lift truth) -------------------------------------
    campaigns: tuple[CampaignPlan, ...] = ()
    """None by default, so the stage rates stay the analytic ones; ``jejak demo`` runs
    :data:`DEMO_CAMPAIGNS`."""
    experience: ExperiencePlan | None = None
    """Support tickets with a planted bad-experience effect; ``jejak demo`` runs
    :data:`DEMO_EXPERIENCE`."""
    promotions: PromoPlan | None = None
    """Promotional emails with fatigue and send-time effects; ``jejak demo`` runs
    :data:`DEMO_PROMOTIONS`."""
    conversion_drop: DropPlan | None = None
    """A week in which one transition drops; ``jejak demo`` runs :data:`DEMO_DROP`."""
    driver: DriverPlan | None = None
    """A touchpoint that speeds people on from one stage; ``jejak demo`` runs
    :data:`DEMO_DRIVER`."""

    def __post_init__(self) -> None:
        campaigns = tuple(
            c if isinstance(c, CampaignPlan) else CampaignPlan(**c) for c in self.campaigns
        )
        object.__setattr__(self, "campaigns", campaigns)
        if isinstance(self.experience, dict):
            object.__setattr__(self, "experience", ExperiencePlan(**self.experience))
        if isinstance(self.conversion_drop, dict):
            object.__setattr__(self, "conversion_drop", DropPlan(**self.conversion_drop))
        if isinstance(self.driver, dict):
            object.__setattr__(self, "driver", DriverPlan(**self.driver))
        if isinstance(self.promotions, dict):
            promo = dict(self.promotions)
            promo["hours"] = tuple(promo.get("hours", PromoPlan.hours))
            object.__setattr__(self, "promotions", PromoPlan(**promo))
        shares = {str(k): float(v) for k, v in dict(self.channel_shares).items()}
        advance = {str(k): tuple(float(p) for p in v) for k, v in dict(self.advance).items()}
        returns = {str(k): float(v) for k, v in dict(self.return_channel_shares).items()}
        offers = {str(k): tuple(float(p) for p in v) for k, v in dict(self.offer_channels).items()}
        object.__setattr__(self, "offer_channels", offers)
        paid = {str(k): float(v) for k, v in dict(self.cost_per_acquisition).items()}
        object.__setattr__(self, "cost_per_acquisition", paid)
        object.__setattr__(self, "channel_shares", shares)
        object.__setattr__(self, "advance", advance)
        object.__setattr__(self, "return_channel_shares", returns)
        object.__setattr__(self, "delay_days", tuple(float(d) for d in self.delay_days))
        for name in ("entry_price", "email_campaigns", "ad_campaigns"):  # lists from JSON
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if isinstance(self.start, str):
            object.__setattr__(self, "start", date.fromisoformat(self.start))
        self._validate()

    def _validate(self) -> None:
        def check(ok: bool, message: str) -> None:
            if not ok:
                raise ValueError(f"ShopPlan: {message}")

        for name, dist in (("channel_shares", self.channel_shares),):
            check(bool(dist), f"{name} is empty; give at least one channel")
            check(all(v >= 0 for v in dist.values()), f"{name} has a negative share")
            check(math.isclose(sum(dist.values()), 1.0, abs_tol=1e-6), f"{name} must sum to 1")
        for channel, chances in self.offer_channels.items():
            check(
                len(chances) == 2 and all(0 <= p <= 1 for p in chances),
                f"offer_channels[{channel!r}] needs (P | bought, P | stalled), each in [0, 1]",
            )
        for channel, cost in self.cost_per_acquisition.items():
            check(channel in self.channel_shares, f"cost_per_acquisition: no channel {channel!r}")
            check(cost >= 0, f"cost_per_acquisition[{channel!r}] is negative")
        returns = self.return_channel_shares
        check(bool(returns) and all(v >= 0 for v in returns.values()), "bad return shares")
        check(math.isclose(sum(returns.values()), 1.0, abs_tol=1e-6), "return shares sum != 1")
        check(
            set(self.advance) == set(self.channel_shares),
            "advance must have exactly one entry per channel in channel_shares",
        )
        for channel, probs in self.advance.items():
            check(len(probs) == STEPS, f"advance[{channel!r}] needs {STEPS} probabilities")
            check(all(0 <= p <= 1 for p in probs), f"advance[{channel!r}] must be in [0, 1]")
        check(len(self.delay_days) == STEPS, f"delay_days needs {STEPS} means")
        check(all(d > 0 for d in self.delay_days), "delay_days must be positive")
        check(0 <= self.skip_subscribe < 1, "skip_subscribe must be in [0, 1)")
        check(self.period_days >= 1, "period_days must be at least 1")
        check(0 < self.acquisition_share <= 1, "acquisition_share must be in (0, 1]")
        for name in ("email_open_rate", "email_click_rate", "email_share_after_subscribe"):
            check(0 <= getattr(self, name) <= 1, f"{name} must be in [0, 1]")
        for name in ("follower_share", "repeat_dropout"):
            check(0 < getattr(self, name) <= 1, f"{name} must be in (0, 1]")
        check(self.repeat_rate_shape > 0, "repeat_rate_shape must be positive")
        for name in ("anonymous_after_identify", "advocate_review_share", "feedback_rate"):
            check(0 <= getattr(self, name) <= 1, f"{name} must be in [0, 1]")
        check(0 <= self.referral_link_rate <= 1, "referral_link_rate must be in [0, 1]")
        for name in ("browse_per_person", "engagement_per_week"):
            check(getattr(self, name) >= 0, f"{name} must not be negative")
        for name in ("browse_gap_days", "email_every_days", "repeat_order_days"):
            check(getattr(self, name) > 0, f"{name} must be positive")
        check(self.engagement_shape > 0, "engagement_shape must be positive")
        check(0 < self.entry_price[0] <= self.entry_price[1], "entry_price is (low, high) > 0")
        check(self.core_price_median > 0 and self.core_price_spread >= 0, "bad core price")
        check(bool(self.email_campaigns) and bool(self.ad_campaigns), "campaign lists are empty")
        for c in self.campaigns:
            check(c.from_stage in STAGES[:-1], f"campaign {c.name}: from_stage must be a stage")
            for name in ("lift", "reach", "holdout", "baseline_click"):
                check(0 <= getattr(c, name) <= 1, f"campaign {c.name}: {name} must be in [0, 1]")
            check(0 <= c.day < self.period_days, f"campaign {c.name}: day is outside the period")
        check(len({c.name for c in self.campaigns}) == len(self.campaigns), "campaign names repeat")
        promo = self.promotions
        if promo is not None:
            check(0 <= promo.max_extra <= 7, "promotions.max_extra must be 0-7 (one a day)")
            check(bool(promo.hours), "promotions.hours is empty")
            check(all(0 <= h <= 23 for h in promo.hours), "promotions.hours must be 0-23")
            for name in ("share", "open_rate", "click_rate", "fatigue_factor"):
                check(0 <= getattr(promo, name) <= 1, f"promotions.{name} must be in [0, 1]")
            check(promo.weeks >= 1 and promo.fatigue_after >= 1, "promotions: weeks, fatigue_after")
        drop = self.conversion_drop
        if drop is not None:
            check(drop.from_stage in STAGES[:-1], "conversion_drop.from_stage must be a stage")
            check(0 <= drop.keep <= 1, "conversion_drop.keep must be in [0, 1]")
            check(0 <= drop.day < self.period_days, "conversion_drop.day is outside the period")
        felt = self.experience
        if felt is not None:
            for name in ("bad_share", "bad_effect", "good_share"):
                check(0 <= getattr(felt, name) <= 1, f"experience.{name} must be in [0, 1]")
            check(felt.within_days > 0, "experience.within_days must be positive")
        driver = self.driver
        if driver is not None:
            check(driver.stage in STAGES[1:-1], "driver.stage must be a stage after the first")
            check(0 <= driver.share <= 1, "driver.share must be in [0, 1]")
            check(driver.after_days > 0 and driver.effect > 0, "driver: after_days, effect > 0")

    # --- derived --------------------------------------------------------------------------------
    @property
    def channels(self) -> tuple[str, ...]:
        """Acquisition channels in the plan's order (codes in the latent journeys index this)."""
        return tuple(self.channel_shares)

    @property
    def horizon_seconds(self) -> int:
        """Length of the period; touchpoints at or after it are never emitted."""
        return int(self.period_days * 86_400)

    @property
    def acquisition_seconds(self) -> int:
        return max(1, round(self.acquisition_share * self.horizon_seconds))

    @property
    def start_datetime(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_datetime(self) -> datetime:
        return datetime.fromtimestamp(
            self.start_datetime.timestamp() + self.horizon_seconds, tz=UTC
        )

    def to_dict(self) -> dict[str, Any]:
        """Every parameter as plain JSON types (the truth's ``plan``; ``ShopPlan(**d)`` works)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif f.name == "campaigns":
                value = [asdict(c) for c in value]
            elif f.name in ("experience", "conversion_drop", "driver"):
                value = None if value is None else asdict(value)
            elif f.name == "promotions":
                value = None if value is None else asdict(value) | {"hours": list(value.hours)}
            elif isinstance(value, dict):
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def __hash__(self) -> int:  # dict fields would make the generated hash fail
        return hash(json.dumps(self.to_dict(), sort_keys=True))


DEMO_AD_COSTS = {"ads": 450_000.0, "social": 250_000.0, "search": 150_000.0}
"""What the demo shop's ads cost per buyer acquired, in rupiah (direct and referral are
free): ads cost the most per buyer, search the least."""

DEMO_PLAN = ShopPlan(
    acquisition_share=1.0,
    campaigns=DEMO_CAMPAIGNS,
    promotions=DEMO_PROMOTIONS,
    experience=DEMO_EXPERIENCE,
    cost_per_acquisition=DEMO_AD_COSTS,
    conversion_drop=DEMO_DROP,
    driver=DEMO_DRIVER,
)
"""What ``jejak demo`` simulates: the default shop plus campaigns, promotions, tickets, a
week in which Subscribe -> Convert drops and a touchpoint that drives people on from their
first order. People keep arriving until the year's end, as in a shop that is open, so some
are still new to a stage or only lately stuck there when the data ends."""
