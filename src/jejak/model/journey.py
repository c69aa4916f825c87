"""Journey definitions: ordered stages, each entered by touchpoints that match its rules.

A stage is *entered* at the first touchpoint that matches any of its rules. Within a
rule every given field must match (AND); a rule with ``any: true`` matches every
touchpoint (useful for Awareness: the first time we see someone at all).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from jejak.language import gettext, pgettext
from jejak.language import stage as language_stage

Scalar = str | int | float | bool
Operator = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in"]
PROPERTY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MATCHABLE = ("event", "channel", "source", "medium", "campaign", "context", "need", "currency")


class Condition(BaseModel):
    """One test on a property value, e.g. ``{gte: 2}``; a bare value means ``eq``."""

    model_config = ConfigDict(extra="forbid")

    eq: Scalar | None = None
    ne: Scalar | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")

    @model_validator(mode="before")
    @classmethod
    def _bare_value_means_eq(cls, value: Any) -> Any:
        if isinstance(value, str | int | float | bool):
            return {"eq": value}
        if isinstance(value, list):
            return {"in": value}
        return value

    @model_validator(mode="after")
    def _at_least_one(self) -> Condition:
        if not self.tests():
            raise ValueError(
                gettext("a condition needs one of {operators}").format(
                    operators="eq, ne, gt, gte, lt, lte, in"
                )
            )
        return self

    def tests(self) -> list[tuple[Operator, Any]]:
        """The (operator, operand) pairs that must all hold."""
        pairs = [("eq", self.eq), ("ne", self.ne), ("gt", self.gt), ("gte", self.gte)]
        pairs += [("lt", self.lt), ("lte", self.lte), ("in", self.in_)]
        return [(op, v) for op, v in pairs if v is not None]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Rule(BaseModel):
    """Touchpoints that enter a stage: every given field must match."""

    model_config = ConfigDict(extra="forbid")

    any: bool = False
    role: str | None = None
    nth: Condition | None = None
    event: list[str] | None = None
    channel: list[str] | None = None
    source: list[str] | None = None
    medium: list[str] | None = None
    campaign: list[str] | None = None
    context: list[str] | None = None
    need: list[str] | None = None
    currency: list[str] | None = None
    where: dict[str, Condition] = Field(default_factory=dict)

    _lists = field_validator(*MATCHABLE, mode="before")(_as_list)

    @field_validator("where")
    @classmethod
    def _keys_are_names(cls, where: dict[str, Condition]) -> dict[str, Condition]:
        for key in where:
            if not PROPERTY_KEY.match(key):
                raise ValueError(
                    gettext("property name {key} must be letters, digits and _").format(
                        key=repr(key)
                    )
                )
        return where

    @model_validator(mode="after")
    def _not_empty(self) -> Rule:
        named = self.role is not None or any(getattr(self, f) is not None for f in MATCHABLE)
        if not self.any and not self.where and not named:
            raise ValueError(
                gettext("an empty rule matches nothing; give role/event/channel/... or 'any: true'")
            )
        if self.nth is not None and self.role is None:
            raise ValueError(
                gettext("'nth' counts a person's touchpoints of a role; add e.g. 'role: purchase'")
            )
        for name in MATCHABLE:
            # a role the shop left empty binds to no events: it matches nothing
            if getattr(self, name) == [] and not (name == "event" and self.role):
                raise ValueError(
                    gettext("'{name}' is an empty list; name at least one value").format(name=name)
                )
        return self


class Stage(BaseModel):
    """One step of the journey, entered by the first touchpoint matching any rule."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    rules: list[Rule]

    @field_validator("rules")
    @classmethod
    def _has_rules(cls, rules: list[Rule]) -> list[Rule]:
        if not rules:
            raise ValueError(
                gettext("a stage needs at least one rule saying which touchpoints enter it")
            )
        return rules


class Journey(BaseModel):
    """An ordered list of stages (at least two, names unique)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "custom"
    stages: list[Stage]
    # the event roles its rules were bound with (see jejak.model.roles), for steps bound later
    _roles: Any = PrivateAttr(default=None)

    @field_validator("stages")
    @classmethod
    def _unique_names(cls, stages: list[Stage]) -> list[Stage]:
        if len(stages) < 2:
            raise ValueError(gettext("a journey needs at least two stages, to move between them"))
        seen: set[str] = set()
        for stage in stages:
            key = stage.name.casefold()
            if key in seen:
                raise ValueError(
                    gettext("stage {stage} is defined twice; stage names are unique").format(
                        stage=repr(stage.name)
                    )
                )
            seen.add(key)
        return stages

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    def own_name(self, stage: str) -> str:
        """The journey's own name of ``stage`` given as :meth:`index_of` takes it (any case,
        or as shown in the reader's language); an unknown name as given."""
        from jejak.errors import ConfigError

        try:
            return self.stages[self.index_of(stage)].name
        except ConfigError:
            return stage

    def index_of(self, stage: str) -> int:
        """Position of a stage by name (case-insensitive), or by the name it is shown by in
        the reader's language (``Konversi``); a clear error if unknown."""
        for i, s in enumerate(self.stages):
            if s.name.casefold() == stage.casefold():
                return i
        for i, s in enumerate(self.stages):
            if language_stage(s.name).casefold() == stage.casefold():
                return i
        from jejak.errors import ConfigError

        names = ", ".join(self.stage_names)
        raise ConfigError(
            gettext("unknown stage {stage}; this journey's stages are: {names}").format(
                stage=repr(stage), names=names
            )
        )


def describe_rules(stage: Stage) -> str:
    """A stage's rules in words: ``purchase (pembelian) nth 1 or trial (trial_start)``."""
    parts = []
    for rule in stage.rules:
        if rule.any:
            parts.append(gettext("any touchpoint"))
            continue
        names = ", ".join(rule.event or [])
        text = f"{rule.role} = {names}" if rule.role else names
        fields = [
            f"{name} {', '.join(getattr(rule, name))}"
            for name in MATCHABLE
            if name != "event" and getattr(rule, name) is not None
        ]
        text = " ".join([t for t in (text, *fields) if t])
        if rule.nth is not None:
            signs = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
            tests = [
                f"nth {signs.get(op, op)} {f'{v:g}' if isinstance(v, float) else v}"
                for op, v in rule.nth.tests()
            ]
            text += " (" + ", ".join(tests) + ")"
        if rule.where:
            text = gettext("{rule} where {fields}").format(rule=text, fields=", ".join(rule.where))
        parts.append(text)
    either = pgettext("rules", "or")
    return f" {either} ".join(parts)
