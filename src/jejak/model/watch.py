"""Watch rules and where their alerts go: the ``watch:`` section of ``jejak.yaml``.

::

    watch:
      every: 1h                      # while jejak serve runs (leave out: on demand only)
      link: https://jejak.shop.example   # makes the alerts' dashboard links absolute
      rules:
        subscribe-convert:
          kind: conversion_drop
          from: Subscribe
          to: Convert
          drop: 20%                  # this week more than 20% below ...
          weeks: 8                   # ... the mean of the 8 weeks before
          within: 14d                # a move counts this long after entering 'from'
        collector-rejects:
          kind: rejected
          above: 1%                  # of the events the collector was sent today
        campaign-lift:
          kind: campaign_lift        # every campaign, or 'campaign: NAME'
      notify:
        log: true
        webhook: https://hooks.example/jejak
        email: {host: smtp.example.com, port: 587, from: jejak@shop.example,
                to: [team@shop.example], user: jejak, password_env: JEJAK_SMTP_PASSWORD}

See :mod:`jejak.alerts` for exactly what each rule counts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jejak.language import gettext
from jejak.model.funnel import duration
from jejak.model.journey import Journey


def percent(value: Any) -> Any:
    """``20%`` or ``20`` as 20.0 (percent points); anything else is left to pydantic."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1])
        except ValueError:
            pass
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise ValueError(
                gettext("{value} is not a percentage; write it like 20%").format(value=repr(value))
            ) from None
    return value


class ConversionDrop(BaseModel):
    """A transition's conversion in the latest closed week, against its mean before."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["conversion_drop"]
    from_: str = Field(alias="from")
    to: str
    drop: float = Field(gt=0, lt=100)
    weeks: int = Field(default=8, ge=1)
    within: timedelta = timedelta(days=14)
    min_people: int = Field(default=30, ge=1)

    _percent = field_validator("drop", mode="before")(percent)

    @field_validator("within", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return duration(value)

    @field_validator("within")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError(gettext("give a positive duration, like 14d"))
        return value

    def check(self, name: str, journey: Journey) -> None:
        """``from`` comes before ``to`` on the journey (a ConfigError names the rule)."""
        start, end = journey.index_of(self.from_), journey.index_of(self.to)
        if end <= start:
            raise ValueError(
                gettext("rule '{name}': '{to}' must come after '{start}' on the journey").format(
                    name=name, to=self.to, start=self.from_
                )
            )


class Rejected(BaseModel):
    """The share of events the collector refused today."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["rejected"]
    above: float = Field(ge=0, lt=100)
    min_events: int = Field(default=1, ge=1)

    _percent = field_validator("above", mode="before")(percent)


class CampaignLift(BaseModel):
    """A campaign whose lift interval excludes zero (it moved people, or held them back)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["campaign_lift"]
    campaign: str | None = None
    direction: Literal["any", "up", "down"] = "any"


Rule = Annotated[ConversionDrop | Rejected | CampaignLift, Field(discriminator="kind")]


class Email(BaseModel):
    """Where alert emails go, and the SMTP server that sends them; the password is read
    from the environment variable named, never written here."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    host: str
    port: int = Field(default=587, gt=0, lt=65_536)
    from_: str = Field(alias="from")
    to: list[str]
    starttls: bool = True
    user: str | None = None
    password_env: str | None = None
    timeout: float = Field(default=30.0, gt=0)

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, value: Any) -> Any:
        if isinstance(value, dict) and "password" in value:
            raise ValueError(
                gettext(
                    "do not write the password in jejak.yaml; put it in an environment"
                    " variable and name it: password_env: JEJAK_SMTP_PASSWORD"
                )
            )
        return value


class Webhook(BaseModel):
    """A URL that gets each alert as a JSON POST."""

    model_config = ConfigDict(extra="forbid")

    url: str
    timeout: float = Field(default=10.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _just_a_url(cls, value: Any) -> Any:
        return {"url": value} if isinstance(value, str) else value


class Notify(BaseModel):
    """Where alerts go: a line in the log, a webhook, an email."""

    model_config = ConfigDict(extra="forbid")

    log: bool = True
    webhook: Webhook | None = None
    email: Email | None = None


class Watch(BaseModel):
    """The rules ``jejak watch`` checks, how often the server checks them, and where
    alerts go."""

    model_config = ConfigDict(extra="forbid")

    every: timedelta | None = None
    link: str | None = None
    rules: dict[str, Rule] = Field(default_factory=dict)
    notify: Notify = Field(default_factory=Notify)

    @field_validator("every", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return None if value is None else duration(value)

    @field_validator("every")
    @classmethod
    def _at_least_a_minute(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(minutes=1):
            raise ValueError(gettext("check at most once a minute: every: 1m or more"))
        return value

    @field_validator("rules", "notify", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return {} if value is None else value

    def check(self, journey: Journey, campaigns: set[str]) -> None:
        """Every rule names stages of ``journey`` and campaigns that exist."""
        for name, rule in self.rules.items():
            if isinstance(rule, ConversionDrop):
                rule.check(name, journey)
            elif isinstance(rule, CampaignLift) and rule.campaign not in {None, *campaigns}:
                raise ValueError(
                    gettext(
                        "rule '{name}': no campaign named '{campaign}'; define it under"
                        " 'campaigns:' or leave 'campaign' out to watch them all"
                    ).format(name=name, campaign=rule.campaign)
                )
