"""Event roles: which of the shop's touchpoints is a purchase, a sign-up, a review...

``roles:`` in ``jejak.yaml`` names them once, in the shop's own words (``purchase:
pembelian``). Every analysis default, the preset journeys' stage rules and the experience
rules read the roles, so no analysis has a touchpoint name written into it. A journey
rule may say ``role: purchase`` instead of listing events, and ``nth: 1`` (the person's
first purchase) or ``nth: {gte: 2}`` (repeat purchases), counted over all of a person's
touchpoints of that role: no ``order_number`` property is needed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jejak.errors import ConfigError
from jejak.language import gettext
from jejak.model.contact import ContactEvents
from jejak.model.journey import Journey, Rule

# roles that are lists of touchpoint names; a rule may refer to each with ``role:``
EVENT_ROLES = (
    "purchase",
    "refund",
    "signup",
    "subscribe",
    "trial",
    "content",
    "transactional",
    "comparison",
    "activation",
    "upsell",
    "review",
    "nps",
    "referral",
    "sharing",
    "testimonial",
    "shop_sent",
)
# what a rule's ``where`` may call a role's property, whatever the shop calls it
ROLE_FIELDS = {"review": "rating", "nps": "score", "referral": "referrer"}


def _names(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class EventsWithField(BaseModel):
    """Touchpoints of a role plus the property that holds their value."""

    model_config = ConfigDict(extra="forbid")

    events: list[str]
    field: str

    _names = field_validator("events", mode="before")(_names)


def _role_with_field(default_field: str, key: str) -> Any:
    def shorthand(cls: type, value: Any) -> Any:
        # ``review: ulasan`` (names only) keeps the default property name
        if isinstance(value, str | list):
            return {"events": value, "field": default_field}
        if isinstance(value, dict) and key in value:
            value = {**value, "field": value[key]}
            value.pop(key)
            value.setdefault("field", default_field)
        if isinstance(value, dict):
            value.setdefault("field", default_field)
        return value

    return shorthand


def _nothing(role: str, label: str) -> dict[str, Any]:
    """A step that matches no touchpoint: a role the shop says it does not have."""
    return {"label": label, "rule": {"role": role, "event": []}}


def roles_of(journey: Journey) -> Roles:
    """The roles a journey was bound with (the defaults for a journey made by hand)."""
    return journey._roles if journey._roles is not None else Roles()


class Roles(BaseModel):
    """The shop's touchpoints by role (defaults: the names the demo shop and most
    trackers use). See the module docstring."""

    model_config = ConfigDict(extra="forbid")

    purchase: list[str] = Field(default_factory=lambda: ["order"])
    refund: list[str] = Field(default_factory=lambda: ["refund"])
    signup: list[str] = Field(default_factory=lambda: ["account_created"])
    subscribe: list[str] = Field(
        default_factory=lambda: [
            "newsletter_signup",
            "webinar_signup",
            "lead_magnet_download",
            "demo_request",
        ]
    )
    trial: list[str] = Field(default_factory=lambda: ["trial_start", "first_order"])
    content: list[str] = Field(
        default_factory=lambda: [
            "content_view",
            "video_view",
            "social_follow",
            "community_join",
            "webinar_attend",
        ]
    )
    transactional: list[str] = Field(
        default_factory=lambda: ["product_view", "cart_add", "checkout"]
    )
    comparison: list[str] = Field(default_factory=lambda: ["review_read", "price_check", "compare"])
    activation: list[str] = Field(
        default_factory=lambda: ["onboarding_complete", "first_success", "quickstart_complete"]
    )
    upsell: list[str] = Field(
        default_factory=lambda: ["subscription_start", "upsell_accepted", "repeat_order"]
    )
    review: EventsWithField = Field(
        default_factory=lambda: EventsWithField(events=["review"], field="rating")
    )
    nps: EventsWithField = Field(
        default_factory=lambda: EventsWithField(events=["nps_response"], field="score")
    )
    referral: EventsWithField = Field(
        default_factory=lambda: EventsWithField(events=["referral_invite"], field="referrer_id")
    )
    sharing: list[str] = Field(default_factory=lambda: ["share", "affiliate_signup"])
    testimonial: list[str] = Field(default_factory=lambda: ["testimonial"])
    direct: list[str] = Field(default_factory=lambda: ["direct", "(direct)", "(none)"])
    shop_sent: list[str] = Field(
        default_factory=lambda: [
            "email_sent",
            "sms_sent",
            "push_sent",
            "ad_impression",
            "campaign_holdout",
        ]
    )
    messages: ContactEvents = Field(default_factory=ContactEvents)

    _lists = field_validator(
        *(r for r in EVENT_ROLES if r not in ROLE_FIELDS), "direct", mode="before"
    )(_names)
    _review = field_validator("review", mode="before")(_role_with_field("rating", "rating"))
    _nps = field_validator("nps", mode="before")(_role_with_field("score", "score"))
    _referral = field_validator("referral", mode="before")(
        _role_with_field("referrer_id", "referrer")
    )

    @field_validator("purchase")
    @classmethod
    def _something_bought(cls, names: list[str]) -> list[str]:
        if not names:
            raise ValueError(
                gettext("name at least one touchpoint that is a purchase (e.g. order)")
            )
        return names

    @model_validator(mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if v is not None}
        return value

    def events(self, role: str) -> list[str]:
        """The touchpoint names of an event role."""
        if role not in EVENT_ROLES:
            raise KeyError(role)
        value = getattr(self, role)
        return list(value.events if isinstance(value, EventsWithField) else value)

    def field(self, role: str) -> str:
        """The property of a role that carries its value (review stars, NPS score...)."""
        return getattr(self, role).field

    def step(self, role: str) -> Any:
        """The role as a funnel step: its touchpoints, labelled with their names (a role
        the shop left empty matches nothing, rather than failing)."""
        names = self.events(role)
        if names:
            return {"event": names}
        return _nothing(role, f"{role} (none named)")

    def bind(self, rule: Rule) -> Rule:
        """The rule with ``role:`` turned into the role's touchpoint names, and ``where``
        keys named for the role's property (``rating``) turned into the shop's name."""
        if rule.role is None or rule.event is not None:
            return rule
        if rule.role not in EVENT_ROLES:
            raise ConfigError(
                gettext("unknown role {role}; roles are: {roles}").format(
                    role=repr(rule.role), roles=", ".join(EVENT_ROLES)
                )
            )
        where = dict(rule.where)
        alias = ROLE_FIELDS.get(rule.role)
        if alias is not None and alias in where:
            where[self.field(rule.role)] = where.pop(alias)
        return rule.model_copy(update={"event": self.events(rule.role), "where": where})

    def bind_journey(self, journey: Journey) -> Journey:
        """The journey with every rule bound (see :meth:`bind`); it keeps the roles, so
        steps written later (funnels, segments) are bound the same way."""
        stages = [
            stage.model_copy(update={"rules": [self.bind(r) for r in stage.rules]})
            for stage in journey.stages
        ]
        bound = journey.model_copy(update={"stages": stages})
        bound._roles = self
        return bound

    def step_or(self, given: Any, role: str) -> Any:
        """The step a caller gave, or the role's touchpoints when it gave none."""
        return self.step(role) if given is None else given

    def messages_step(self, kind: str) -> Any:
        """The messages of one kind (sent, opened, clicked...) as a funnel step."""
        names = list(getattr(self.messages, kind))
        if names:
            return {"event": names, "label": f"message {kind}"}
        return _nothing("shop_sent", f"message {kind} (none named)")

    def assigned(self) -> dict[str, list[str]]:
        """Every event role with its names (for ``jejak check`` and messages)."""
        return {role: self.events(role) for role in EVENT_ROLES}

    def role_of(self) -> dict[str, list[str]]:
        """Touchpoint name -> the roles it has."""
        found: dict[str, list[str]] = {}
        for role, names in self.assigned().items():
            for name in names:
                found.setdefault(name, []).append(role)
        for name, kind in self.messages.kind_of().items():
            found.setdefault(name, []).append(f"message {kind}")
        return found
