"""Why did they move on, or drop? The touchpoints, channels, campaigns and property values
over- or under-represented among the people who moved on from a stage.

The automatic version of :func:`jejak.analyses.effectiveness.touchpoint_effects`: every
value of every field asked for is tested at once, with the same matched design (time in
the stage after a value against time in the stage without it, within bands of days since
entering the stage; a Mantel-Haenszel rate ratio with its 95% interval). Each ratio gets a
two-sided p-value for "no effect" (a ratio of 1) from the standard error of its logarithm,
and, since testing many values finds some by chance, a Benjamini-Hochberg q-value over
all the values tested together: a value whose q-value is under 0.05 is called a driver
(or a brake) while about one in twenty so called is expected to be wrong. Observational,
like the effects it builds on: a driver is a lead to test with a holdout campaign.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses import conversion_paths as cp
from jejak.analyses import funnels as funnel_analyses
from jejak.analyses.effectiveness import MIN_PEOPLE, placed_effects, spell_effects
from jejak.analyses.matching import PROPERTY_PREFIX, rule_columns
from jejak.analyses.result import Result, drawn
from jejak.analyses.stages import placed
from jejak.engine.functions import json_field, unix_micros, utc_micros
from jejak.errors import ConfigError
from jejak.language import N_, gettext
from jejak.language import stage as stage_label
from jejak.model.funnel import Funnel
from jejak.model.journey import Journey

FIELDS = ("event", "channel", "campaign")
Q_LEVEL = 0.05  # the share of false drivers the correction allows among those called
PROPERTY_FIELD = "properties."  # how a property's field reads in the table: properties.size
VERDICTS = ("drives", "holds back", "unclear", "too few people")
# the columns naming where people move on from, and the one that orders them: a stage...
STAGE_KEYS = (("stage", "stage_index"), "stage_index")
STEP_KEYS = (("step", "label"), "step")  # ...or a funnel's step


@dataclass
class Drivers(Result):
    """``table``: one row per stage and value tested, drivers and brakes first."""

    def figure(self) -> Any:
        return drawn(self)


def drivers(
    events: ibis.Table,
    journey: Journey,
    *,
    stage: str | None = None,
    fields: Sequence[str] = FIELDS,
    properties: Sequence[str] = (),
    min_people: int = MIN_PEOPLE,
    as_of: datetime | None = None,
) -> Drivers:
    """Which values of ``fields`` (touchpoint fields) and ``properties`` (keys of the
    touchpoints' properties) go with moving on from ``stage`` (default: every stage but
    the last) faster or slower (see the module's docs). ``as_of`` (default: the latest
    touchpoint) ends time still in a stage.

    ``table`` columns: stage, stage_index (1-based), field (a touchpoint field, or
    ``properties.<key>``), value, people_with (people in the stage who had the value
    before moving on), moved_with, rate_with (moves per person-week after it),
    people_without, moved_without, rate_without, rate_ratio (with / without, pooled over
    bands of days in the stage), ci_low, ci_high (95%), p_value (two-sided, for a ratio of
    1), q_value (Benjamini-Hochberg over every value tested: those with at least
    ``min_people`` on each side and a ratio), people_concerned (the moves on it accounts
    for among the people with it: moved_with less moved_with / rate_ratio, the moves they
    would have made at the rate without it, gained or lost; not a whole number), verdict
    ("drives", "holds back" at q < 0.05, "unclear", or "too few people"). Rows: per stage
    in journey order, the drivers and brakes first, each part by people_concerned, most
    first (then people_with).
    """
    columns = _asked(fields, properties)
    names = journey.stage_names
    if stage is not None and stage not in names[:-1]:
        said = gettext("{stage} is not a stage one moves on from; use one of {stages}")
        raise ConfigError(said.format(stage=repr(stage), stages=", ".join(names[:-1])))
    at = placed(_marked(events, columns), journey)
    keep = ["person_id", "event_id", "stage_index", *columns.values()]
    keep = list(dict.fromkeys([*keep, *rule_columns(journey.stages)]))
    # every field reads the same placed touchpoints: worked out once, narrow
    with at.select(*keep).cache() as at:
        table = _per_field(
            columns,
            lambda column: (
                placed_effects(
                    at, journey, by=column, min_people=min_people, as_of=as_of, log_se=True
                ).table
            ),
        )
    if stage is not None:
        table = table[table["stage"] == stage]
    table = _tested(table.reset_index(drop=True), min_people, STAGE_KEYS)
    meta = _meta(table, columns, min_people) | {"journey": journey.name, "stage": stage}
    meta["interval"] = (
        "95%, Mantel-Haenszel rate ratio over days in the stage, "
        "Greenland-Robins variance; q-values by Benjamini-Hochberg"
    )
    title = (
        gettext("What drives people on from {stage}").format(stage=stage_label(stage))
        if stage is not None
        else gettext("What drives people on from each stage")
    )
    return Drivers(title=title, table=table, meta=meta)


def funnel_drivers(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    step: int,
    *,
    fields: Sequence[str] = FIELDS,
    properties: Sequence[str] = (),
    min_people: int = MIN_PEOPLE,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    group: str | None = None,
) -> Drivers:
    """Which values go with moving on from ``step`` (1-based) of the funnel ``spec`` to
    its next required step, as :func:`drivers` for a stage: the people who reached the
    step (the funnel's own: :func:`jejak.analyses.funnels.step_spells`), the values they
    had from reaching it until they reached the next step or their window closed (or
    ``as_of``, default the latest touchpoint; nothing after it counts), compared over
    bands of days since reaching the step. ``start``/``end`` choose attempts as the
    funnel does. ``group``: of a funnel split by a field (``spec.by``), the people the
    split counts in that group only (``meta["group"]``).

    ``table`` columns: step (1-based), label (the step's), then as :func:`drivers` from
    field on; "moved" means reached the next required step within the funnel's window.
    """
    columns = _asked(fields, properties)
    marked = _marked(events, columns)
    if as_of is not None:
        marked = marked.filter(unix_micros(marked.ts) <= utc_micros(as_of))
    spells = funnel_analyses.step_spells(marked, journey, spec, step, start, end, as_of, group)
    keep = ["person_id", "ts", *columns.values()]
    # the spells and the touchpoints in them are read once per field: worked out once
    with spells.cache() as spells:
        had = marked.select(*dict.fromkeys(keep))
        had = had.join(spells, had.person_id == spells.person_id)
        had = had.filter(
            (unix_micros(had.ts) >= had.entered_us) & (unix_micros(had.ts) < had.left_us)
        )
        had = had.select("person_id", "stage_index", *dict.fromkeys(columns.values()), "ts")
        with had.cache() as had:

            def effects(column: str) -> pd.DataFrame:
                present = had.filter(had[column].notnull())
                firsts = present.group_by(
                    ap="person_id", astage="stage_index", touch=present[column]
                ).aggregate(first_us=unix_micros(present.ts.min()))
                return spell_effects(firsts, spells, log_se=True).rename(columns={"touch": "value"})

            table = _per_field(columns, effects)
        counts = spells.aggregate(
            people=spells.count(), moved=spells.moved.ifelse(1, 0).sum()
        ).to_pandas()
    table["step"], table["label"] = step, spec.steps[step - 1].label
    table = _tested(table, min_people, STEP_KEYS)
    following = spec.steps[spec.next_required(step - 1)].label
    meta = _meta(table, columns, min_people) | {
        "journey": journey.name,
        "steps": [s.label for s in spec.steps],
        "step": step,
        "label": spec.steps[step - 1].label,
        "next": following,
        "order": spec.order,
        "window_seconds": spec.window.total_seconds(),
        "by": spec.by,
        "group": group,
        "people": int(counts["people"].iloc[0] or 0),
        "moved": int(counts["moved"].iloc[0] or 0),
        "interval": "95%, Mantel-Haenszel rate ratio over days since reaching the step, "
        "Greenland-Robins variance; q-values by Benjamini-Hochberg",
    }
    title = gettext("What drives people on from {step} to {next}").format(
        step=stage_label(meta["label"]), next=stage_label(following)
    )
    return Drivers(title=title, table=table, meta=meta)


def _asked(fields: Sequence[str], properties: Sequence[str]) -> dict[str, str]:
    """The fields asked for as the table names them (``properties.<key>`` for a property),
    each with the column it is read from; checked."""
    fields = list(dict.fromkeys(fields))
    properties = list(dict.fromkeys(properties))
    for field in fields:
        cp.check_touch_field(field, N_("cannot look for drivers in {by}; use one of {fields}"))
    if not fields and not properties:
        raise ConfigError(gettext("name at least one field or property to look for drivers in"))
    columns = {field: field for field in fields}
    return columns | {PROPERTY_FIELD + key: PROPERTY_PREFIX + key for key in properties}


def _marked(events: ibis.Table, columns: dict[str, str]) -> ibis.Table:
    """``events`` with a column for each property asked for."""
    return events.mutate(
        **{
            column: json_field(events.properties, column.removeprefix(PROPERTY_PREFIX))
            for field, column in columns.items()
            if field.startswith(PROPERTY_FIELD) and column not in events.columns
        }
    )


def _per_field(columns: dict[str, str], effects: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """Every field's effects in one table: ``effects`` of each column, its values under
    ``value`` and the field's name under ``field``."""
    parts = [
        effects(column).rename(columns={column: "value"}).assign(field=field)
        for field, column in columns.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _meta(table: pd.DataFrame, columns: dict[str, str], min_people: int) -> dict[str, Any]:
    return {
        "fields": list(columns),
        "min_people": min_people,
        "tested": int(table["q_value"].notna().sum()),
        "q_level": Q_LEVEL,
        "observational": True,
    }


def _tested(
    table: pd.DataFrame, min_people: int, keys: tuple[tuple[str, ...], str]
) -> pd.DataFrame:
    """The effects with p- and q-values and a verdict, drivers and brakes first; ``keys``:
    the columns naming where people moved on from, and the one that orders them."""
    from scipy import stats  # imported when used: see jejak.analyses.intervals

    named, order = keys
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(table["rate_ratio"].to_numpy(float)) / table["log_se"].to_numpy(float)
    p = 2 * stats.norm.sf(np.abs(z))
    enough = (table["people_with"] >= min_people) & (table["people_without"] >= min_people)
    tested = enough.to_numpy() & np.isfinite(p)
    q = np.full(len(table), np.nan)
    if tested.any():
        q[tested] = stats.false_discovery_control(p[tested], method="bh")
    table["p_value"] = np.where(np.isfinite(p), p, np.nan)
    table["q_value"] = q
    called = q < Q_LEVEL
    table["verdict"] = np.select(
        [~enough, called & (table["rate_ratio"] > 1), called & (table["rate_ratio"] < 1)],
        ["too few people", "drives", "holds back"],
        default="unclear",
    )
    # the people a value concerns: the moves on it accounts for among those who had it,
    # gained (moved_with less the moves at the rate without it, rate_ratio being their
    # ratio) or lost (the other way round)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = table["moved_with"] / table["rate_ratio"]
    table["people_concerned"] = (table["moved_with"] - expected).abs()
    table["_called"] = ~called  # False sorts first
    table = table.sort_values(
        [order, "_called", "people_concerned", "people_with", "field", "value"],
        ascending=[True, True, False, False, True, True],
        na_position="last",
    )
    columns = [
        *named,
        "field",
        "value",
        "people_with",
        "moved_with",
        "rate_with",
        "people_without",
        "moved_without",
        "rate_without",
        "rate_ratio",
        "ci_low",
        "ci_high",
        "p_value",
        "q_value",
        "people_concerned",
        "verdict",
    ]
    return table[columns].reset_index(drop=True)
