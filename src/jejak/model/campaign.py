"""Campaign definitions: a call to action plus a traffic source, aimed at one transition.

In ``jejak.yaml`` (or from the API)::

    campaigns:
      spring-signup:
        call_to_action: {event: email_click, campaign: spring-signup}
        traffic_source: {channel: email, campaign: spring-signup}
        target: {from: Engagement, to: Subscribe}
        exposure: {event: email_sent, campaign: spring-signup}   # who was reached
        holdout: {event: campaign_holdout, campaign: spring-signup}  # optional
        start: 2026-03-01        # optional: exposures from this day
        end: 2026-04-01          # optional: exposures before this day
        days: 14                 # a transition counts this many days after exposure

``exposure`` says who was reached: a send or an impression, never the click on it (the
call to action), or the exposed would be the people who answered. ``target.to`` may be
several stages on (Engagement -> Convert), never backwards.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey


class Target(BaseModel):
    """The stage transition a campaign is meant to cause."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class Campaign(BaseModel):
    """One campaign: who it reached, who it deliberately did not, and what it aimed at."""

    model_config = ConfigDict(extra="forbid")

    call_to_action: FunnelStep
    traffic_source: dict[str, str | list[str]]
    target: Target
    exposure: FunnelStep
    holdout: FunnelStep | None = None
    start: datetime | None = None
    end: datetime | None = None
    days: float = Field(default=14.0, gt=0)
    purchase: FunnelStep = Field(
        default_factory=lambda: FunnelStep.model_validate({"role": "purchase"})
    )
    description: str | None = None

    @field_validator("traffic_source")
    @classmethod
    def _a_source(cls, source: dict[str, Any]) -> dict[str, Any]:
        allowed = ("channel", "source", "medium", "campaign", "event")
        unknown = [k for k in source if k not in allowed]
        if unknown or not source:
            raise ValueError(
                gettext(
                    "a traffic source names at least one of channel, source, medium, campaign"
                    " (e.g. {example})"
                ).format(example="{channel: email, campaign: spring-signup}")
            )
        return source

    @field_validator("start", "end", mode="before")
    @classmethod
    def _day_or_moment(cls, value: Any) -> Any:
        """A day (``2026-03-01``, midnight) or a moment, with or without an offset."""
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    gettext("{value} is not a date; write it like 2026-03-01").format(
                        value=repr(value)
                    )
                ) from None
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Campaign:
        if self.start is not None and self.end is not None and _utc(self.end) <= _utc(self.start):
            raise ValueError(gettext("'end' must come after 'start'"))
        return self

    def exposure_step(self) -> FunnelStep:
        """Who was reached (a send or an impression, never the response to it)."""
        return self.exposure

    def check(self, name: str, journey: Journey) -> None:
        """The target names two stages of ``journey``, the second later; raises ValueError."""
        names = journey.stage_names
        for key, stage in (("from", self.target.from_), ("to", self.target.to)):
            if stage not in names:
                raise ValueError(
                    gettext(
                        "campaign '{name}': target.{key} {stage} is not a stage of journey"
                        " {journey}; use one of {stages}"
                    ).format(
                        name=name,
                        key=key,
                        stage=repr(stage),
                        journey=journey.name,
                        stages=", ".join(names),
                    )
                )
        if names.index(self.target.to) <= names.index(self.target.from_):
            raise ValueError(
                gettext(
                    "campaign '{name}': target.to must be a later stage than target.from"
                    " ({start} → {end} goes backwards)"
                ).format(name=name, start=self.target.from_, end=self.target.to)
            )
        for key in ("call_to_action", "exposure", "holdout"):
            step = getattr(self, key)
            if step is not None and step.stage is not None and step.stage not in names:
                raise ValueError(
                    gettext(
                        "campaign '{name}': {key} names stage {stage}, which is not a"
                        " stage of journey {journey}"
                    ).format(name=name, key=key, stage=repr(step.stage), journey=journey.name)
                )

    @property
    def transition(self) -> str:
        return f"{self.target.from_} -> {self.target.to}"


def _utc(value: datetime) -> datetime:
    """For comparing two settings: a time without a zone is read as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
