"""Funnel definitions: ordered steps, a conversion window, an order mode, exclusions.

A step is a touchpoint name (``"product_view"``), a rule (``{event: order, where:
{order_number: 1}}``) or a journey stage (``{stage: Subscribe}``: any touchpoint that
matches the stage's rules). A step may carry ``optional: true`` (it may be skipped),
``within: 2d`` (at most that long after the step before it) and ``after: 1h`` (at
least that long after it); see :mod:`jejak.analyses.funnels` for what they count.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from jejak.language import gettext
from jejak.model.journey import Journey, Rule, Stage
from jejak.model.roles import Roles
from jejak.model.validation import said

OrderMode = Literal["ordered", "strict", "any"]
OpenWindows = Literal["exclude", "include"]
STEP_OPTIONS = ("label", "optional", "within", "after")
# steps a funnel may have: its query grows with each one (a join per step; in any order
# a comparison between every two steps), and 30 already answer in about a minute on a
# shop of 20,000 people in any order, under ten seconds in order
MAX_STEPS = 30
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([dhms])\s*")


def duration(value: Any) -> Any:
    """``2d``, ``12h``, ``30m``, ``90s`` or a number of seconds as a timedelta; anything
    else is left to pydantic (a timedelta, an ISO 8601 duration)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str) and (match := _DURATION.fullmatch(value.lower())):
        unit = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}[match.group(2)]
        return timedelta(seconds=float(match.group(1)) * unit)
    if isinstance(value, str) and not value.strip().upper().startswith("P"):
        raise ValueError(
            gettext("{value} is not a duration; write it like 2d, 12h, 45m or 90s").format(
                value=repr(value)
            )
        )
    return value


class FunnelStep(BaseModel):
    """One step: a rule, or a journey stage by name."""

    model_config = ConfigDict(extra="forbid")

    label: str = ""
    rule: Rule | None = None
    stage: str | None = None
    optional: bool = False
    within: timedelta | None = None  # at most this long after the step before
    after: timedelta | None = None  # at least this long after the step before

    @field_validator("within", "after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return duration(value)

    @field_validator("within", "after")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError(gettext("a step's within/after must be positive, e.g. 2d or 1h"))
        return value

    @property
    def options(self) -> bool:
        """Whether the step is optional or has its own gap limits."""
        return self.optional or self.within is not None or self.after is not None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError(
                    gettext("a step is empty; give a touchpoint name, a rule or a stage")
                )
            return {"label": value, "rule": {"event": value}}
        if isinstance(value, dict) and not {"rule", "stage"} & set(value):
            label = value.get("label")
            rule = {k: v for k, v in value.items() if k not in STEP_OPTIONS}
            options = {k: value[k] for k in STEP_OPTIONS[1:] if k in value}
            return {"label": label or _describe(rule), "rule": rule, **options}
        if isinstance(value, dict) and "stage" in value and not value.get("label"):
            return {**value, "label": value["stage"]}
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> FunnelStep:
        if (self.rule is None) == (self.stage is None):
            raise ValueError(
                gettext("a step is either a rule (event, where, ...) or a stage, not both")
            )
        return self

    @classmethod
    def of(cls, value: Any) -> FunnelStep:
        """A step from a touchpoint name, rule or stage; a bad one is a ConfigError that
        says what is wrong (as every face reports it), not a validation traceback."""
        from jejak.errors import ConfigError

        try:
            return cls.model_validate(value)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
            words = (
                gettext("step {step}: {where}: {message}")
                if where
                else gettext("step {step}: {message}")
            )
            raise ConfigError(
                words.format(step=shown, where=where, message=said(problem))
            ) from None

    def as_stage(self, journey: Journey) -> Stage:
        """The step as a stage-like matcher (the journey's stage, or its own rule)."""
        if self.stage is not None:
            return journey.stages[journey.index_of(self.stage)]
        name = self.label or _describe(self.rule.model_dump(exclude_none=True))
        roles = journey._roles if journey._roles is not None else Roles()
        return Stage(name=name, rules=[roles.bind(self.rule)])


def _condition_text(condition: Any) -> str:
    if isinstance(condition, dict):
        return ", ".join(f"{k} {v}" for k, v in condition.items() if v is not None)
    return str(condition)


def _describe(rule: dict) -> str:
    event = rule.get("event")
    if event is None and rule.get("role"):
        name = str(rule["role"])
        if rule.get("nth") is not None:
            name += f" (nth {_condition_text(rule['nth'])})"
    elif event is None:
        fields = {k: v for k, v in rule.items() if k not in ("where", "any") and v is not None}
        name = " ".join(
            f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in fields.items()
        )
        name = name or "touchpoint"
    else:
        name = ", ".join(event) if isinstance(event, list) else str(event)
    where = rule.get("where") or {}
    if isinstance(where, dict) and where:  # anything else is refused by Rule, with words
        name += " (" + ", ".join(f"{k} {v}" for k, v in where.items()) + ")"
    return name


class Exclusion(BaseModel):
    """Touchpoints that void an attempt when they happen between two steps (1-based)."""

    model_config = ConfigDict(extra="forbid")

    step: FunnelStep
    after: int = 1
    before: int | None = None  # None: the last step

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str | dict) and not (isinstance(value, dict) and "step" in value):
            return {"step": value}
        return value


class Funnel(BaseModel):
    """What a funnel counts. See :func:`jejak.analyses.funnels.funnel` for the definitions."""

    model_config = ConfigDict(extra="forbid")

    steps: list[FunnelStep]
    window: timedelta = timedelta(days=30)
    order: OrderMode = "ordered"
    exclusions: list[Exclusion] = Field(default_factory=list)
    by: str | None = None
    # people whose window is still open at the data's end: left out of the rates or
    # counted in them; None: "exclude" when a step has options, else "include" (as
    # funnels were counted before step options existed)
    open_windows: OpenWindows | None = None

    @property
    def step_options(self) -> bool:
        """Whether any step is optional or has its own gap limits."""
        return any(step.options for step in self.steps)

    @property
    def excludes_open(self) -> bool:
        """Whether people whose window is still open are left out of the rates."""
        if self.open_windows is None:
            return self.step_options
        return self.open_windows == "exclude"

    def previous_required(self, k: int) -> int:
        """The nearest required step before step ``k`` (0-based)."""
        return max(j for j in range(k) if not self.steps[j].optional)

    def next_required(self, k: int) -> int:
        """The nearest required step after step ``k`` (0-based)."""
        return min(j for j in range(k + 1, len(self.steps)) if not self.steps[j].optional)

    @field_validator("steps")
    @classmethod
    def _two_steps(cls, steps: list[FunnelStep]) -> list[FunnelStep]:
        if len(steps) < 2:
            raise ValueError(gettext("a funnel needs at least two steps"))
        return steps

    @field_validator("steps")
    @classmethod
    def _not_too_many(cls, steps: list[FunnelStep]) -> list[FunnelStep]:
        if len(steps) > MAX_STEPS:
            raise ValueError(
                gettext(
                    "a funnel has at most {limit} steps; this one has {count}:"
                    " leave out some steps, or split it into two funnels"
                ).format(limit=MAX_STEPS, count=len(steps))
            )
        return steps

    @model_validator(mode="after")
    def _consistent(self) -> Funnel:
        if self.window <= timedelta(0):
            raise ValueError(gettext("the conversion window must be positive, e.g. 30 days"))
        n = len(self.steps)
        first, last = self.steps[0], self.steps[-1]
        if first.options:
            raise ValueError(
                gettext("step 1 starts the funnel: it cannot be optional or have within/after")
            )
        if last.optional:
            raise ValueError(
                gettext("the last step cannot be optional: it is what people convert to")
            )
        if self.order == "any" and self.step_options:
            raise ValueError(
                gettext(
                    "optional steps and within/after need ordered or strict order: in any order"
                    " no step comes before another"
                )
            )
        if self.order == "strict" and any(s.optional for s in self.steps):
            raise ValueError(
                gettext("optional steps need ordered order: strict allows no skipping")
            )
        for k, step in enumerate(self.steps):
            if step.within is not None and step.after is not None and step.after >= step.within:
                raise ValueError(
                    gettext("step {number}: after must be shorter than within").format(number=k + 1)
                )
        for exclusion in self.exclusions:
            before = exclusion.before or n
            if not 1 <= exclusion.after < before <= n:
                raise ValueError(
                    gettext(
                        "an exclusion lies between two steps 1..{steps}, with after < before;"
                        " got after={after}, before={before}"
                    ).format(steps=n, after=exclusion.after, before=before)
                )
            if self.steps[exclusion.after - 1].optional or self.steps[before - 1].optional:
                raise ValueError(
                    gettext("an exclusion lies between two required steps, not optional ones")
                )
            if self.order == "any":
                raise ValueError(
                    gettext(
                        "exclusions need ordered or strict order: 'between' has no"
                        " meaning when steps may come in any order"
                    )
                )
        return self


def parse_step(text: str) -> Any:
    """A step as people type it (command line, URL): ``order``, ``stage:Convert``,
    ``role:purchase``, ``channel=ads`` or a JSON rule like ``{"event": "order"}``."""
    from jejak.errors import ConfigError

    text = text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                gettext("{text} is not a JSON rule: {problem}").format(text=repr(text), problem=exc)
            ) from None
    if text.startswith("stage:"):
        return {"stage": text.removeprefix("stage:")}
    if text.startswith("role:"):
        return {"role": text.removeprefix("role:").strip()}
    if "=" in text:
        field, value = text.split("=", 1)
        return {field.strip(): value.strip()}
    return text


def step_text(value: Any) -> str:
    """A step as :func:`parse_step` reads it back (``order``, ``stage:Convert``,
    ``role:purchase``, ``channel=ads``, else a JSON rule): how a face writes a step for
    the command line or a URL."""

    def plain(text: Any) -> bool:
        return isinstance(text, str) and bool(text) and text.strip() == text

    if isinstance(value, str):
        if plain(value) and not value.startswith(("{", "stage:", "role:")) and "=" not in value:
            return value
        value = {"event": value}  # the same touchpoints, as a rule
    if isinstance(value, dict) and len(value) == 1:
        ((key, given),) = value.items()
        if key in ("stage", "role") and plain(given):
            return f"{key}:{given}"
        if plain(key) and plain(given) and not key.startswith("{") and "=" not in key:
            return f"{key}={given}"
    return json.dumps(value, ensure_ascii=False)


def with_step_options(
    steps: list[Any],
    optional: list[int] | None = None,
    within: list[str] | None = None,
    after: list[str] | None = None,
) -> list[Any]:
    """Steps (as :func:`parse_step` gives them) with options given by step number, as
    the command line takes them: ``optional`` step numbers (1-based), ``within`` and
    ``after`` like ``3=2d`` (step 3 at most / at least 2 days after the step before)."""
    from jejak.errors import ConfigError

    steps = [{"event": s} if isinstance(s, str) else dict(s) for s in steps]

    def numbered(number: int) -> dict[str, Any]:
        if not 1 <= number <= len(steps):
            raise ConfigError(
                gettext("there is no step {number} in a funnel of {count} steps").format(
                    number=number, count=len(steps)
                )
            )
        return steps[number - 1]

    for number in optional or []:
        numbered(number)["optional"] = True
    for name, given in (("within", within), ("after", after)):
        for text in given or []:
            number, _, gap = text.partition("=")
            if not number.strip().isdigit() or not gap.strip():
                raise ConfigError(
                    gettext(
                        "{option} {text!r}: give the step's number and the gap, like 3=2d"
                    ).format(option=name, text=text)
                )
            try:  # said of the option as given, not of the step's place in a list
                duration(gap.strip())
            except ValueError as exc:
                raise ConfigError(f"{name} {text!r}: {exc}") from None
            numbered(int(number))[name] = gap.strip()
    return steps
