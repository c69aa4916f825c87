"""Funnels: how many people go through given steps, in order, within a window.

Definitions (the docs and every face use these):
- An *attempt* starts at each touchpoint matching step 1 (in ``any`` order: any
  step). Touchpoints are ordered by time, then event_id, so ties are deterministic.
- ``ordered``: step k is the first step-k touchpoint after step k-1; other touchpoints
  may come between. ``strict``: step k must be the very next touchpoint of the person
  after step k-1. ``any``: the steps in any order; "step k" means "k of the steps done".
  In ordered and strict funnels one touchpoint is never two steps; in ``any`` order a
  touchpoint that matches two steps counts for both (steps are usually distinct), and a
  step counts from the start's time (touchpoints in the same microsecond included) to the
  window's end.
- The *conversion window* counts from step 1: a step after ``start + window`` is not
  reached.
- An *exclusion* voids an attempt when one of its touchpoints comes after step
  ``after`` and before step ``before`` (before the window's end if that step was not
  reached). A person whose every attempt is void is not in the funnel.
- Each person counts once, with their attempt that reached the furthest step; among
  those, the earliest. This follows PostHog's funnels: a person who tried twice and
  succeeded the second time is a converter, measured on the successful attempt.
- ``start``/``end`` select attempts whose step 1 lies in [start, end); later steps
  may fall after ``end`` (within the window), so a range never undercounts conversions.

Step options (ordered order; ``within``/``after`` in strict order too, none in ``any``):
- ``within: 2d`` on step k: step k is reached only if it comes at most that long after
  the step before it (inclusive); ``after: 1h``: at least that long after it (inclusive;
  in ordered order step k is then the first step-k touchpoint that late). "The step
  before" is the nearest *required* step before k. The window from step 1 still holds.
- ``optional: true`` (not step 1, not the last step): required steps are chained as if
  the optional ones were not there. An optional step k is *taken* when a step-k
  touchpoint comes after the required step before it (within its own within/after from
  that step) and before the required step after it (before the window's end if that
  step was not reached); its time is the first such touchpoint. Its ``entered`` counts
  the people who took it. "Conversion to next" always goes to the next *required* step:
  from a required step, everyone who reached that step (took the optional step or not);
  from an optional step, those who took it and reached that step. ``steps`` (in
  :func:`people`) is the furthest step reached.
- *Open windows*: a person whose counted attempt has not reached the last step and whose
  window for their next required step (``start + window``, or the step before +
  ``within`` if earlier) ends after ``as_of`` (default: the latest touchpoint) may still
  convert. They are counted (``meta["open_people"]``) and, with ``open_windows=
  "exclude"``, left out of every number in the table. The default is "exclude" when a
  step has options and "include" otherwise, so earlier funnels count as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn, records
from jejak.analyses.sequence import position
from jejak.analyses.stages import BREAKDOWNS, NONE_LABEL, _count, _float
from jejak.engine.functions import timestamp_micros, unix_micros, utc_micros
from jejak.engine.plans import remembered
from jejak.errors import JejakError
from jejak.language import gettext, stage
from jejak.model.funnel import Funnel
from jejak.model.journey import Journey

MICROS = 1_000_000
# time-to-convert buckets: (label, upper bound in seconds)
BUCKETS: tuple[tuple[str, float], ...] = (
    ("1 minute or less", 60),
    ("1-10 minutes", 600),
    ("10-60 minutes", 3_600),
    ("1-6 hours", 6 * 3_600),
    ("6-24 hours", 86_400),
    ("1-3 days", 3 * 86_400),
    ("3-7 days", 7 * 86_400),
    ("7-30 days", 30 * 86_400),
    ("over 30 days", float("inf")),
)


def _u(k: int) -> str:
    return f"u{k}"


def _e(k: int) -> str:
    return f"e{k}"


def _after(us: ibis.Value, event_id: ibis.Value, u: ibis.Value, e: ibis.Value) -> ibis.Value:
    """(us, event_id) comes after (u, e) in the person's timeline."""
    return (us > u) | ((us == u) & (event_id > e))


def _hits(events: ibis.Table, journey: Journey, spec: Funnel) -> ibis.Table:
    """Touchpoints matching a step or an exclusion, flagged per step (m*) and exclusion (x*)."""
    steps = [s.as_stage(journey) for s in spec.steps]
    excluded = [x.step.as_stage(journey) for x in spec.exclusions]
    events = with_properties(events, steps + excluded)
    flags = {f"m{k}": stage_matches(events, s) for k, s in enumerate(steps)}
    flags |= {f"x{j}": stage_matches(events, s) for j, s in enumerate(excluded)}
    extra: dict[str, ibis.Value] = {"us": unix_micros(events.ts)}
    if spec.order == "strict":
        # the position among all of the person's touchpoints, before any are filtered out
        extra["seq"] = position(events)
    if spec.by is not None:
        if spec.by not in BREAKDOWNS:
            raise JejakError(
                gettext("cannot split the funnel by {by}; use one of {choices}").format(
                    by=repr(spec.by), choices=", ".join(BREAKDOWNS)
                )
            )
        extra["group"] = events[spec.by].fill_null(NONE_LABEL)
    marked = events.mutate(**flags, **extra)
    keep = ["person_id", "event_id", *flags, *extra]
    hits = marked.filter(ibis.or_(*[marked[f] for f in flags])).select(*keep)
    if spec.order == "any":
        return hits
    # running counts of each step's (and exclusion's) touchpoints in the person's order:
    # the next step-k touchpoint after a row is the step-k one whose count is one more,
    # so finding it is an equality join instead of a range join that grows per person
    # strict order follows positions instead; it only needs the exclusions' counts
    step_flags = [] if spec.order == "strict" else [f"m{k}" for k in range(1, len(steps))]
    running = ibis.window(
        group_by=hits.person_id, order_by=[hits.us, hits.event_id], preceding=None, following=0
    )
    counted = {
        f"c{f}": hits[f].ifelse(1, 0).sum().over(running)
        for f in [
            *step_flags,
            *[f"x{j}" for j in range(len(excluded))],
        ]
    }
    return hits.mutate(**counted)


def _micros(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds() * MICROS)


def _ordered_attempts(hits: ibis.Table, spec: Funnel) -> ibis.Table:
    """Attempts (person_id, e0) with u<k>/e<k> for each step reached in order.

    Required steps are chained first (each from the required step before it), then each
    optional step is looked for between the required steps around it.
    """
    window = int(spec.window.total_seconds() * MICROS)
    strict, n = spec.order == "strict", len(spec.steps)
    required = [k for k in range(n) if not spec.steps[k].optional]
    first = hits.filter(hits.m0)
    columns = {"person_id": first.person_id, _e(0): first.event_id, _u(0): first.us}
    if strict:
        columns["s0"] = first.seq
    elif n > 1:
        # step-b touchpoints so far (b the next required step): the next one is n0 + 1
        columns["n0"] = first[f"cm{spec.next_required(0)}"]
    if spec.by is not None:
        columns["group"] = first.group
    attempts = first.select(**columns)
    for k in required[1:]:
        a, last = spec.previous_required(k), k == n - 1
        within, after = _micros(spec.steps[k].within), _micros(spec.steps[k].after)
        step = hits.filter(hits[f"m{k}"])
        carried = {"sp": step.person_id, "se": step.event_id, "su": step.us}
        if strict:
            carried["ss"] = step.seq
        else:
            carried["sc"] = step[f"cm{k}"]
            if not last:
                carried["sn"] = step[f"cm{spec.next_required(k)}"]
        step = step.select(**carried)
        # each step joins the attempts once: an attempt written twice into one query (a
        # join of attempts with a join of attempts) doubles the SQL with every step
        bounds = [
            attempts.person_id == step.sp,
            attempts[_u(a)].notnull(),
            step.su <= attempts[_u(0)] + window,
        ]
        if within is not None:
            bounds.append(step.su <= attempts[_u(a)] + within)
        if after is not None:
            bounds.append(step.su >= attempts[_u(a)] + after)
        if strict:
            # the person's very next touchpoint
            bounds.append(step.ss == attempts[f"s{a}"] + 1)
        elif after is None:
            # the next step-k touchpoint
            bounds.append(step.sc == attempts[f"n{a}"] + 1)
        else:
            # the first step-k touchpoint at least ``after`` later: a range join, then
            # the earliest (counts grow with the person's order)
            bounds.append(step.sc > attempts[f"n{a}"])
        joined = attempts.left_join(step, bounds)
        if not strict and after is not None:
            joined = _earliest(joined, "sc")
        found = {_e(k): joined.se, _u(k): joined.su}
        if strict:
            found[f"s{k}"] = joined.ss
        elif not last:
            found[f"n{k}"] = joined.sn
        attempts = joined.select(*attempts.columns, **found)
    for k in range(n):
        if spec.steps[k].optional:
            attempts = _optional_step(attempts, hits, spec, k, window)
    for j, exclusion in enumerate(spec.exclusions):
        attempts = _drop_voided(
            attempts, hits, j, exclusion.after - 1, (exclusion.before or n) - 1, window
        )
    return attempts.select(
        "person_id", *(["group"] if spec.by is not None else []), *_steps_columns(n)
    )


def _steps_columns(n: int) -> list[str]:
    return [c for k in range(n) for c in (_u(k), _e(k))]


def _earliest(joined: ibis.Table, count: str) -> ibis.Table:
    """Each attempt's row with the lowest ``count`` (its first matching touchpoint), or
    its one row without a match, from a left join of attempts with a step."""
    first = ibis.row_number().over(
        group_by=[joined.person_id, joined[_e(0)]], order_by=joined[count]
    )
    ranked = joined.mutate(_first=first)
    return ranked.filter(ranked._first == 0).drop("_first")


def _optional_step(
    attempts: ibis.Table, hits: ibis.Table, spec: Funnel, k: int, window: int
) -> ibis.Table:
    """Attempts with u<k>/e<k> for optional step ``k``: its first touchpoint after the
    required step ``a`` before it (within its gaps from ``a``) and before the required
    step ``b`` after it (before the window's end if ``b`` was not reached)."""
    a, b = spec.previous_required(k), spec.next_required(k)
    within, after = _micros(spec.steps[k].within), _micros(spec.steps[k].after)
    step = hits.filter(hits[f"m{k}"])
    step = step.select(qp=step.person_id, qe=step.event_id, qu=step.us, qc=step[f"cm{k}"])
    bounds = [
        attempts.person_id == step.qp,
        attempts[_u(a)].notnull(),
        _after(step.qu, step.qe, attempts[_u(a)], attempts[_e(a)]),
        step.qu <= attempts[_u(0)] + window,
        ibis.ifelse(
            attempts[_u(b)].notnull(),
            _after(attempts[_u(b)], attempts[_e(b)], step.qu, step.qe),
            True,
        ),
    ]
    if within is not None:
        bounds.append(step.qu <= attempts[_u(a)] + within)
    if after is not None:
        bounds.append(step.qu >= attempts[_u(a)] + after)
    taken = _earliest(attempts.left_join(step, bounds), "qc")
    return taken.select(*attempts.columns, **{_e(k): taken.qe, _u(k): taken.qu})


def _drop_voided(
    attempts: ibis.Table, hits: ibis.Table, j: int, low: int, high: int, window: int
) -> ibis.Table:
    """Attempts without an exclusion-j touchpoint between step ``low`` and step ``high``.

    Only the first exclusion touchpoint after step ``low`` matters: if it is not before
    step ``high`` (or the window's end), no later one is.
    """
    count = f"cx{j}"
    at_low = hits.select(lp=hits.person_id, le=hits.event_id, lc=hits[count])
    # left joins, so the attempts are read once (see _ordered_attempts); lc is NULL
    # when step ``low`` was not reached, and then nothing is banned
    marked = attempts.left_join(
        at_low, [attempts.person_id == at_low.lp, attempts[_e(low)] == at_low.le]
    )
    marked = marked.select(*attempts.columns, lc=marked.lc)
    banned = hits.filter(hits[f"x{j}"])
    banned = banned.select(xp=banned.person_id, xe=banned.event_id, xu=banned.us, xc=banned[count])
    before_high = ibis.ifelse(
        marked[_u(high)].notnull(),
        _after(marked[_u(high)], marked[_e(high)], banned.xu, banned.xe),
        banned.xu <= marked[_u(0)] + window,
    )
    checked = marked.left_join(
        banned, [marked.person_id == banned.xp, banned.xc == marked.lc + 1, before_high]
    )
    return checked.filter(checked.xp.isnull()).select(*attempts.columns)


def _any_order_attempts(hits: ibis.Table, spec: Funnel) -> ibis.Table:
    """Attempts starting at any step touchpoint; u<k> is when k+1 of the steps were done."""
    n, window = len(spec.steps), int(spec.window.total_seconds() * MICROS)
    columns = {"person_id": hits.person_id, _e(0): hits.event_id, "start": hits.us}
    if spec.by is not None:
        columns["group"] = hits.group
    # each step's first time from the start to the window's end, as a window over the
    # person's hits ordered by time: no join, so the cost stays linear per person
    ahead = ibis.range_window(
        preceding=0, following=window, group_by=hits.person_id, order_by=hits.us
    )
    firsts = hits.select(
        **columns,
        **{
            f"f{k}": hits[f"m{k}"].ifelse(hits.us, ibis.null("int64")).min().over(ahead)
            for k in range(n)
        },
    )
    # the time the r-th distinct step was done: the f whose rank among the f's is r
    ranks = {}
    for k in range(n):
        fk = firsts[f"f{k}"]
        earlier = [
            ibis.ifelse(
                firsts[f"f{j}"].notnull()
                & ((firsts[f"f{j}"] < fk) | ((firsts[f"f{j}"] == fk) & (j < k))),
                1,
                0,
            )
            for j in range(n)
            if j != k
        ]
        ranks[k] = sum(earlier[1:], earlier[0]) if earlier else ibis.literal(0)
    done = {
        _u(r): ibis.cases(
            *[((firsts[f"f{k}"].notnull()) & (ranks[k] == r), firsts[f"f{k}"]) for k in range(n)]
        )
        for r in range(n)
    }
    return firsts.mutate(**done).drop(*[f"f{k}" for k in range(n)], "start")


def people(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
) -> ibis.Table:
    """One row per person in the funnel: their counted attempt.

    Columns: person_id, [group], steps (the furthest step reached, 1-based: with no
    optional steps, how many steps were reached), u0..u<n-1> (times of the steps in
    microseconds since 1970 UTC; NULL when not reached), open (their window is still
    open at ``as_of``, by default the latest of ``events``: they may still convert).
    """
    hits = _hits(events, journey, spec)
    if spec.order == "any":
        attempts = _any_order_attempts(hits, spec)
    else:
        attempts = _ordered_attempts(hits, spec)
    n = len(spec.steps)
    if start is not None:
        attempts = attempts.filter(attempts[_u(0)] >= utc_micros(start))
    if end is not None:
        attempts = attempts.filter(attempts[_u(0)] < utc_micros(end))
    if any(step.optional for step in spec.steps):
        reached = ibis.cases(
            *[(attempts[_u(k)].notnull(), k + 1) for k in reversed(range(n))], else_=0
        )
    else:
        reached = sum(
            (ibis.ifelse(attempts[_u(k)].notnull(), 1, 0) for k in range(1, n)),
            ibis.ifelse(attempts[_u(0)].notnull(), 1, 0),
        )
    attempts = attempts.mutate(steps=reached)
    best = ibis.row_number().over(
        group_by=attempts.person_id,
        order_by=[ibis.desc(attempts.steps), attempts[_u(0)], attempts[_e(0)]],
    )
    ranked = attempts.mutate(_best=best)
    chosen = ranked.filter(ranked._best == 0)
    now = unix_micros(events.ts).max() if as_of is None else ibis.literal(utc_micros(as_of))
    chosen = chosen.mutate(open=_deadline(chosen, spec) > now)
    keep = ["person_id", *(["group"] if spec.by is not None else []), "steps"]
    return chosen.select(*keep, *[_u(k) for k in range(n)], "open")


def _deadline(attempt: ibis.Table, spec: Funnel) -> ibis.Value:
    """When the attempt's window closes for its next required step (microseconds); NULL
    once the last step is reached. Before it, a later touchpoint could still count."""
    window = int(spec.window.total_seconds() * MICROS)
    n = len(spec.steps)
    if spec.order == "any":
        return ibis.ifelse(attempt[_u(n - 1)].isnull(), attempt[_u(0)] + window, ibis.null("int64"))
    cases = []
    for b in range(1, n):
        if spec.steps[b].optional:
            continue
        a = spec.previous_required(b)
        closes = attempt[_u(0)] + window
        within = _micros(spec.steps[b].within)
        if within is not None:
            closes = ibis.least(closes, attempt[_u(a)] + within)
        cases.append((attempt[_u(a)].notnull() & attempt[_u(b)].isnull(), closes))
    return ibis.cases(*cases, else_=ibis.null("int64"))


@dataclass
class FunnelResult(Result):
    """Per step: entered, converted, drop-off, time to next; and time to convert."""

    time_to_convert: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        return drawn(self)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"time_to_convert": records(self.time_to_convert)}


@remembered
def _funnel_query(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    start: datetime | None,
    end: datetime | None,
    as_of: datetime | None = None,
) -> ibis.Table:
    """One row of aggregates per group (or of everyone): entered_<k>, converted_<k>
    (optional steps: people who took it and reached the next required step), median_<k>
    and p90_<k> (seconds to the next required step), bucket_<b> (people by time to
    convert), open_people (whose window is still open); built once per table and
    parameters (see :mod:`jejak.engine.plans`)."""
    n = len(spec.steps)
    counted = people(events, journey, spec, start, end, as_of)
    aggs: dict[str, ibis.Value] = {"open_people": counted.count(where=counted.open)}
    # a person whose window is still open is left out of every rate (None: all count)
    kept = ~counted.open.fill_null(False) if spec.excludes_open else None

    def where(condition: ibis.Value) -> ibis.Value:
        return condition if kept is None else condition & kept

    simple = not any(step.optional for step in spec.steps)
    for k in range(n):
        if simple:
            aggs[f"entered_{k}"] = counted.count(where=where(counted.steps >= k + 1))
            if k + 1 < n:
                gap = (counted[_u(k + 1)] - counted[_u(k)]) / MICROS
                aggs[f"median_{k}"] = gap.quantile(0.5, where=where(counted.steps >= k + 2))
                aggs[f"p90_{k}"] = gap.quantile(0.9, where=where(counted.steps >= k + 2))
            continue
        aggs[f"entered_{k}"] = counted.count(where=where(counted[_u(k)].notnull()))
        if k + 1 < n:
            b = spec.next_required(k)
            both = where(counted[_u(k)].notnull() & counted[_u(b)].notnull())
            gap = (counted[_u(b)] - counted[_u(k)]) / MICROS
            aggs[f"converted_{k}"] = counted.count(where=both)
            aggs[f"median_{k}"] = gap.quantile(0.5, where=both)
            aggs[f"p90_{k}"] = gap.quantile(0.9, where=both)
    total = (counted[_u(n - 1)] - counted[_u(0)]) / MICROS
    for b, (_, upper) in enumerate(BUCKETS):
        lower = BUCKETS[b - 1][1] if b else -1.0
        in_bucket = (counted.steps == n) & (total > lower)
        if upper != float("inf"):
            in_bucket = in_bucket & (total <= upper)
        aggs[f"bucket_{b}"] = counted.count(where=where(in_bucket))
    return counted.group_by("group").aggregate(**aggs) if spec.by else counted.aggregate(**aggs)


def funnel(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
) -> FunnelResult:
    """How many people went through the steps, where they dropped off, how long it took.

    ``table`` columns: [the ``by`` field], step (1-based), label, entered (people who
    reached the step), converted_to_next (people), conversion_to_next (0-1), drop_off
    (0-1), conversion_from_first (0-1), median_seconds_to_next and p90_seconds_to_next
    (seconds, over people who reached the next step). "Next" is the next required step:
    an optional step in between is skipped. ``time_to_convert``: people who reached the
    last step, by time from step 1 to the last step (buckets). ``meta["open_people"]``:
    people whose window is still open at ``as_of`` (default: the latest touchpoint);
    ``meta["open_windows"]`` says whether they are left out of the table.
    """
    n = len(spec.steps)
    # one row per group of aggregates: small, so it comes into Python here (through Arrow:
    # one row of many columns, which Ibis's own conversion takes column by column)
    groups = _funnel_query(events, journey, spec, start, end, as_of).to_pyarrow().to_pandas()
    if spec.by is not None:
        groups = groups.sort_values(["entered_0", "group"], ascending=[False, True])
    rows, buckets = [], []
    for _, row in groups.iterrows():
        label = {spec.by: row["group"]} if spec.by is not None else {}
        first = _count(row["entered_0"])
        for k, step in enumerate(spec.steps):
            entered = _count(row[f"entered_{k}"])
            last = k + 1 == n
            if last:
                converted = None
            elif step.optional:
                converted = _count(row[f"converted_{k}"])
            else:
                converted = _count(row[f"entered_{spec.next_required(k)}"])
            rate = converted / entered if converted is not None and entered else float("nan")
            rows.append(
                label
                | {
                    "step": k + 1,
                    "label": step.label,
                    "entered": entered,
                    "converted_to_next": converted,
                    "conversion_to_next": rate,
                    "drop_off": 1 - rate if rate == rate else float("nan"),
                    "conversion_from_first": entered / first if first else float("nan"),
                    "median_seconds_to_next": _float(None if last else row[f"median_{k}"]),
                    "p90_seconds_to_next": _float(None if last else row[f"p90_{k}"]),
                }
            )
        buckets += [
            label | {"time_to_convert": name, "people": _count(row[f"bucket_{b}"])}
            for b, (name, _) in enumerate(BUCKETS)
        ]
    prefix = [spec.by] if spec.by is not None else []
    table = pd.DataFrame(rows, columns=[*prefix, *FUNNEL_COLUMNS])
    table = table.astype({"converted_to_next": "Int64"})
    meta = {
        "steps": [s.label for s in spec.steps],
        "order": spec.order,
        "window_seconds": spec.window.total_seconds(),
        "by": spec.by,
        "people": int(table[table.step == 1]["entered"].sum()) if len(table) else 0,
        "start": start,
        "end": end,
        "open_people": int(sum(_count(v) for v in groups["open_people"])),
        "open_windows": "exclude" if spec.excludes_open else "include",
    }
    if spec.step_options:
        meta["step_options"] = [
            {
                "optional": step.optional,
                "within_seconds": step.within.total_seconds() if step.within else None,
                "after_seconds": step.after.total_seconds() if step.after else None,
            }
            for step in spec.steps
        ]
    title = gettext("Funnel: {steps}").format(steps=" → ".join(stage(s.label) for s in spec.steps))
    return FunnelResult(
        title=title,
        table=table,
        meta=meta,
        time_to_convert=pd.DataFrame(buckets, columns=[*prefix, "time_to_convert", "people"]),
    )


FUNNEL_COLUMNS = [
    "step",
    "label",
    "entered",
    "converted_to_next",
    "conversion_to_next",
    "drop_off",
    "conversion_from_first",
    "median_seconds_to_next",
    "p90_seconds_to_next",
]


def biggest_drop(result: FunnelResult) -> int | None:
    """The step (1-based) that loses the most people before the next, over every group
    of a split funnel (the earliest of equals); None when nobody is lost."""
    table = result.table[result.table["converted_to_next"].notna()]
    lost = (table["entered"] - table["converted_to_next"]).groupby(table["step"]).sum()
    if lost.empty or lost.max() <= 0:
        return None
    return int(lost.idxmax())


def biggest_loss_group(result: FunnelResult, step: int) -> str | None:
    """Of a split funnel, the group (a value of its ``by`` column) that loses the most
    people at ``step`` before the next (the first of equals in the table); None when
    the funnel is not split or nobody is lost there."""
    by = result.meta.get("by")
    if not by:
        return None
    rows = result.table[(result.table["step"] == step) & result.table["converted_to_next"].notna()]
    lost = rows["entered"] - rows["converted_to_next"]
    if lost.empty or lost.max() <= 0:
        return None
    return str(rows.loc[lost.idxmax(), by])


def at_step(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    step: int,
    *,
    stopped: bool = False,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
) -> ibis.Table:
    """The person_id of everyone who reached ``step`` (1-based), or with ``stopped`` went
    no further (:func:`dropped_off`'s people)."""
    return _at_step(events, journey, spec, step, stopped, start, end, as_of).select("person_id")


def _at_step(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    step: int,
    stopped: bool,
    start: datetime | None,
    end: datetime | None,
    as_of: datetime | None,
) -> ibis.Table:
    """:func:`people` who reached ``step`` (or stopped there), without the people whose
    window is still open when the funnel leaves them out of its rates."""
    counted = people(events, journey, spec, start, end, as_of)
    out = counted.filter(counted.steps == step if stopped else counted.steps >= step)
    if spec.excludes_open:
        out = out.filter(~out.open.fill_null(False))
    return out


def dropped_off(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    step: int,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
) -> ibis.Table:
    """People whose furthest step is ``step`` (1-based): an audience. People whose
    window is still open are left out when the funnel leaves them out of its rates.

    Columns: person_id, customer_id (NULL if never identified), reached_at (UTC).
    """
    n = len(spec.steps)
    if not 1 <= step < n:
        raise JejakError(
            gettext(
                "drop-off is after a step 1..{last} of this {steps}-step funnel; got {step}"
            ).format(last=n - 1, steps=n, step=step)
        )
    out = _at_step(events, journey, spec, step, True, start, end, as_of)
    from jejak.store.identity import ANONYMOUS_PREFIX

    return out.select(
        "person_id",
        customer_id=ibis.ifelse(
            out.person_id.startswith(ANONYMOUS_PREFIX), ibis.null("string"), out.person_id
        ),
        reached_at=timestamp_micros(out[_u(step - 1)]),
    ).order_by("person_id")


def step_spells(
    events: ibis.Table,
    journey: Journey,
    spec: Funnel,
    step: int,
    start: datetime | None = None,
    end: datetime | None = None,
    as_of: datetime | None = None,
    group: str | None = None,
) -> ibis.Table:
    """The time each person spent at ``step`` (1-based, not the last) before moving on:
    one row per person who reached it (as :func:`at_step` finds them), with person_id,
    stage_index (``step`` - 1), entered_us (when they reached it, microseconds since 1970
    UTC), left_us (when they reached the next required step; else when their window for
    it closed, or ``as_of``, by default the latest of ``events``, if that is earlier) and
    moved (they reached it). People who reached the next step in the same instant spent
    no time there and are left out, as are those whose window closed at once. ``group``:
    of a funnel split by a field (``spec.by``), only the people the split counts in it."""
    n = len(spec.steps)
    if not 1 <= step < n:
        raise JejakError(
            gettext(
                "people move on from a step 1..{last} of this {steps}-step funnel; got {step}"
            ).format(last=n - 1, steps=n, step=step)
        )
    k = step - 1
    b = spec.next_required(k)
    counted = _at_step(events, journey, spec, step, False, start, end, as_of)
    counted = counted.filter(counted[_u(k)].notnull())  # an optional step: who took it
    if group is not None:
        counted = counted.filter(counted.group == group)
    now = unix_micros(events.ts.max()) if as_of is None else ibis.literal(utc_micros(as_of))
    closes = counted[_u(0)] + int(spec.window.total_seconds() * MICROS)
    within = _micros(spec.steps[b].within) if spec.order != "any" else None
    if within is not None:
        closes = ibis.least(closes, counted[_u(spec.previous_required(b))] + within)
    moved = counted[_u(b)].notnull()
    spells = counted.select(
        "person_id",
        stage_index=ibis.literal(k, "int64"),
        entered_us=counted[_u(k)],
        left_us=ibis.ifelse(moved, counted[_u(b)], ibis.least(closes, now)),
        moved=moved,
    )
    return spells.filter(spells.left_us > spells.entered_us)
