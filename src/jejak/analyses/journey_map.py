"""The journey map: per stage, the touchpoints people go through there, and how they fare.

This is the seeds' artefact: stages as columns; in each, the touchpoints that happen
while people are in that stage, with their volume, the share of those people who moved
on to a later stage, the context and need they served, and the average rating where
touchpoints carry one. One map per kind of customer (``by``), side by side.

Definitions:
- A touchpoint happens "in" the furthest stage its person had entered at that time
  (before the first stage entry, it is left out).
- *Moved on*: of the people who had the touchpoint in a stage, the share who reached
  any later stage (at any time); empty in the last stage, which has no later one.
- Context and need: the most frequent non-empty value on those touchpoints, with its
  share of the touchpoints that have one.
- Rating: the mean of the ``rating`` property (e.g. review stars) where present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import pandas as pd

from jejak.analyses import journey_lanes
from jejak.analyses.clusters import Clusters
from jejak.analyses.effectiveness import MIN_PEOPLE
from jejak.analyses.matching import with_properties
from jejak.analyses.result import Result, drawn, records
from jejak.analyses.stages import (
    check_breakdown,
    first_touch,
    placed,
    placed_by_entries,
    split_title,
    stage_entries,
    with_current_stage,
)
from jejak.engine.functions import json_field
from jejak.engine.plans import remembered
from jejak.language import N_, current, gettext
from jejak.model.campaign import Campaign
from jejak.model.experience import ExperienceRule, default_rules
from jejak.model.journey import Journey
from jejak.model.roles import roles_of


@dataclass
class JourneyLanes:
    """The lanes a CX team draws under the touchpoints: feeling, pain points, opportunities.

    Every frame starts with the ``by`` column when the map is split; ``stage_index`` is
    1-based, like the map's.

    - ``feeling``: one row per (group,) stage: ``people`` (people with a touchpoint placed
      in the stage), ``good``, ``neutral``, ``bad`` (people; a person with any bad
      experience in the stage counts as bad, else with any good one as good, else
      neutral), ``feeling`` ((good - bad) / people, -1..1) with ``feeling_low`` and
      ``feeling_high`` (its 95% interval, as NPS's), ``nps`` (-100..100) with ``nps_low``,
      ``nps_high`` and ``nps_answers`` (answers given in the stage), ``stars`` (mean
      rating given in the stage) and ``stars_answers``.
    - ``pains``: the biggest pain points per (group,): ``kind`` (``drop_off``,
      ``bad_experience`` or ``slow``), ``stage``, ``to_stage``, ``what`` (the touchpoint
      or experience, when one is named), ``people`` (people it concerns), ``value`` (the
      share who did not move on; the moving-on ratio after the bad experience; the
      median days of the transition), ``low``/``high`` (its interval where it has one)
      and ``detail`` (a sentence in words).
    - ``opportunities``: per (group,): ``kind`` (``untargeted``: a transition no
      campaign targets; ``stuck``: an audience past the usual time in a stage;
      ``under_reached``: a touchpoint that helps people move on but few get), ``stage``,
      ``to_stage``, ``what``, ``people``, ``value``, ``low``/``high``, ``detail``, and
      ``recent`` for a stuck audience (those of them past the usual time within the last
      30 days, :data:`~jejak.analyses.stages.RECENT_DAYS`; otherwise empty).
    - ``personas``: per group (``""`` when the map is not split), who these people are,
      in words.
    - ``reasons``: per lane name, why a lane is empty and what to set (in words).
    """

    feeling: pd.DataFrame
    pains: pd.DataFrame
    opportunities: pd.DataFrame
    personas: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass
class JourneyMap(Result):
    """``table``: one row per (segment,) stage and touchpoint, the top ones per stage.

    ``lanes``: the CX lanes (:class:`JourneyLanes`) when they were asked for.
    """

    lanes: JourneyLanes | None = None

    def figure(self) -> Any:
        return drawn(self)

    def to_dict(self) -> dict[str, Any]:
        """The map, and its lanes (None when they were not asked for)."""
        lanes = self.lanes
        return super().to_dict() | {
            "lanes": None
            if lanes is None
            else {
                "feeling": records(lanes.feeling),
                "pains": records(lanes.pains),
                "opportunities": records(lanes.opportunities),
                "personas": dict(lanes.personas),
                "reasons": dict(lanes.reasons),
            }
        }


def _mode(mix: ibis.Table, keys: list[str], field: str) -> ibis.Table:
    """The most frequent non-empty ``field`` per key, with its share, from the touchpoints
    counted (``n``) per key and value of ``field`` (and of other fields)."""
    present = mix.filter(mix[field].notnull())
    counts = present.group_by([*keys, field]).aggregate(n=present.n.sum())
    totals = counts.group_by(keys).aggregate(total=counts.n.sum())
    rank = ibis.row_number().over(
        group_by=[counts[k] for k in keys], order_by=[ibis.desc(counts.n), counts[field]]
    )
    best = counts.mutate(_r=rank)
    best = best.filter(best._r == 0).join(totals, keys)
    return best.select(
        *keys, **{f"top_{field}": best[field], f"{field}_share": best.n / best.total}
    )


def journey_map(
    events: ibis.Table,
    journey: Journey,
    *,
    by: str | None = None,
    top: int = 6,
    groups: ibis.Table | None = None,
    lanes: bool = True,
    rules: Sequence[ExperienceRule] | None = None,
    campaigns: Mapping[str, Campaign] | None = None,
    as_of: datetime | None = None,
    min_people: int = MIN_PEOPLE,
    descriptions: Mapping[str, str | None] | None = None,
    currency: str | None = None,
    clusters: Clusters | None = None,
) -> JourneyMap:
    """Per stage, the ``top`` touchpoints by people, with moved-on share, context, need, rating.

    ``table`` columns: [the ``by`` field], stage, stage_index (1-based), rank (1 = most
    people), touchpoint, people, occurrences, moved_on (0-1), top_context, context_share
    (0-1), top_need, need_share (0-1), rating (mean, NULL without ratings).

    ``lanes`` adds the CX lanes (:class:`JourneyLanes`; see
    :mod:`jejak.analyses.journey_lanes`), from the experience ``rules`` (default: the
    default rules bound to the journey's roles), the ``campaigns`` (their targets),
    ``as_of`` (default: the latest touchpoint; when stuck time ends), ``min_people`` (on
    each side of an effect), the groups' ``descriptions`` (e.g. the segments'), the
    shop's ``currency`` (the personas' spend) and the behavioural ``clusters`` of the
    same people (the personas name those most of a map's people are in; None: not named).
    """
    touchpoints = events
    events = events.mutate(_rating=json_field(events.properties, "rating").try_cast("float64"))
    keys = ["stage_index", "event"]
    given = groups is not None
    if by is not None:
        if groups is None:
            check_breakdown(by, N_("cannot split the map by {by}; use one of {choices}"))
            groups = first_touch(events, by)
        groups = groups.rename(group=by)
        keys = ["group", *keys]
    cells = [*keys, "person_id", "current_index", "context", "need", "_rating"]
    found = None
    if not lanes:
        at = placed(events, journey)
        at = at.filter(at.stage_index >= 0)
        if groups is not None:
            at = at.join(groups, "person_id")
        # the placed touchpoints feed three aggregates: computed once, only the columns needed
        with at.select(*cells).cache() as at:
            table = _cells(at, keys, top)
    else:
        roles = roles_of(journey)
        rules = [roles.bind(rule) for rule in default_rules()] if rules is None else rules
        # each person's stage entries, kept: the lanes read them, and every touchpoint is
        # placed by them
        wide = _entries(touchpoints, journey).cache()
        # every touchpoint, placed once and kept narrow: the map's cells and the lanes
        # read it (the lanes' effects need the ones before any stage too; the personas
        # read the touchpoints as they are)
        marked, people = _placed_touchpoints(events, journey, tuple(rules), current(), wide)
        people = people.cache()
        if groups is not None:
            groups = groups.select("person_id", "group").cache()
        try:
            at = people.filter(people.stage_index >= 0)
            at = at.join(groups, "person_id") if groups is not None else at
            table = _cells(at.select(*cells), keys, top)
            found = journey_lanes.journey_lanes(
                marked,
                people,
                wide,
                journey,
                groups=groups,
                rules=rules,
                campaigns=campaigns or {},
                as_of=as_of,
                min_people=min_people,
                descriptions=descriptions or {},
                by=by if not given else None,
                currency=currency,
                clusters=clusters,
            )
        finally:
            people.release()
            wide.release()
            if groups is not None:
                groups.release()
    table["moved_on"] = table["moved_people"] / table["people"]
    # nobody moves on from the last stage: there is no later one
    table.loc[table["stage_index"] == len(journey.stages) - 1, "moved_on"] = float("nan")
    names = journey.stage_names
    table["stage"] = [names[int(i)] for i in table["stage_index"]]
    table["stage_index"] = table["stage_index"] + 1
    table = table.rename(
        columns={"event": "touchpoint", "group": by} if by else {"event": "touchpoint"}
    )
    order = ([by] if by else []) + ["stage_index", "rank"]
    table = table.sort_values(order).reset_index(drop=True)
    columns = ([by] if by else []) + [
        "stage",
        "stage_index",
        "rank",
        "touchpoint",
        "people",
        "occurrences",
        "moved_on",
        "top_context",
        "context_share",
        "top_need",
        "need_share",
        "rating",
    ]
    meta = {"journey": journey.name, "stages": names, "by": by, "top": top}
    title = split_title(gettext("Journey map"), by, given)
    return JourneyMap(
        title=title, table=table[columns], meta=meta, lanes=_named(found, by) if found else None
    )


@remembered
def _entries(touchpoints: ibis.Table, journey: Journey) -> ibis.Table:
    """Each person's stage entries (with what orders touchpoints at the same time, and
    their first touchpoint's persona fields) and current stage, built once per table and
    journey."""
    tested = with_properties(touchpoints, journey.stages, only_these=True)
    entries = stage_entries(tested, journey, ids=True, first=journey_lanes.PERSONA_FIELDS)
    return with_current_stage(entries, journey)


@remembered
def _placed_touchpoints(
    events: ibis.Table,
    journey: Journey,
    rules: tuple[ExperienceRule, ...],
    language: str,
    wide: ibis.Table,
) -> tuple[ibis.Table, ibis.Table]:
    """Every touchpoint with the lanes' columns, and each placed by its person's entries
    (``wide``, kept) with the columns the map and the lanes read; built once per table,
    journey, rules and ``language`` (the bad experiences are named in it)."""
    marked = journey_lanes.with_lane_columns(events, journey, rules)
    keep = [*journey_lanes.READ, "context", "need", "_rating"]
    placed_ = placed_by_entries(marked, journey, wide, before=journey_lanes.SIGNALS)
    kept = placed_.select(*dict.fromkeys(keep), _signal_id=journey_lanes.signal_id(placed_))
    return marked, kept


def _cells(at: ibis.Table, keys: list[str], top: int) -> pd.DataFrame:
    """The top touchpoints per (group,) stage with their counts, context and need."""
    # at most top x stages (x groups) rows: small, so it comes into Python here
    return _cells_query(at, tuple(keys), top).to_pandas()


@remembered
def _cells_query(at: ibis.Table, key_names: tuple[str, ...], top: int) -> ibis.Table:
    """:func:`_cells`'s query, built once per table and parameters."""
    keys = list(key_names)
    # each person once per cell, with their touchpoints there and whether they moved on
    # (their furthest stage is the same on all of them): one pass over the touchpoints
    # counts them and tells the people apart
    seen = at.group_by([*keys, "person_id"]).aggregate(
        _n=at.count(), _moved=(at.current_index > at.stage_index).any()
    )
    volume = seen.group_by(keys).aggregate(
        people=seen.count(),
        occurrences=seen._n.sum(),
        moved_people=seen.count(where=seen._moved),
    )
    # the ratings, read on the touchpoints that have one
    rated = at.filter(at._rating.notnull())
    rating = rated.group_by(keys).aggregate(rating=rated._rating.mean())
    same = [volume[k].identical_to(rating[k]) for k in keys]
    volume = volume.left_join(rating, same).drop(*[f"{k}_right" for k in keys])
    rank = ibis.row_number().over(
        group_by=[volume[k] for k in keys if k != "event"],
        order_by=[ibis.desc(volume.people), volume.event],
    )
    volume = volume.mutate(rank=rank + 1)
    volume = volume.filter(volume["rank"] <= top)
    # the context and the need of the touchpoints, counted together in one pass
    mix = at.group_by([*keys, "context", "need"]).aggregate(n=at.count())
    cells = volume.left_join(_mode(mix, keys, "context"), keys).drop(*[f"{k}_right" for k in keys])
    return cells.left_join(_mode(mix, keys, "need"), keys).drop(*[f"{k}_right" for k in keys])


def _named(found: dict[str, Any], by: str | None) -> JourneyLanes:
    """The lanes with the group column named for ``by`` (or dropped: one map)."""
    frames = {}
    for lane in ("feeling", "pains", "opportunities"):
        frame = found[lane]
        frames[lane] = frame.rename(columns={"group": by}) if by else frame.drop(columns="group")
        frames[lane] = frames[lane].reset_index(drop=True)
    return JourneyLanes(**frames, personas=found["personas"], reasons=found["reasons"])
