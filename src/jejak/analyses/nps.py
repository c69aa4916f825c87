"""Net Promoter Score from survey answers, with its interval, trend and link to the journey.

Definitions:
- An answer is a touchpoint matching ``survey`` (default: the ``nps`` role) whose ``field``
  property (default ``score``) is a whole number 0-10; other values are left out.
- Each person counts once per period: their latest answer in it (so a person asked twice
  does not weigh double).
- Promoters answer 9-10, passives 7-8, detractors 0-6. NPS = % promoters - % detractors,
  from -100 to 100. Its 95% interval is the normal approximation for a difference of two
  shares of one multinomial sample: sd = sqrt((p + d - (p - d)^2) / n).
- Journey link: of each kind of answerer, the share who reached the journey's Advocate and
  Promote stages (when the journey has them) through touchpoints other than the survey
  answers, since the value journey counts a 9 or 10 itself as Advocate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import pandas as pd

from jejak.analyses import stages as stage_analyses
from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.analyses.retention import period_number, period_start
from jejak.engine.functions import json_field
from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey
from jejak.model.roles import roles_of

Z95 = 1.959963984540054
KINDS = ("promoter", "passive", "detractor")


@dataclass
class NPS(Result):
    """``table``: one row per period (the whole range first, as period ``all``)."""

    def figure(self) -> Any:
        return drawn(self)


def score_interval(promoters: int, detractors: int, answers: int) -> tuple[float, float, float]:
    """NPS (-100..100) and its 95% interval from counts."""
    if answers <= 0:
        return math.nan, math.nan, math.nan
    p, d = promoters / answers, detractors / answers
    spread = Z95 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / answers)
    score = p - d
    return 100 * score, 100 * max(score - spread, -1.0), 100 * min(score + spread, 1.0)


def nps(
    events: ibis.Table,
    journey: Journey,
    *,
    survey: Any = None,
    field: str | None = None,
    period: Literal["week", "month"] = "month",
    zone: str = "UTC",
) -> NPS:
    """NPS over everything and per period, with intervals (see the module's definitions).

    ``table`` columns: period ("all", then each period's first day), answers, promoters,
    passives, detractors, nps, ci_low, ci_high. ``meta["journey"]`` holds the stage link.
    """
    roles = roles_of(journey)
    survey = roles.step_or(survey, "nps")
    field = roles.field("nps") if field is None else field
    matcher = FunnelStep.of(survey).as_stage(journey)
    marked = with_properties(events, [matcher])
    is_answer = stage_matches(marked, matcher).fill_null(False)
    others = marked.filter(~is_answer).select(*events.columns)
    answers = marked.filter(is_answer)
    raw = json_field(answers.properties, field)
    answers = answers.mutate(score=raw.try_cast("float64"))
    answers = answers.filter(
        answers.score.notnull()
        & (answers.score >= 0)
        & (answers.score <= 10)
        & (answers.score == answers.score.floor())
    )
    answers = answers.mutate(period=period_number(answers.ts, period, zone))
    latest = ibis.row_number().over(
        group_by=[answers.person_id, answers.period],
        order_by=[ibis.desc(answers.ts), ibis.desc(answers.event_id)],
    )
    answers = answers.mutate(_latest=latest)
    answers = answers.filter(answers._latest == 0)
    kind = ibis.cases(
        (answers.score >= 9, "promoter"), (answers.score >= 7, "passive"), else_="detractor"
    )
    answers = answers.select("person_id", "period", "ts", kind=kind)
    per_period = answers.group_by(["period", "kind"]).aggregate(n=answers.count()).to_pandas()
    # over the whole range: each person's latest answer of all
    overall_rank = ibis.row_number().over(
        group_by=answers.person_id, order_by=[ibis.desc(answers.period), ibis.desc(answers.ts)]
    )
    last = answers.mutate(_r=overall_rank)
    last = last.filter(last._r == 0).select("person_id", "kind")
    overall = last.group_by("kind").aggregate(n=last.count()).to_pandas()

    rows = [_row("all", overall)]
    for number, group in per_period.groupby("period"):
        start = period_start(pd.Series([number]), period, zone).iloc[0]
        rows.append(_row(start.strftime("%Y-%m-%d"), group))
    table = pd.DataFrame(rows)
    meta = {
        "survey": FunnelStep.of(survey).label,
        "field": field,
        "period": period,
        "journey": _stage_link(others, journey, last),
    }
    return NPS(title=gettext("Net Promoter Score"), table=table, meta=meta)


def _row(period: str, counts: pd.DataFrame) -> dict[str, Any]:
    n = {k: int(counts.loc[counts["kind"] == k, "n"].sum()) for k in KINDS}
    total = sum(n.values())
    score, low, high = score_interval(n["promoter"], n["detractor"], total)
    return {
        "period": period,
        "answers": total,
        "promoters": n["promoter"],
        "passives": n["passive"],
        "detractors": n["detractor"],
        "nps": score,
        "ci_low": low,
        "ci_high": high,
    }


def _stage_link(events: ibis.Table, journey: Journey, answerers: ibis.Table) -> list[dict]:
    """Per kind of answerer, the share who reached Advocate and Promote (people with no
    other touchpoint reached neither)."""
    names = [s for s in ("Advocate", "Promote") if s in journey.stage_names]
    if not names:
        return []
    wide = stage_analyses.stage_entries(events, journey)
    flags = wide.select(
        wp=wide.person_id,
        **{
            f"_{name}": wide[stage_analyses.entered_column(journey.index_of(name))].notnull()
            for name in names
        },
    )
    joined = answerers.left_join(flags, answerers.person_id == flags.wp)
    reached = {name: joined[f"_{name}"].fill_null(False).ifelse(1.0, 0.0).mean() for name in names}
    table = joined.group_by("kind").aggregate(people=joined.count(), **reached).to_pandas()
    return table.to_dict(orient="records")
