"""Saved segments: named groups of people, by rule or by model, defined once and used as
a filter or breakdown in every analysis and exported as audiences.

A segment's definition is a mapping; every key given must hold (they combine with AND):

==================  ============================================================
``had``             had a touchpoint matching it (name, rule or ``{stage: ...}``)
``first``           their first touchpoint matches it (how they were acquired)
``stage``           their current (furthest) stage is one of these
``rfm``             their RFM segment is one of these (Champions, At risk...)
``engagement``      their engagement group: ``follows content`` or ``transactional only``
``p_alive_below``   buyers whose chance of still being a customer (BG/NBD) is below it
``cluster``         in these behavioural clusters (of ``k`` clusters; default: chosen)
``funnel``          reached a step of a funnel (``stopped``: and went no further), with
                    the funnel's own window, order, exclusions and open windows
``stuck``           stuck in a stage: in it, and entered it over ``days`` days ago
                    (``within``: and past that within the last ``within`` days)
``retention``       of a cohort (the week or month of ``cohort``), active ``period``
                    periods after it: one cell of the retention table, with its
                    ``active``, ``joined`` (its ``cohort`` touchpoint), ``returned`` and
                    ``at_least``
``path``            at one node of the paths after (or before) a touchpoint: their
                    touchpoint at ``position`` on the path is ``touchpoint``
``any``             at least one of these definitions holds
``not``             this definition does not hold
==================  ============================================================
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from jejak.language import gettext, localised, ngettext
from jejak.language import stage as language_stage
from jejak.model.funnel import Exclusion, Funnel, FunnelStep, OpenWindows, OrderMode, duration
from jejak.model.groups import FOLLOWS, RFM_SEGMENTS, TRANSACTS
from jejak.model.validation import either, said

RFM_NAMES = tuple(name for name, _, _ in RFM_SEGMENTS)
ENGAGEMENT_GROUPS = (FOLLOWS, TRANSACTS)
RULE_KEYS = ("had", "first", "stage")
MODEL_KEYS = (
    "rfm",
    "engagement",
    "p_alive_below",
    "cluster",
    "funnel",
    "stuck",
    "retention",
    "path",
)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str | int) and not isinstance(value, bool) else value


class FunnelCell(BaseModel):
    """The people at one step of a funnel: who reached ``step`` (1-based), or with
    ``stopped`` who reached it and went no further (its drop-off). ``window``,
    ``order``, ``exclusions`` and ``open_windows`` are the funnel's own (see
    :class:`jejak.model.funnel.Funnel`); its steps carry their ``optional``, ``within``
    and ``after``; ``start`` and ``end`` bound when people entered its first step."""

    model_config = ConfigDict(extra="forbid")

    steps: list[FunnelStep] = Field(min_length=2)
    step: int = Field(ge=1)
    window: str | float = "30d"
    order: OrderMode = "ordered"
    exclusions: list[Exclusion] = Field(default_factory=list)
    # None: as the funnel decides (left out when a step has options), as cells saved
    # before this field existed were counted
    open_windows: OpenWindows | None = None
    stopped: bool = False
    # the date range people entered the first step in (a funnel asked over dates), as
    # written (2026-03-01, or with a time); in the workspace's zone when it gives none
    start: str | None = None
    end: str | None = None

    @model_validator(mode="after")
    def _a_step_of_it(self) -> FunnelCell:
        if self.step > len(self.steps):
            raise ValueError(
                gettext("step {step} is past the funnel's last ({count})").format(
                    step=self.step, count=len(self.steps)
                )
            )
        for moment in (self.start, self.end):
            if moment is not None:
                try:
                    datetime.fromisoformat(moment)
                except ValueError:
                    raise ValueError(
                        gettext("{value} is not a date or time; write it like 2026-03-01").format(
                            value=repr(moment)
                        )
                    ) from None
        if self.stopped and self.step == len(self.steps):
            raise ValueError(
                gettext("nobody stops at a funnel's last step: 'stopped' needs an earlier one")
            )
        try:  # a funnel the analysis would refuse is refused when saved, not when counted
            Funnel(
                steps=self.steps,
                window=duration(self.window),
                order=self.order,
                exclusions=self.exclusions,
                open_windows=self.open_windows,
            )
        except ValidationError as exc:
            raise ValueError(said(exc.errors()[0])) from None
        return self


class StuckCell(BaseModel):
    """The people stuck in ``stage``: it is their furthest, entered over ``days`` ago; with
    ``within``, only the recently stuck (over ``days`` by at most ``within`` days)."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    days: float = Field(ge=0)
    within: float | None = Field(default=None, gt=0)


class RetentionCell(BaseModel):
    """One cell of the retention table: the people of the cohort of ``cohort`` (a day in
    its week or month) active ``period`` periods later (0: the cohort's own period).
    ``every``, ``active``, ``returned`` and ``at_least`` are the retention's own
    (:meth:`~jejak.analyses.journeys.JourneyAnalyses.retention`), and ``joined`` its
    ``cohort`` touchpoint: people join at their first one (default: ``active``)."""

    model_config = ConfigDict(extra="forbid")

    cohort: date
    period: int = Field(ge=0)
    every: Literal["week", "month"] = "month"
    active: FunnelStep | None = None
    joined: FunnelStep | None = None
    returned: Literal["on", "on_or_after"] = "on"
    at_least: int = Field(default=1, ge=1)


class PathCell(BaseModel):
    """One node of the paths after (or before) a touchpoint, as :meth:`paths` draws it:
    the people whose touchpoint at ``position`` (the paths' step: 1 is ``after``'s
    touchpoint; with ``before``, ``steps`` is its touchpoint) is ``touchpoint`` (``other``:
    one outside the ``top`` most frequent). ``steps``, ``top`` and ``collapse`` are the
    paths' own."""

    model_config = ConfigDict(extra="forbid")

    after: FunnelStep | None = None
    before: FunnelStep | None = None
    position: int = Field(ge=1)
    touchpoint: str = Field(min_length=1)
    steps: int = Field(default=5, ge=2)
    top: int = Field(default=10, ge=1)
    collapse: bool = True

    @model_validator(mode="after")
    def _a_node_of_it(self) -> PathCell:
        if (self.after is None) == (self.before is None):
            raise ValueError(gettext("a path node needs either 'after' or 'before'"))
        if self.position > self.steps:
            raise ValueError(
                gettext("position {position} is past the path's last step ({steps})").format(
                    position=self.position, steps=self.steps
                )
            )
        return self

    @property
    def anchor(self) -> FunnelStep:
        """The touchpoint the paths start from (``after``) or lead to (``before``)."""
        return self.after if self.after is not None else self.before  # type: ignore[return-value]


class SegmentRule(BaseModel):
    """Who is in a segment; every key given must hold."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    had: FunnelStep | None = None
    first: FunnelStep | None = None
    stage: list[str] | None = None
    rfm: list[str] | None = None
    engagement: str | None = None
    p_alive_below: float | None = Field(default=None, gt=0, le=1)
    cluster: list[int] | None = None
    k: int | None = Field(default=None, ge=1, le=20)
    funnel: FunnelCell | None = None
    stuck: StuckCell | None = None
    retention: RetentionCell | None = None
    path: PathCell | None = None
    any: list[SegmentRule] | None = None
    not_: SegmentRule | None = Field(default=None, alias="not")

    @field_validator("stage", "rfm", "cluster", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _listed(value)

    @field_validator("rfm")
    @classmethod
    def _known_rfm(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in RFM_NAMES:
                raise ValueError(
                    gettext("{name} is not an RFM segment; use one of {names}").format(
                        name=repr(name), names=", ".join(RFM_NAMES)
                    )
                )
        return names

    @field_validator("engagement")
    @classmethod
    def _known_group(cls, group: str) -> str:
        if group not in ENGAGEMENT_GROUPS:
            raise ValueError(
                gettext("{group} is not an engagement group; use {groups}").format(
                    group=repr(group), groups=either(ENGAGEMENT_GROUPS)
                )
            )
        return group

    @field_validator("cluster")
    @classmethod
    def _cluster_numbers(cls, numbers: list[int]) -> list[int]:
        if any(n < 1 for n in numbers):
            raise ValueError(gettext("clusters are numbered from 1 (1 is the largest)"))
        return numbers

    @model_validator(mode="after")
    def _says_something(self) -> SegmentRule:
        if self.k is not None and self.cluster is None:
            raise ValueError(gettext("'k' goes with 'cluster' (the number of clusters to make)"))
        given = [
            k for k in (*RULE_KEYS, *MODEL_KEYS, "any", "not_") if getattr(self, k) is not None
        ]
        if not given:
            keys = ", ".join((*RULE_KEYS, *MODEL_KEYS, "any", "not"))
            raise ValueError(gettext("a segment needs at least one of {keys}").format(keys=keys))
        if self.any is not None and not self.any:
            raise ValueError(gettext("'any' needs at least one definition"))
        return self

    def stages_named(self) -> set[str]:
        """Every stage the definition names (to check against the journey)."""
        names = set(self.stage or [])
        if self.stuck is not None:
            names.add(self.stuck.stage)
        cells = [*(self.funnel.steps if self.funnel else [])]
        cells += [exclusion.step for exclusion in (self.funnel.exclusions if self.funnel else [])]
        if self.retention is not None:
            cells += [self.retention.active, self.retention.joined]
        if self.path is not None:
            cells.append(self.path.anchor)
        for step in (self.had, self.first, *cells):
            if step is not None and step.stage is not None:
                names.add(step.stage)
        for part in [*(self.any or []), *([self.not_] if self.not_ else [])]:
            names |= part.stages_named()
        return names

    def uses_models(self) -> bool:
        """Whether membership needs a fitted model (computed in Python, not the engine)."""
        parts = [*(self.any or []), *([self.not_] if self.not_ else [])]
        return any(getattr(self, k) is not None for k in MODEL_KEYS) or any(
            p.uses_models() for p in parts
        )

    def describe(self) -> str:
        """The definition in words, in the chosen language: ``had order and RFM Champions
        or Loyal``."""
        parts = []
        if self.had is not None:
            parts.append(gettext("had {touchpoint}").format(touchpoint=self.had.label))
        if self.first is not None:
            parts.append(gettext("first touch {touchpoint}").format(touchpoint=self.first.label))
        if self.stage is not None:
            stages = _either([language_stage(name) for name in self.stage])
            parts.append(gettext("now in {stages}").format(stages=stages))
        if self.rfm is not None:
            parts.append(gettext("RFM {groups}").format(groups=_either(self.rfm)))
        if self.engagement is not None:
            parts.append(self.engagement)
        if self.p_alive_below is not None:
            below = localised(f"{self.p_alive_below:g}")
            parts.append(gettext("P(alive) below {p}").format(p=below))
        if self.cluster is not None:
            clusters = _either([str(number) for number in self.cluster])
            if self.k:
                said = gettext("cluster {clusters} of {k}").format(clusters=clusters, k=self.k)
            else:
                said = gettext("cluster {clusters}").format(clusters=clusters)
            parts.append(said)
        if self.funnel is not None:
            parts.append(_funnel_words(self.funnel))
        if self.stuck is not None:
            parts.append(_stuck_words(self.stuck))
        if self.retention is not None:
            parts.append(_retention_words(self.retention))
        if self.path is not None:
            parts.append(_path_words(self.path))
        if self.any is not None:
            said = gettext("any of ({definitions})")
            parts.append(said.format(definitions="; ".join(p.describe() for p in self.any)))
        if self.not_ is not None:
            parts.append(gettext("not ({definition})").format(definition=self.not_.describe()))
        return (" " + gettext("and") + " ").join(parts)


def _either(names: list[str]) -> str:
    """``Champions or Loyal``, in the chosen language."""
    return (" " + gettext("or") + " ").join(names)


def _days(count: float) -> str:
    return localised(f"{round(count, 1):g}")


def _stuck_words(cell: StuckCell) -> str:
    """``stuck in Subscribe over 3.4 days``; the threshold saved is exact (a
    stage's p90, e.g. 3.41667), the words round it."""
    from jejak.analyses.stages import past_within

    days = round(cell.days, 1)
    said = ngettext(
        "stuck in {stage} over {days} day",
        "stuck in {stage} over {days} days",
        1 if days == 1 else 2,
    ).format(stage=language_stage(cell.stage), days=_days(days))
    return past_within(said, None if cell.within is None else round(cell.within, 1))


def _path_words(cell: PathCell) -> str:
    """``order at step 2 of the paths after page_view``."""
    if cell.after is not None:
        said = gettext("{touchpoint} at step {position} of the paths after {anchor}")
    else:
        said = gettext("{touchpoint} at step {position} of the paths before {anchor}")
    return said.format(touchpoint=cell.touchpoint, position=cell.position, anchor=cell.anchor.label)


def _funnel_words(cell: FunnelCell) -> str:
    """``reached step 2 of page_view > order``, with the funnel's options that are not
    the defaults (its window is said by none: a step's people are its people)."""
    labels = " > ".join(step.label for step in cell.steps)
    if cell.stopped:
        said = gettext("stopped at step {step} of {steps}")
    else:
        said = gettext("reached step {step} of {steps}")
    said = said.format(step=cell.step, steps=labels)
    if cell.order == "strict":
        said += gettext(" in strict order")
    elif cell.order == "any":
        said += gettext(" in any order")
    if cell.exclusions:
        voided = _either([exclusion.step.label for exclusion in cell.exclusions])
        said += gettext(", voided by {steps}").format(steps=voided)
    if cell.open_windows == "exclude":
        said += gettext(", open windows left out")
    elif cell.open_windows == "include":
        said += gettext(", open windows counted")
    if cell.start is not None:
        said += gettext(", entered from {day}").format(day=cell.start)
    if cell.end is not None:
        said += gettext(", entered before {day}").format(day=cell.end)
    return said


def _retention_words(cell: RetentionCell) -> str:
    """``joined in the month of 2026-03-01, active (order) 1 month later``, with the
    retention's
    options that are not the defaults."""
    cohort = f"{cell.cohort:%Y-%m-%d}"
    monthly = cell.every == "month"
    if cell.joined is not None:
        if monthly:
            said = gettext("joined at their first {touchpoint} in the month of {cohort}")
        else:
            said = gettext("joined at their first {touchpoint} in the week of {cohort}")
        said = said.format(touchpoint=cell.joined.label, cohort=cohort)
    else:
        month, week = (
            gettext("joined in the month of {cohort}"),
            gettext("joined in the week of {cohort}"),
        )
        said = month if monthly else week
        said = said.format(cohort=cohort)
    how = [cell.active.label] if cell.active is not None else []
    if cell.at_least > 1:
        month, week = gettext("{count}+ times a month"), gettext("{count}+ times a week")
        often = month if monthly else week
        how.append(often.format(count=cell.at_least))
    if monthly:
        later = ngettext(
            "active{how} {count} month later", "active{how} {count} months later", cell.period
        )
    else:
        later = ngettext(
            "active{how} {count} week later", "active{how} {count} weeks later", cell.period
        )
    how_said = " (" + ", ".join(how) + ")" if how else ""
    said += ", " + later.format(how=how_said, count=cell.period)
    if cell.returned == "on_or_after":
        said += " " + gettext("or after")
    return said


class Segment(SegmentRule):
    """A named segment: its definition plus an optional description."""

    description: str | None = None


def check_name(name: str) -> str:
    """Segment names are short labels: letters, digits, spaces, ``_ . -``."""
    if not isinstance(name, str) or not NAME.match(name):
        from jejak.errors import ConfigError

        raise ConfigError(
            gettext(
                "{name} is not a segment name; use up to 64 letters, digits, spaces, _ . or -"
            ).format(name=repr(name))
        )
    return name
