"""Which touchpoints help or hurt: touchpoint-to-purchase ratios and effects within a stage.

Two views, for any touchpoint field (``by``: the touchpoint's name by default, or its
channel, campaign, context, need...):

*Ratios* (the business-side view the seeds call touchpoint-to-purchase ratios), over the
journeys :mod:`jejak.analyses.conversion_paths` cuts at each conversion of ``goal``:

- reach: people who had the touchpoint; occurrences: how often it happened;
- converting_journeys: conversions whose journey had it; per_conversion: its occurrences on
  those journeys per conversion (how many it takes, on average, per purchase);
- share_of_conversions: the share of all conversions whose journey had it.

*Effects* (the customer-side view), per stage: how fast people move on to a later stage
after having the touchpoint in that stage, against how fast they move on without it. Time
in the stage counts as *without* until the person's first such touchpoint there and as
*with* from then until they move on (or the data ends). Comparing rates per week in the
stage, rather than the share who ever moved on, keeps people who stayed long (and so had
time for more touchpoints) from making every touchpoint look bad. The chance of moving on
also changes with time in a stage, so rates are compared within bands of days since
entering it and pooled (Mantel-Haenszel rate ratio, 95% interval from Greenland and
Robins' variance of its logarithm). This is observational: people who read reviews may
differ from those who do not in more than the reviews, so an effect is a lead to test
with a holdout campaign, not proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses import conversion_paths as cp
from jejak.analyses.matching import rule_columns, with_properties
from jejak.analyses.result import Result, drawn
from jejak.analyses.stages import entered_column, placed, stage_entries
from jejak.engine.functions import unix_micros, utc_micros
from jejak.engine.plans import remembered
from jejak.language import N_, gettext, stage
from jejak.model.journey import Journey

MIN_PEOPLE = 30  # below this on either side an effect reads "too few people"
# Time since entering a stage, in days: effects compare like with like within each band,
# since the chance of moving on changes with time in the stage (the quick movers leave
# early, so later time, when most touchpoints have happened, moves slower anyway).
BAND_DAYS = (0.0, 1.0, 3.0, 7.0, 14.0, 30.0, 60.0, 120.0, float("inf"))
Z95 = 1.959963984540054


@dataclass
class TouchpointRatios(Result):
    """``table``: one row per touchpoint value, most reach first."""

    def figure(self) -> Any:
        return drawn(self)


@dataclass
class TouchpointEffects(Result):
    """``table``: one row per stage and touchpoint value (stages in journey order)."""

    def figure(self) -> Any:
        return drawn(self)


def touchpoint_ratios(
    events: ibis.Table, journey: Journey, goal: Any = None, *, by: str = "event"
) -> TouchpointRatios:
    """Reach, occurrences and conversions per touchpoint value (see the module's docs).

    ``table`` columns: the ``by`` value, reach, occurrences, converting_journeys,
    per_conversion, share_of_conversions (0-1).
    """
    cp.check_touch_field(by, N_("cannot split touchpoints by {by}; use one of {fields}"))
    step = cp.goal_step(journey, goal)
    present = events.filter(events[by].notnull())
    reach = present.group_by(touch=present[by]).aggregate(
        reach=present.person_id.nunique(), occurrences=present.count()
    )
    # one ordered pass cuts the journeys; the touches and the conversions both read it
    journeys = cp.journeys(events, journey, step, by=by).cache()
    try:
        t = cp.touches_of(journeys)
        won = t.filter(t.converted)
        journey_key = won.person_id + ":" + won.journey_no.cast("string")
        converting = won.group_by("touch").aggregate(
            converting_journeys=journey_key.nunique(), on_converting=won.count()
        )
        # every conversion ends one journey of its own, touched or not
        conversions = int(journeys.filter(journeys.converted).count().to_pandas() or 0)
        converting = converting.to_pandas()
    finally:
        journeys.release()
    table = reach.to_pandas().merge(converting, on="touch", how="left")
    table = table.fillna({"converting_journeys": 0, "on_converting": 0})
    table["converting_journeys"] = table["converting_journeys"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["per_conversion"] = table["on_converting"] / table["converting_journeys"].replace(
            0, np.nan
        )
    table["share_of_conversions"] = (
        table["converting_journeys"] / conversions if conversions else np.nan
    )
    table = table.sort_values(["reach", "touch"], ascending=[False, True])
    columns = [
        "touch",
        "reach",
        "occurrences",
        "converting_journeys",
        "per_conversion",
        "share_of_conversions",
    ]
    table = table[columns].rename(columns={"touch": by}).reset_index(drop=True)
    meta = {"goal": step.label, "by": by, "conversions": conversions}
    title = gettext("Touchpoints and {goal}").format(goal=stage(step.label))
    return TouchpointRatios(title=title, table=table, meta=meta)


def touchpoint_effects(
    events: ibis.Table,
    journey: Journey,
    *,
    by: str = "event",
    min_people: int = MIN_PEOPLE,
    as_of: datetime | None = None,
    derived: bool = False,
) -> TouchpointEffects:
    """Per stage, how fast people move on with and without each ``by`` value (see the
    module's docs). ``as_of`` (default: the latest touchpoint) ends time still in a stage;
    ``derived``: ``by`` is a column the caller added (e.g. experience), not a field.

    ``table`` columns: stage, stage_index (1-based), the ``by`` value, people_with,
    moved_with (people who moved on after it), weeks_with (time in the stage after it),
    rate_with (moves per person-week), people_without, moved_without, weeks_without,
    rate_without (the crude rates), rate_ratio (with / without, pooled over bands of time
    in the stage), ci_low, ci_high (95%), verdict ("helps", "hurts", "unclear" or "too few
    people"). The last stage has no later one and is left out; so is time a person never
    spent in a stage (entering a later one at once, or before it). A touchpoint in the
    same instant as the move on does not count as before it.
    """
    if not derived:
        cp.check_touch_field(by, N_("cannot split touchpoints by {by}; use one of {fields}"))
    # the stage rules are the only ones read here: each property they test is parsed only
    # on the touchpoints they name
    at = placed(with_properties(events, journey.stages, only_these=True), journey)
    # both aggregates read the stages and the rules' columns: worked out once, narrow
    keep = ["person_id", "event_id", "stage_index", by, *rule_columns(journey.stages)]
    keep = list(dict.fromkeys(keep))
    with at.select(*keep).cache() as at:
        return placed_effects(at, journey, by=by, min_people=min_people, as_of=as_of)


def placed_effects(
    at: ibis.Table,
    journey: Journey,
    *,
    by: str,
    min_people: int = MIN_PEOPLE,
    as_of: datetime | None = None,
    log_se: bool = False,
    groups: ibis.Table | None = None,
    wide: ibis.Table | None = None,
) -> TouchpointEffects:
    """:func:`touchpoint_effects` of touchpoints :func:`placed` already, with the columns
    the stage rules read (the stage a touchpoint is in and a role's count only look back,
    so cutting at ``as_of`` afterwards changes neither). ``log_se`` adds a ``log_se``
    column after ci_high: the standard error of the rate ratio's logarithm.

    ``groups`` (person_id and ``group``; a person may be in several) compares people
    within their own group: the table then starts with ``group``, one set of effects per
    group. ``wide``: the :func:`stage_entries` of ``at`` (of its touchpoints up to
    ``as_of`` when it is given), when the caller has them already: ``at`` then needs
    only the touchpoints with a ``by`` value, and none of the rules' columns."""
    names = journey.stage_names
    firsts, spells = _spells(at, journey, by, as_of, groups, wide)
    grouped = ["group"] if groups is not None else []
    # both aggregates below read the spells: computed once (one per person and stage)
    with spells.cache() as spells:
        table = spell_effects(firsts, spells, log_se=log_se, grouped=bool(grouped))
    enough = (table["people_with"] >= min_people) & (table["people_without"] >= min_people)
    table["verdict"] = np.select(
        [~enough, table["ci_low"] > 1, table["ci_high"] < 1],
        ["too few people", "helps", "hurts"],
        default="unclear",
    )
    table["stage"] = [names[int(i)] for i in table["stage_index"]]
    table["stage_index"] = table["stage_index"] + 1
    order = ["stage_index", "people_with", "touch"]
    table = table.sort_values(
        [*grouped, *order], ascending=[*[True] * len(grouped), True, False, True]
    )
    columns = [
        *grouped,
        "stage",
        "stage_index",
        "touch",
        "people_with",
        "moved_with",
        "weeks_with",
        "rate_with",
        "people_without",
        "moved_without",
        "weeks_without",
        "rate_without",
        "rate_ratio",
        "ci_low",
        "ci_high",
        *(["log_se"] if log_se else []),
        "verdict",
    ]
    table = table[columns].rename(columns={"touch": by}).reset_index(drop=True)
    meta = {
        "by": by,
        "journey": journey.name,
        "stages": names,
        "min_people": min_people,
        "interval": "95%, Mantel-Haenszel rate ratio over days in the stage, "
        "Greenland-Robins variance",
        "observational": True,
    }
    title = (
        gettext("Which touchpoints help people move on")
        if by == "event"
        else gettext("Which {field} values help people move on").format(field=gettext(by))
    )
    return TouchpointEffects(title=title, table=table, meta=meta)


@remembered
def _spells(
    at: ibis.Table,
    journey: Journey,
    by: str,
    as_of: datetime | None,
    groups: ibis.Table | None,
    wide: ibis.Table | None,
) -> tuple[ibis.Table, ibis.Table]:
    """:func:`placed_effects`'s first ``by`` values and spells (see :func:`spell_effects`),
    built once per table and parameters."""
    names = journey.stage_names
    last = len(names) - 1
    if as_of is None:
        end = unix_micros(at.ts.max())
    else:  # nothing after the moment the analysis looks from
        end = ibis.literal(utc_micros(as_of), "int64")
        at = at.filter(unix_micros(at.ts) <= end)
    wide = stage_entries(at, journey) if wide is None else wide
    spells = []
    for s in range(last):
        later = [unix_micros(wide[entered_column(j)]) for j in range(s + 1, len(names))]
        left = ibis.least(*later) if len(later) > 1 else later[0]
        entered = unix_micros(wide[entered_column(s)])
        spell = wide.filter(wide[entered_column(s)].notnull()).select(
            "person_id",
            stage_index=ibis.literal(s, "int64"),
            entered_us=entered,
            left_us=left.fill_null(end),
            moved=left.notnull(),
        )
        spells.append(spell.filter(spell.left_us > spell.entered_us))
    # a value counts in the stage it was placed in (the last stage has no later one)
    had = at.filter((at.stage_index >= 0) & (at.stage_index < last) & at[by].notnull())
    firsts = had.group_by(ap="person_id", astage="stage_index", touch=had[by]).aggregate(
        first_us=unix_micros(had.ts.min())
    )
    spells = ibis.union(*spells)
    if groups is not None:  # a person's spells count in each group they are in
        spells = spells.join(groups.select("person_id", "group"), "person_id")
    return firsts, spells


def spell_effects(
    firsts: ibis.Table, spells: ibis.Table, *, log_se: bool = False, grouped: bool = False
) -> pd.DataFrame:
    """The effects of values had during spells: the design every effect and driver uses.

    ``spells``: one row per person and spell (person_id, stage_index: which spell, e.g. the
    stage, entered_us and left_us in microseconds, moved: whether it ended by moving on
    rather than by the data's or window's end). ``firsts``: when a person first had a
    value in a spell (ap: person_id, astage: stage_index, touch: the value, first_us).
    Time in a spell counts as *without* until then and as *with* from then to its end;
    a value first had at or after the spell's end is not counted.

    One row per stage_index and touch (small, so in pandas): people_with, moved_with,
    weeks_with, rate_with, people_without, moved_without, weeks_without, rate_without,
    rate_ratio, ci_low, ci_high (Mantel-Haenszel over bands of days since the spell's
    start), and with ``log_se`` the standard error of the ratio's logarithm. ``grouped``:
    the spells carry a ``group`` column, and each group's effects are its own.
    """
    table = _effect_counts(firsts, spells, grouped=grouped)
    per_week = 7 * 86_400e6
    bands = list(pairwise(BAND_DAYS))
    timed = ["weeks_with", "weeks", *(f"{t}_{k}" for t in ("t1", "t") for k in range(len(bands)))]
    table[timed] = table[timed].astype(float) / per_week  # the same on every run
    table["people_without"] = table["people"] - table["people_with"]
    table["moved_without"] = table["moved"] - table["moved_with"]
    # without: everyone's time before the touchpoint (all of it for those who never had it)
    # person-weeks are exact sums divided into weeks: a difference that is zero in exact
    # arithmetic may come out as -1e-17 after dividing, so snap what is below a millisecond
    table["weeks_without"] = _snap(table["weeks"] - table["weeks_with"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rate_with"] = table["moved_with"] / table["weeks_with"]
        table["rate_without"] = table["moved_without"] / table["weeks_without"]
    k = range(len(bands))
    d1 = table[[f"d1_{i}" for i in k]].to_numpy(float)
    t1 = table[[f"t1_{i}" for i in k]].to_numpy(float)
    d0 = table[[f"d_{i}" for i in k]].to_numpy(float) - d1
    t0 = _snap(table[[f"t_{i}" for i in k]].to_numpy(float) - t1)
    table["rate_ratio"], table["ci_low"], table["ci_high"] = mantel_haenszel_rate_ratio(
        d1, t1, d0, t0
    )
    if log_se:
        table["log_se"] = mantel_haenszel_log_se(d1, t1, d0, t0)[1]
    return table


def _effect_counts(
    firsts: ibis.Table, spells: ibis.Table, *, grouped: bool = False
) -> pd.DataFrame:
    """Per spell index and value: people, moves and exact microseconds with the value,
    overall and per band of days in the spell, beside the spells' totals (one row per
    spell index and value, per ``group`` of the spells when ``grouped``: small, so it
    comes into Python here)."""
    cells, population = _effect_queries(firsts, spells, grouped)
    keys = ["group", "stage_index"] if grouped else ["stage_index"]
    return cells.to_pandas().merge(population.to_pandas(), on=keys)


@remembered
def _effect_queries(
    firsts: ibis.Table, spells: ibis.Table, grouped: bool
) -> tuple[ibis.Table, ibis.Table]:
    """:func:`_effect_counts`'s two queries, built once per table and parameters."""
    exposed = spells.join(
        firsts,
        (spells.person_id == firsts.ap) & (spells.stage_index == firsts.astage),
    )
    # a touchpoint tied in time with the move on came with it, not before it
    exposed = exposed.filter(exposed.first_us < exposed.left_us)
    day = 86_400e6
    bands = list(pairwise(BAND_DAYS))

    def overlap(start: ibis.Value, stop: ibis.Value, lo: float, hi: float, origin) -> ibis.Value:
        """Microseconds of [start, stop) inside [origin + lo days, origin + hi days)."""
        band_start = origin + int(lo * day)
        band_stop = origin + int(hi * day) if hi != float("inf") else stop
        inside = ibis.least(stop, band_stop) - ibis.greatest(start, band_start)
        return ibis.greatest(inside, 0)

    def total(micros: ibis.Value) -> ibis.Value:
        """An exact sum of microseconds (a float sum depends on the engine's order)."""
        return micros.cast("decimal(38, 0)").sum()

    def moved_in(spell: ibis.Table, lo: float, hi: float) -> ibis.Value:
        """A move whose time since entering the stage falls in (lo, hi] days."""
        since = spell.left_us - spell.entered_us
        upper = since <= int(hi * day) if hi != float("inf") else ibis.literal(True)
        return (spell.moved & (since > int(lo * day)) & upper).ifelse(1, 0).sum()

    keys = ["group", "stage_index"] if grouped else ["stage_index"]
    cells = exposed.group_by([*keys, "touch"]).aggregate(
        people_with=exposed.count(),
        moved_with=exposed.moved.ifelse(1, 0).sum(),
        weeks_with=total(exposed.left_us - exposed.first_us),
        **{
            f"t1_{k}": total(overlap(exposed.first_us, exposed.left_us, lo, hi, exposed.entered_us))
            for k, (lo, hi) in enumerate(bands)
        },
        **{f"d1_{k}": moved_in(exposed, lo, hi) for k, (lo, hi) in enumerate(bands)},
    )
    population = spells.group_by(keys).aggregate(
        people=spells.count(),
        moved=spells.moved.ifelse(1, 0).sum(),
        weeks=total(spells.left_us - spells.entered_us),
        **{
            f"t_{k}": total(overlap(spells.entered_us, spells.left_us, lo, hi, spells.entered_us))
            for k, (lo, hi) in enumerate(bands)
        },
        **{f"d_{k}": moved_in(spells, lo, hi) for k, (lo, hi) in enumerate(bands)},
    )
    return cells, population


def mantel_haenszel_rate_ratio(
    d1: np.ndarray, t1: np.ndarray, d0: np.ndarray, t0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate ratio of exposed to unexposed pooled over strata, with a 95% interval.

    Rows are comparisons, columns strata: ``d1``/``t1`` events and person-time exposed,
    ``d0``/``t0`` unexposed. Mantel-Haenszel estimate; the interval from Greenland and
    Robins' (1985) variance of its logarithm. NaN where a side has no events or no time.
    """
    ratio, se = mantel_haenszel_log_se(d1, t1, d0, t0)
    with np.errstate(invalid="ignore"):
        return ratio, ratio * np.exp(-Z95 * se), ratio * np.exp(Z95 * se)


def mantel_haenszel_log_se(
    d1: np.ndarray, t1: np.ndarray, d0: np.ndarray, t0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The Mantel-Haenszel rate ratio and the standard error of its logarithm (Greenland
    and Robins), as :func:`mantel_haenszel_rate_ratio` (the same arguments); NaN where a
    side has no events or no time."""
    total = t1 + t0
    with np.errstate(divide="ignore", invalid="ignore"):
        top = np.where(total > 0, d1 * t0 / total, 0.0).sum(axis=1)
        bottom = np.where(total > 0, d0 * t1 / total, 0.0).sum(axis=1)
        spread = np.where(total > 0, (d1 + d0) * t1 * t0 / total**2, 0.0).sum(axis=1)
        ratio = top / bottom
        se = np.sqrt(spread / (top * bottom))
    usable = (top > 0) & (bottom > 0)
    nan = np.full(ratio.shape, np.nan)
    return np.where(usable, ratio, nan), np.where(usable, se, nan)


def _snap(weeks: Any) -> Any:
    """Differences of person-week sums, with float noise (under 1e-9 weeks) set to 0."""
    return np.where(np.abs(weeks) < 1e-9, 0.0, weeks)
