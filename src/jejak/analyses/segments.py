"""Who is in a saved segment (see :mod:`jejak.model.segment` for the definitions).

Rule parts (``had``, ``first``, ``stage``) are queries in the engine; model parts (RFM,
engagement groups, P(alive), clusters) are fitted on the whole source in Python and come
back to the engine as a small table of person ids. Membership is decided on all the
data, whatever date range a segment is later combined with, like ``only``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.sequence import position
from jejak.analyses.stages import current_stages
from jejak.errors import ConfigError
from jejak.language import gettext
from jejak.model.journey import Journey
from jejak.model.segment import FunnelCell, PathCell, SegmentRule, StuckCell

if TYPE_CHECKING:
    from jejak.analyses.journeys import JourneyAnalyses

NONE_SEGMENT = "(in no segment)"


def check_stages(name: str, rule: SegmentRule, journey: Journey) -> None:
    """Every stage the definition names is one of the journey's."""
    unknown = sorted(rule.stages_named() - set(journey.stage_names))
    if unknown:
        raise ConfigError(
            gettext(
                "segment {name}: {unknown} is not a stage of journey {journey}; use one of {stages}"
            ).format(
                name=repr(name),
                unknown=", ".join(map(repr, unknown)),
                journey=journey.name,
                stages=", ".join(journey.stage_names),
            )
        )


def _matching(events: ibis.Table, journey: Journey, step, first: bool) -> ibis.Table:
    matcher = step.as_stage(journey)
    marked = with_properties(events, [matcher])
    if first:
        marked = marked.mutate(_position=position(marked))
        marked = marked.filter(marked._position == 0)
    return marked.filter(stage_matches(marked, matcher)).select("person_id").distinct()


def _model_members(source: JourneyAnalyses, rule: SegmentRule) -> pd.Series | None:
    """Person ids the model parts of ``rule`` agree on (None: the rule has none)."""
    chosen: list[set[str]] = []
    if rule.rfm is not None:
        table = source.rfm().table
        chosen.append(set(table.loc[table["segment"].isin(rule.rfm), "person_id"]))
    if rule.engagement is not None:
        people = source.engagement_groups().people
        chosen.append(set(people.loc[people["group"] == rule.engagement, "person_id"]))
    if rule.p_alive_below is not None:
        table = source.customer_value().table
        chosen.append(set(table.loc[table["p_alive"] < rule.p_alive_below, "person_id"]))
    if rule.cluster is not None:
        people = source.clusters(k=rule.k).people
        chosen.append(set(people.loc[people["cluster"].isin(rule.cluster), "person_id"]))
    for cell in (rule.funnel, rule.stuck, rule.retention, rule.path):
        if cell is not None:
            chosen.append(set(_cell_people(source, cell)))
    if not chosen:
        return None
    return pd.Series(sorted(set.intersection(*chosen)), dtype=object)


def _cell_people(source: JourneyAnalyses, cell: Any) -> list[str]:
    """The person ids of one cell of an analysis (a funnel step, the stuck, a retention
    cell, a node of paths), on all of ``source``."""
    if isinstance(cell, StuckCell):
        return source.stuck(cell.stage, cell.days, within=cell.within).table["person_id"].tolist()
    if isinstance(cell, FunnelCell):
        found = source.funnel_audience(
            [step.model_dump(exclude_none=True) for step in cell.steps],
            cell.step,
            stopped=cell.stopped,
            window=cell.window,
            order=cell.order,
            exclusions=[e.model_dump(exclude_none=True) for e in cell.exclusions],
            open_windows=cell.open_windows,
            start=cell.start,
            end=cell.end,
        )
        return found.table["person_id"].tolist()
    if isinstance(cell, PathCell):
        anchor = cell.anchor.model_dump(exclude_none=True)
        found = source.path_audience(
            cell.position,
            cell.touchpoint,
            after=anchor if cell.after is not None else None,
            before=anchor if cell.before is not None else None,
            steps=cell.steps,
            top=cell.top,
            collapse=cell.collapse,
        )
        return found.table["person_id"].tolist()
    found = source.retention_audience(
        cell.cohort,
        cell.period,
        period=cell.every,
        active=None if cell.active is None else cell.active.model_dump(exclude_none=True),
        returned=cell.returned,
        joined=None if cell.joined is None else cell.joined.model_dump(exclude_none=True),
        at_least=cell.at_least,
    )
    return found.table["person_id"].tolist()


def members(source: JourneyAnalyses, rule: SegmentRule) -> ibis.Table:
    """The distinct ``person_id`` of everyone ``rule`` holds for, on all of ``source``."""
    events, journey = source.events(), source.journey
    everyone = events.select("person_id").distinct()
    found = everyone
    if rule.had is not None:
        found = found.semi_join(_matching(events, journey, rule.had, False), "person_id")
    if rule.first is not None:
        found = found.semi_join(_matching(events, journey, rule.first, True), "person_id")
    if rule.stage is not None:
        now = current_stages(events, journey)
        found = found.semi_join(now.filter(now.stage.isin(rule.stage)), "person_id")
    modelled = _model_members(source, rule)
    if modelled is not None:
        found = found.semi_join(source.people_table(modelled), "person_id")
    if rule.any is not None:
        either = [source.segment_members(part) for part in rule.any]
        found = found.semi_join(ibis.union(*either, distinct=True), "person_id")
    if rule.not_ is not None:
        found = found.anti_join(source.segment_members(rule.not_), "person_id")
    return found.select("person_id")


def rule_key(rule: SegmentRule) -> str:
    """What a rule holds for, as text (a segment's description aside): the key its
    people are kept under."""
    return json.dumps(rule.model_dump(exclude={"description"}, mode="json"), sort_keys=True)
