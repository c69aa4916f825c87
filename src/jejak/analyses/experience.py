"""Experience: how interactions felt (good, neutral, bad), where bad ones happen, and what
a bad one does to the journey.

Definitions (rules from ``experience:`` in the settings; see
:mod:`jejak.model.experience`):
- A touchpoint's experience is the verdict of the first rule it matches; its stage is
  the stage the person was in when it happened.
- *By touchpoint and stage*: signals, good, neutral and bad touchpoints and the bad
  share, most bad first: where the journey hurts.
- *Effect on the next transition*: per stage, how fast people move on after a bad (or
  good) experience in it against people at the same time in the stage without one: the
  Mantel-Haenszel rate ratio over bands of days since entering the stage, with a 95%
  interval (as :func:`jejak.analyses.effectiveness.touchpoint_effects`). Observational.
- *Journeys to a bad experience*: the touchpoints just before each bad one (up to
  ``steps``), most common first, with the people they happened to.
- *Churn*: buyers (a ``purchase`` touchpoint) whose first purchase is at least
  ``churn_days`` before the end of the data; churned = no touchpoint of theirs in the
  last ``churn_days`` (what the shop sends and bad experiences do not count as staying).
  Buyers with a bad experience between their first purchase and the start of those last
  ``churn_days`` against the others: churn shares, difference with a 95% Newcombe
  interval. Observational.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.effectiveness import placed_effects
from jejak.analyses.intervals import difference_of_proportions
from jejak.analyses.matching import rule_matches, stage_matches, with_properties
from jejak.analyses.result import Result, drawn, records
from jejak.analyses.stages import entered_column, placed
from jejak.engine.functions import unix_micros, utc_micros
from jejak.language import gettext, localised
from jejak.model.experience import VERDICTS, ExperienceRule
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey, Stage
from jejak.model.roles import roles_of

DAY_US = 86_400_000_000


@dataclass
class Experience(Result):
    """``table``: per stage and touchpoint; ``effects``: per stage and verdict; ``churn``."""

    effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    churn: pd.DataFrame = field(default_factory=pd.DataFrame)
    journeys: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        return drawn(self)

    def effect_figure(self) -> Any:
        return drawn(self, "effect")

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "effects": records(self.effects),
            "churn": records(self.churn),
            "journeys": records(self.journeys),
        }


def with_experience(events: ibis.Table, rules: Sequence[ExperienceRule]) -> ibis.Table:
    """Touchpoints with ``experience``: good, neutral, bad, or NULL without a signal."""
    if not rules:
        return events.mutate(experience=ibis.null("string"))
    matchers = [Stage(name=f"r{i}", rules=[rule]) for i, rule in enumerate(rules)]
    marked = with_properties(events, matchers)
    cases = [(rule_matches(marked, rule), rule.is_) for rule in rules]
    verdict = ibis.cases(*cases, else_=ibis.null("string"))
    named = [rule.event for rule in rules]
    if all(names is not None for names in named):
        # a rule matches only the touchpoints it names: the rules are tested on those
        # alone, not one after another on every touchpoint
        names = sorted({name for names in named for name in names})
        verdict = marked.event.isin(names).ifelse(verdict, ibis.null("string"))
    return marked.mutate(experience=verdict)


def experience(
    events: ibis.Table,
    journey: Journey,
    rules: Sequence[ExperienceRule],
    *,
    as_of: datetime,
    purchase: Any = None,
    churn_days: float = 90.0,
    sent: Sequence[str] = (),
    min_people: int = 30,
    steps: int = 3,
) -> Experience:
    """Experience by touchpoint and stage, its effect on moving on, and on churn.

    ``table`` columns: stage, stage_index (1-based), touchpoint, signals, good, neutral,
    bad, bad_share (0-1). ``effects``: the columns of touchpoint effects with
    ``experience`` (good or bad) as the touch. ``churn``: group (bad experience / none),
    buyers, churned, churn_rate, and in ``meta`` the difference with its interval.
    ``journeys``: path (the touchpoints before, then the bad one, joined by " > "),
    occurrences, people.
    """
    if not 0 < churn_days <= 3650:
        from jejak.errors import JejakError

        raise JejakError(
            gettext("churn_days is a number of days from 1 to 3650, not {days}").format(
                days=localised(f"{churn_days:g}")
            )
        )
    purchase = roles_of(journey).step_or(purchase, "purchase")
    bought = FunnelStep.of(purchase).as_stage(journey)
    # every rule read below is one of these: each property is parsed only where one tests it
    matchers = [Stage(name=f"r{i}", rules=[rule]) for i, rule in enumerate(rules)]
    events = with_properties(events, [*journey.stages, bought, *matchers], only_these=True)
    marked = with_properties(with_experience(events, rules), [*journey.stages, bought])
    # every touchpoint (ts is never null), or what the person did, not what the shop sent
    own = ~ibis._.event.isin(list(sent)) if sent else ibis._.ts.notnull()
    # what reads every touchpoint reads them once, in no order, per person: when each stage
    # was entered (up to as_of, as the effects count) and what churn counts
    us = unix_micros(marked.ts)
    up_to = us <= utc_micros(as_of)
    people = marked.group_by("person_id").aggregate(
        **{
            entered_column(i): marked.ts.min(where=stage_matches(marked, stage) & up_to)
            for i, stage in enumerate(journey.stages)
        },
        **_churn_columns(marked, bought, as_of, churn_days, sent),
        _signals=marked.count(where=marked.experience.notnull()),
    )
    with (
        people.cache() as people,
        _placed_signals(marked, people, journey, own).cache() as at,
    ):
        names = journey.stage_names
        signals = at.filter(at.experience.notnull())
        keys = {"stage_index": signals.stage_before, "event": signals.event}
        grouped = signals.group_by(**keys).aggregate(
            signals=signals.count(),
            **{v: signals.count(where=signals.experience == v) for v in VERDICTS},
        )
        table = grouped.to_pandas()
        table = table[table["stage_index"] >= 0]
        table["stage"] = [names[int(i)] for i in table["stage_index"]]
        table["stage_index"] = table["stage_index"].astype(int) + 1
        for column in ("signals", *VERDICTS):
            table[column] = table[column].astype("int64")
        table["bad_share"] = table["bad"] / table["signals"]
        table = table.rename(columns={"event": "touchpoint"})
        table = table.sort_values(
            ["bad", "stage_index", "touchpoint"], ascending=[False, True, True]
        )
        table = table[["stage", "stage_index", "touchpoint", "signals", *VERDICTS, "bad_share"]]

        effects = placed_effects(
            at, journey, by="experience", min_people=min_people, as_of=as_of, wide=people
        ).table
        churn, meta = _churn(people, as_of, churn_days)
        journeys = _journeys_to_bad(at, steps)
        totals = table[["signals", *VERDICTS]].sum()
        meta |= {
            "signals": int(totals["signals"]),
            **{v: int(totals[v]) for v in VERDICTS},
            "churn_days": churn_days,
            "observational": True,
        }
        return Experience(
            title=gettext("Experience by touchpoint and stage"),
            table=table.reset_index(drop=True),
            meta=meta,
            effects=effects,
            churn=churn,
            journeys=journeys,
        )


def _placed_signals(
    marked: ibis.Table, people: ibis.Table, journey: Journey, own: ibis.Deferred
) -> ibis.Table:
    """The touchpoints of people with a signal (``people._signals``), each with the stage
    the person was in (``stage_index``, ``stage_before``) and ``_own`` and ``_own_no``
    (see :func:`_journeys_to_bad`).

    stage_before, the stage the person was in: a 5-star review that enters Advocate was
    written in the stage before it. The stages are read only on signals and the
    touchpoints before a bad one, all of people with a signal: the ordered pass sorts
    their touchpoints alone, a few of everyone's. _own_no numbers the person's own
    touchpoints in time order in the same pass: the touchpoints before a bad one are then
    found by their numbers, without sorting again.
    """
    having = people.filter(people._signals > 0).select("person_id")
    at = placed(
        marked.semi_join(having, "person_id"), journey, before=True, counts={"_own_no": own}
    )
    at = at.mutate(_own=own.resolve(at))
    keep = ["person_id", "ts", "event", "experience", "stage_index", "stage_before"]
    return at.select(*keep, "_own", "_own_no")


def _churn_columns(
    marked: ibis.Table,
    bought: Stage,
    as_of: datetime,
    churn_days: float,
    sent: Sequence[str],
) -> dict[str, ibis.Value]:
    """What :func:`_churn` reads of each person, as aggregates of their touchpoints in
    ``marked`` (with the columns the purchase rule ``bought`` reads): the first purchase,
    their own touchpoints in the last ``churn_days``, their latest bad experience before
    those days."""
    end, before = _churn_window(as_of, churn_days)
    us = unix_micros(marked.ts)
    own = ~marked.event.isin(list(sent)) if sent else ibis.literal(True)
    # a bad experience is no sign of staying (a failed payment on a lapsed customer)
    own = own & (marked.experience.isnull() | (marked.experience != "bad"))
    # one pass per person: a bad experience between the first purchase and ``before``
    # exists when the latest bad one up to ``before`` is not earlier than that purchase
    return {
        "first_us": us.min(where=stage_matches(marked, bought)),
        "recent": marked.count(where=own & (us > before) & (us <= end)),
        "last_bad": us.max(where=(marked.experience == "bad") & (us <= before)),
    }


def _churn_window(as_of: datetime, churn_days: float) -> tuple[int, int]:
    """The end of the data and the start of its last ``churn_days``, in microseconds."""
    end = utc_micros(as_of)
    return end, end - int(churn_days * DAY_US)


def _churn(
    people: ibis.Table, as_of: datetime, churn_days: float
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Churn of buyers with and without a bad experience (``people``: one row per person
    with :func:`_churn_columns`)."""
    before = _churn_window(as_of, churn_days)[1]
    people = people.filter(people.first_us <= before)
    bad = (people.last_bad >= people.first_us).fill_null(False)
    counts = people.group_by(group=bad.ifelse("bad experience", "none")).aggregate(
        buyers=people.count(), churned=people.count(where=people.recent == 0)
    )
    frame = counts.to_pandas().set_index("group").reindex(["bad experience", "none"])
    frame = frame.fillna(0).astype("int64").reset_index()
    frame["churn_rate"] = frame["churned"] / frame["buyers"].where(frame["buyers"] > 0)
    (b1, b0), (c1, c0) = frame["buyers"], frame["churned"]
    difference = difference_of_proportions(int(c1), int(b1), int(c0), int(b0))
    keys = ("churn_difference", "churn_difference_low", "churn_difference_high")
    return frame, dict(zip(keys, difference, strict=True))


def _journeys_to_bad(marked: ibis.Table, steps: int) -> pd.DataFrame:
    """The ``steps`` touchpoints before each bad experience, grouped as paths (``marked``:
    with ``_own``, the person's own touchpoints, and ``_own_no``, their numbers)."""
    own = marked.filter(marked._own)
    bad = own.filter(own.experience == "bad").select("person_id", "event", _no=own._own_no)
    # the k-th touchpoint before a bad one is the person's own touchpoint numbered k less
    wanted = ibis.union(
        *[bad.select("person_id", "_no", _k=ibis.literal(k), _at=bad._no - k)
          for k in range(1, steps + 1)]
    )  # fmt: skip
    earlier = wanted.join(own, [wanted.person_id == own.person_id, wanted._at == own._own_no])
    earlier = earlier.select("person_id", "_no", "_k", "event")
    rows = ibis.union(bad.mutate(_k=ibis.literal(0)).select(*earlier.columns), earlier)
    each = rows.group_by(["person_id", "_no"]).aggregate(
        **{f"_b{k}": rows.event.max(where=rows._k == k) for k in range(1, steps + 1)},
        event=rows.event.max(where=rows._k == 0),
    )
    keys = [f"_b{k}" for k in range(steps, 0, -1)] + ["event"]
    grouped = each.group_by(keys).aggregate(
        occurrences=each.count(), people=each.person_id.nunique()
    )
    frame = grouped.to_pandas()
    columns = ["path", "occurrences", "people"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["path"] = [
        " > ".join(str(v) for v in row if v is not None and not pd.isna(v))
        for row in frame[keys].itertuples(index=False)
    ]
    frame = frame.groupby("path", as_index=False)[["occurrences", "people"]].sum()
    frame = frame.sort_values(["occurrences", "path"], ascending=[False, True])
    return frame[columns].reset_index(drop=True)
