"""The journey map's CX lanes: how each stage feels, where it hurts, and what to do next.

The lanes a customer-experience team draws under a journey map's touchpoints (the seeds'
map: actions, context and need, feelings, pain points, opportunities), filled from the
touchpoints. The columns are :class:`jejak.analyses.journey_map.JourneyLanes`'; the
definitions:

- *Feeling*: the people with a touchpoint placed in a stage (as the map places them)
  are bad when they had any bad experience while in it, else good with any good one,
  else neutral; feeling = (good - bad) / people with NPS's interval. An experience, an
  NPS answer or a rating counts in the stage the person was in just before it (as in
  :mod:`jejak.analyses.experience`: a 5-star review that enters Advocate was written
  in the stage before). NPS counts each person's latest answer in the stage once;
  stars are the mean of every rating given there (the review role's rating, 1-5).
- *Pains*: the *drop-off* is the transition with the most people who entered its stage
  and reached no later one (the share of those who entered, Wilson interval); the *bad
  experience* the experience rule, in a stage, whose people move on slowest against
  their matched peers (:func:`jejak.analyses.effectiveness.placed_effects`, enough
  people on each side, a ratio under 1); *slow* the transition with the longest median
  time from entering a stage to entering the next, among those who did.
- *Opportunities*: each transition no campaign targets (its ``from``/``to`` exactly, as
  the campaigns overview says), with the people in its stage who have not moved on;
  *stuck* audiences: people whose furthest stage it is and who entered it longer ago
  than 9 in 10 of everyone who moved on from it took (top 3 by people); *under-reached*
  touchpoints: those that help people move on (interval above 1) that under half the
  people in the stage had (top 3 by the people who did not).
- *Personas*: per map, its people, their most common first-touch channel, source and
  need, the stage most got to, how many bought and for how much, the behavioural cluster
  most of them are in (:mod:`jejak.analyses.clusters`, fitted once on everyone the map
  is of, so its numbers are the clusters analysis's) with its share of the map's people
  and its description, and the next cluster too when that one has under half of them;
  and the segment's description when it has one. Clusters are left out when there is
  only one (three people or fewer, or all alike) or none (nobody to cluster).

Every lane is split like the map (``group``: the map's ``by`` value, ``""`` unsplit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.clusters import Clusters
from jejak.analyses.effectiveness import placed_effects
from jejak.analyses.experience import with_experience
from jejak.analyses.intervals import wilson
from jejak.analyses.matching import rule_matches, stage_matches, with_properties
from jejak.analyses.nps import score_interval
from jejak.analyses.stages import (
    MICROSECONDS_PER_DAY,
    NONE_LABEL,
    RECENT_DAYS,
    days_to_next,
    entered_column,
    is_stuck,
    stages_visited,
    usual_days_to_next,
)
from jejak.engine.functions import json_field, unix_micros
from jejak.engine.plans import remembered
from jejak.language import N_, amount, gettext, localised, ngettext
from jejak.language import stage as stage_word
from jejak.model.campaign import Campaign
from jejak.model.experience import ExperienceRule
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey, Stage, describe_rules
from jejak.model.roles import roles_of

TOP = 3  # stuck audiences and under-reached touchpoints kept per map
PERSONA_FIELDS = ("channel", "source", "need")
FEELING = ["stage", "stage_index", "people", "good", "neutral", "bad", "feeling"]
FEELING += ["feeling_low", "feeling_high", "nps", "nps_low", "nps_high", "nps_answers"]
FEELING += ["stars", "stars_answers"]
FINDINGS = ["kind", "stage", "to_stage", "what", "people", "value", "low", "high", "detail"]
# the columns the lanes read from the placed touchpoints (keep these in a cache), with
# :func:`signal_id`
READ = ["person_id", "ts", "event", "stage_index", "current_index", "stage_before"]
READ += ["experience", "_bad_rule", "_nps", "_stars"]
# the touchpoints the feeling lane counts in the stage before them (the only ones it
# reads ``stage_before`` of)
SIGNALS = ibis._.experience.notnull() | ibis._._nps.notnull() | ibis._._stars.notnull()
BAD_MARK = "(bad experience) "  # an experience rule among the touchpoints weighed with it
SIGNS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "in": "in"}


def signal_id(touchpoints: ibis.Table) -> ibis.Value:
    """The event_id of a touchpoint with a signal (:data:`SIGNALS`), NULL on the rest: the
    feeling lane tells answers at the same time apart by it, and reads no other."""
    signalled = SIGNALS.resolve(touchpoints)
    return ibis.ifelse(signalled, touchpoints.event_id, ibis.null("string"))


def rule_label(rule: ExperienceRule) -> str:
    """An experience rule in words: ``support_ticket (resolved = false)``."""
    text = describe_rules(Stage(name="rule", rules=[rule.model_copy(update={"where": {}})]))
    tests = [
        f"{key} {SIGNS[op]} {_operand(value)}"
        for key, condition in rule.where.items()
        for op, value in condition.tests()
    ]
    return f"{text} ({', '.join(tests)})" if tests else text


def _operand(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_operand(v) for v in value) + "]"
    return str(value)


def with_lane_columns(
    events: ibis.Table, journey: Journey, rules: Sequence[ExperienceRule]
) -> ibis.Table:
    """Touchpoints with what the lanes read: ``experience`` (good, neutral, bad or NULL),
    ``_bad_rule`` (the label of the rule that made it bad), ``_nps`` (the answer on a
    touchpoint of the NPS role), ``_stars`` (the rating on one of the review role) and
    ``_bought`` (a purchase of the purchase role). Only these rules are tested on the
    result (not the stages'): a property is read only where a rule names it."""
    roles = roles_of(journey)
    steps = {name: FunnelStep.of(roles.step(name)).as_stage(journey) for name in _ROLES}
    matchers = [Stage(name=f"r{i}", rules=[rule]) for i, rule in enumerate(rules)]
    tested = [*steps.values(), *matchers]
    marked = with_experience(with_properties(events, tested, only_these=True), rules)
    # the first rule a touchpoint matches gives its verdict: the bad one names the rule
    # (looked for on the bad experiences alone)
    verdicts = [
        (rule_matches(marked, rule), ibis.literal(label if rule.is_ == "bad" else None, "string"))
        for rule, label in zip(rules, _labels(rules), strict=True)
    ]
    bad = ibis.null("string")
    if rules:
        named = ibis.cases(*verdicts, else_=ibis.null("string"))
        bad = ibis.ifelse(marked.experience == "bad", named, ibis.null("string"))

    def read(role: str) -> ibis.Value:
        """The role's value, parsed on its own touchpoints only."""
        value = json_field(marked.properties, roles.field(role)).try_cast("float64")
        return ibis.ifelse(stage_matches(marked, steps[role]), value, ibis.null("float64"))

    return marked.mutate(
        _bad_rule=bad.cast("string"),
        _nps=read("nps"),
        _stars=read("review"),
        _bought=stage_matches(marked, steps["purchase"]).fill_null(False),
    )


_ROLES = ("nps", "review", "purchase")


def _labels(rules: Sequence[ExperienceRule]) -> list[str]:
    """Each rule's label, numbered when two rules read the same."""
    labels = [rule_label(rule) for rule in rules]
    return [
        f"{label} #{i + 1}" if labels.count(label) > 1 else label for i, label in enumerate(labels)
    ]


def journey_lanes(
    touchpoints: ibis.Table,
    people: ibis.Table,
    wide: ibis.Table,
    journey: Journey,
    *,
    groups: ibis.Table | None,
    rules: Sequence[ExperienceRule],
    campaigns: Mapping[str, Campaign],
    as_of: datetime | None,
    min_people: int,
    descriptions: Mapping[str, str | None],
    by: str | None = None,
    currency: str | None = None,
    clusters: Clusters | None = None,
) -> dict[str, Any]:
    """The lanes (see the module) as the fields of ``JourneyLanes``, with a ``group``
    column first in each frame. ``touchpoints``: every touchpoint
    :func:`with_lane_columns`; ``people``: those :func:`placed` (with the stage before
    on :data:`SIGNALS`), kept with the columns of :data:`READ` and ``_signal_id``
    (:func:`signal_id`); ``wide``: their people's :func:`stage_entries` with ids and
    :func:`with_current_stage`, kept; ``groups``: person_id and ``group``, kept (None:
    one map of everyone), the first touch's ``by`` field or not;
    ``currency``: the shop's, for the personas' spend (None: a plain number);
    ``clusters``: the behavioural clusters of these people, named in the personas (None:
    not named)."""
    names = journey.stage_names
    if as_of is None:
        as_of = touchpoints.ts.max().to_pyarrow().as_py()
    moves = _moves(wide, groups, len(names), as_of)
    feeling = _feeling(people, wide, journey, groups)
    bad, helps = _effects(people, journey, groups, wide, min_people)
    # a map split by a first-touch field says nothing new of it in its persona
    fields = [field for field in PERSONA_FIELDS if field != by]
    personas = _personas(
        touchpoints, wide, groups, journey, descriptions, fields, currency, clusters
    )
    pains, opportunities = [], []
    aimed = {(c.target.from_, c.target.to) for c in campaigns.values()}
    for group, row in moves.iterrows():
        pains += _pains(group, row, bad, names)
        opportunities += _opportunities(group, row, helps, names, aimed)
    pains = pd.DataFrame(pains, columns=["group", *FINDINGS])
    opportunities = pd.DataFrame(opportunities, columns=["group", *FINDINGS, "recent"])
    reasons = _reasons(feeling, pains, rules, campaigns, min_people)
    return {
        "feeling": feeling,
        "pains": pains,
        "opportunities": opportunities,
        "personas": personas,
        "reasons": reasons,
    }


def _effects(
    people: ibis.Table,
    journey: Journey,
    groups: ibis.Table | None,
    wide: ibis.Table,
    min_people: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The effect of each bad experience rule (``_bad_rule``) and of each touchpoint
    (``event``) on moving on, per group and stage (see
    :func:`jejak.analyses.effectiveness.placed_effects`)."""
    effects = placed_effects(
        _touches(people),
        journey,
        by="_touch",
        min_people=min_people,
        groups=groups,
        wide=wide,
    ).table
    if groups is None:
        effects.insert(0, "group", "")
    marked = effects["_touch"].str.startswith(BAD_MARK)
    bad = effects[marked].assign(_bad_rule=effects["_touch"].str.removeprefix(BAD_MARK))
    return bad, effects[~marked].rename(columns={"_touch": "event"})


@remembered
def _touches(people: ibis.Table) -> ibis.Table:
    """The touchpoints and the bad experiences, as touches (``_touch``) of their own."""
    # both are weighed against the same time in the stages: in one pass, the bad
    # experiences beside the touchpoints, told apart by a mark no touchpoint name starts with
    columns = ["person_id", "ts", "stage_index"]
    touches = people.select(*columns, _touch=people.event)
    bad = people.filter(people._bad_rule.notnull())
    return ibis.union(touches, bad.select(*columns, _touch=BAD_MARK + bad._bad_rule))


def _grouped(table: ibis.Table, groups: ibis.Table | None) -> ibis.Table:
    """``table`` with each person's ``group`` (a row per group they are in)."""
    if groups is None:
        return table.mutate(group=ibis.literal("", "string"))
    return table.join(groups, "person_id")


def _days(later: ibis.Value, earlier: ibis.Value) -> ibis.Value:
    return (unix_micros(later) - unix_micros(earlier)) / MICROSECONDS_PER_DAY


def _moves(
    wide: ibis.Table, groups: ibis.Table | None, n: int, as_of: datetime | None
) -> pd.DataFrame:
    """Per group and stage i but the last: reached_i, stopped_i (reached it, no later
    one), moved_i (entered the next at or after it), median_i (their median days),
    stuck_i (stopped there longer than everyone's 90th percentile, usual_i, of days to
    the next) and recent_i (of them, past it within the last :data:`RECENT_DAYS`). One
    row per group, indexed by it: small, so it comes into Python here."""

    usual = _usual_query(wide, n).to_pyarrow().to_pylist()[0]
    when = pd.Timestamp(as_of) if as_of is not None else None
    if when is not None:
        when = when.tz_convert("UTC") if when.tz else when.tz_localize("UTC")
    limits = tuple(usual[f"usual_{i}"] for i in range(n - 1))
    frame = _moves_query(wide, groups, limits, when).to_pyarrow().to_pandas()
    for i in range(n - 1):
        frame[f"usual_{i}"] = usual[f"usual_{i}"]
        for count in (f"stuck_{i}", f"recent_{i}"):
            if count not in frame:
                frame[count] = 0
    counts = [
        c
        for c in frame.columns
        if c.split("_")[0] in ("reached", "stopped", "moved", "stuck", "recent")
    ]
    # Spark counts nothing as NULL
    frame[counts] = frame[counts].fillna(0).astype("int64")
    return frame.sort_values("group").set_index("group")


@remembered
def _usual_query(wide: ibis.Table, n: int) -> ibis.Table:
    """Each stage's usual time to move on, in one row (``usual_<i>``)."""
    # the usual time in a stage is everyone's, so each map's stuck people are its own
    # people who take longer than the shop's people do, not than their own group; it is
    # the overview's (stage funnel's) p90_days_to_next, so both count the same stuck
    return wide.aggregate(**{f"usual_{i}": usual_days_to_next(wide, i) for i in range(n - 1)})


@remembered
def _moves_query(
    wide: ibis.Table,
    groups: ibis.Table | None,
    usual: tuple[float | None, ...],
    when: pd.Timestamp | None,
) -> ibis.Table:
    """:func:`_moves`'s counts per group, given each stage's ``usual`` time and the
    moment stuck time ends (``when``: None, nobody is stuck)."""
    at = _grouped(wide, groups)
    now = ibis.literal(when, "timestamp('UTC')") if when is not None else None
    aggregates: dict[str, ibis.Value] = {"people": at.count()}
    for i, limit in enumerate(usual):
        reached = at[entered_column(i)].notnull()
        days, forward = days_to_next(at, i)
        aggregates[f"reached_{i}"] = at.count(where=reached)
        stopped = reached & (at.current_index == i)
        aggregates[f"stopped_{i}"] = at.count(where=stopped)
        aggregates[f"moved_{i}"] = at.count(where=forward)
        aggregates[f"median_{i}"] = days.quantile(0.5, where=forward)
        if limit is not None and now is not None:
            waited = _days(now, at[entered_column(i)])
            aggregates[f"stuck_{i}"] = at.count(where=stopped & is_stuck(waited, limit))
            recently = is_stuck(waited, limit, RECENT_DAYS)
            aggregates[f"recent_{i}"] = at.count(where=stopped & recently)
    return at.group_by("group").aggregate(**aggregates)


@remembered
def _feeling_queries(
    people: ibis.Table, wide: ibis.Table, journey: Journey, groups: ibis.Table | None
) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    """:func:`_feeling`'s people, NPS answers and stars per group and stage (``s``)."""
    # the people with a touchpoint placed in each stage, read off their entries
    visited = _grouped(stages_visited(wide, journey), groups)
    present = visited.select("group", "person_id", s=visited.stage_index)
    at = _grouped(people, groups)
    # experiences, answers and ratings count in the stage the person was in just before
    given = at.filter(at.stage_before >= 0)
    signals = given.filter(given.experience.notnull())
    felt = signals.group_by(["group", "person_id", signals.stage_before.name("s")]).aggregate(
        _bad=signals.count(where=signals.experience == "bad"),
        _good=signals.count(where=signals.experience == "good"),
    )
    each = present.left_join(felt, ["group", "person_id", "s"])
    bad = each._bad.fill_null(0) > 0
    good = ~bad & (each._good.fill_null(0) > 0)
    counts = each.group_by(["group", "s"]).aggregate(
        people=each.count(), good=each.count(where=good), bad=each.count(where=bad)
    )
    # NPS answers are whole numbers 0-10 (as :mod:`jejak.analyses.nps` reads them), and
    # stars 1-5 (as :mod:`jejak.analyses.reviews` does)
    score = given._nps
    answers = given.filter(score.notnull() & score.between(0, 10) & (score == score.floor()))
    latest = ibis.row_number().over(
        group_by=[answers.group, answers.person_id, answers.stage_before],
        order_by=[ibis.desc(answers.ts), ibis.desc(answers._signal_id)],
    )
    answers = answers.mutate(_latest=latest)
    answers = answers.filter(answers._latest == 0)
    nps = answers.group_by(["group", answers.stage_before.name("s")]).aggregate(
        nps_answers=answers.count(),
        _promoters=answers.count(where=answers._nps >= 9),
        _detractors=answers.count(where=answers._nps <= 6),
    )
    rated = given.filter(given._stars.notnull() & given._stars.between(1, 5))
    stars = rated.group_by(["group", rated.stage_before.name("s")]).aggregate(
        stars=rated._stars.mean(), stars_answers=rated.count()
    )
    return counts, nps, stars


def _feeling(
    people: ibis.Table, wide: ibis.Table, journey: Journey, groups: ibis.Table | None
) -> pd.DataFrame:
    """Per group and stage: people, good, neutral, bad, feeling, NPS and stars."""
    names = journey.stage_names
    counts, nps, stars = _feeling_queries(people, wide, journey, groups)
    # a row per group and stage: small, so they come into Python here
    frame = counts.to_pandas()
    for part in (nps.to_pandas(), stars.to_pandas()):
        frame = frame.merge(part, on=["group", "s"], how="left")
    for column in ("people", "good", "bad", "nps_answers", "_promoters", "_detractors"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["stars_answers"] = frame["stars_answers"].fillna(0).astype("int64")
    frame["neutral"] = frame["people"] - frame["good"] - frame["bad"]
    # feeling is scored as NPS is: the good as promoters, the bad as detractors (-1..1)
    feeling = _scored(frame, "good", "bad", "people")
    frame["feeling"], frame["feeling_low"], frame["feeling_high"] = feeling / 100
    nps = _scored(frame, "_promoters", "_detractors", "nps_answers")
    frame["nps"], frame["nps_low"], frame["nps_high"] = nps
    frame["stage"] = [names[int(s)] for s in frame["s"]]
    frame["stage_index"] = frame["s"].astype("int64") + 1
    frame = frame.sort_values(["group", "stage_index"]).reset_index(drop=True)
    return frame[["group", *FEELING]]


def _scored(frame: pd.DataFrame, plus: str, minus: str, of: str) -> Any:
    """:func:`score_interval` of each row's counts, as three arrays (score, low, high)."""
    rows = zip(frame[plus], frame[minus], frame[of], strict=True)
    return np.array([score_interval(p, m, n) for p, m, n in rows]).reshape(-1, 3).T


def _finding(group: str, kind: str, names: list[str], i: int, **fields: Any) -> dict[str, Any]:
    nan = float("nan")
    row = {"group": group, "kind": kind, "stage": names[i], "to_stage": names[i + 1]}
    return row | {"what": None, "low": nan, "high": nan} | fields


def _share(k: int, n: int) -> tuple[float, float, float]:
    low, high = wilson(k, n)
    return k / n, low, high


def _people(count: int) -> str:
    return ngettext("{count} person", "{count} people", count).format(count=localised(f"{count:,}"))


def _pains(group: str, row: pd.Series, bad: pd.DataFrame, names: list[str]) -> list[dict]:
    """The biggest drop-off, the worst bad experience and the slowest transition."""
    found = []
    last = len(names) - 1
    stopped = [int(row[f"stopped_{i}"]) for i in range(last)]
    if stopped and max(stopped) > 0:
        i = stopped.index(max(stopped))
        reached = int(row[f"reached_{i}"])
        value, low, high = _share(stopped[i], reached)
        detail = gettext(
            "{people} of the {reached} who entered {stage} went no further ({share})"
        ).format(
            people=_people(stopped[i]),
            reached=localised(f"{reached:,}"),
            stage=stage_word(names[i]),
            share=localised(f"{value:.0%}"),
        )
        found.append(
            _finding(group, "drop_off", names, i, people=stopped[i], value=value, low=low)
            | {"high": high, "detail": detail}
        )
    if not bad.empty:
        mine = bad[(bad["group"] == group) & (bad["verdict"] != "too few people")]
        mine = mine[mine["rate_ratio"] < 1]
        if not mine.empty:
            worst = mine.sort_values(["rate_ratio", "people_with"], ascending=[True, False])
            worst = worst.iloc[0]
            i = int(worst["stage_index"]) - 1
            detail = gettext(
                "after {what} in {stage}, people moved on to {next} at {ratio} times the pace"
                " of peers at the same time in the stage without it (95% interval {low} to"
                " {high}); {people} had it"
            ).format(
                what=worst["_bad_rule"],
                stage=stage_word(names[i]),
                next=stage_word(names[i + 1]),
                ratio=localised(f"{worst['rate_ratio']:.2f}"),
                low=localised(f"{worst['ci_low']:.2f}"),
                high=localised(f"{worst['ci_high']:.2f}"),
                people=_people(int(worst["people_with"])),
            )
            found.append(
                _finding(group, "bad_experience", names, i, what=worst["_bad_rule"])
                | {
                    "people": int(worst["people_with"]),
                    "value": float(worst["rate_ratio"]),
                    "low": float(worst["ci_low"]),
                    "high": float(worst["ci_high"]),
                    "detail": detail,
                }
            )
    medians = [
        (float(row[f"median_{i}"]), i)
        for i in range(last)
        if int(row[f"moved_{i}"]) > 0 and pd.notna(row[f"median_{i}"])
    ]
    if medians:
        days, i = max(medians, key=lambda m: (m[0], -m[1]))
        moved = int(row[f"moved_{i}"])
        detail = gettext(
            "half of the {people} who moved on from {stage} to {next} took {days} days or more"
        ).format(
            people=_people(moved),
            stage=stage_word(names[i]),
            next=stage_word(names[i + 1]),
            days=localised(f"{days:,.1f}"),
        )
        found.append(_finding(group, "slow", names, i, people=moved, value=days, detail=detail))
    return found


def _opportunities(
    group: str,
    row: pd.Series,
    helps: pd.DataFrame,
    names: list[str],
    aimed: set[tuple[str, str]],
) -> list[dict]:
    """Untargeted transitions, stuck audiences and under-reached touchpoints."""
    found = []
    last = len(names) - 1
    for i in range(last):
        stopped, reached = int(row[f"stopped_{i}"]), int(row[f"reached_{i}"])
        if (names[i], names[i + 1]) in aimed or stopped == 0:
            continue
        value, low, high = _share(stopped, reached)
        detail = gettext(
            "no campaign targets {stage} → {next}: {people} in {stage} have not moved on ({share})"
        ).format(
            stage=stage_word(names[i]),
            next=stage_word(names[i + 1]),
            people=_people(stopped),
            share=localised(f"{value:.0%}"),
        )
        found.append(
            _finding(group, "untargeted", names, i, people=stopped, value=value, low=low)
            | {"high": high, "detail": detail}
        )
    stuck = [(int(row[f"stuck_{i}"]), i) for i in range(last) if int(row[f"stuck_{i}"]) > 0]
    for count, i in sorted(stuck, key=lambda s: (-s[0], s[1]))[:TOP]:
        usual, recent = float(row[f"usual_{i}"]), int(row[f"recent_{i}"])
        detail = gettext(
            "{people} have been in {stage} longer than {days} days, when 9 in 10 who moved on"
            " did so sooner ({recent} of them passed it in the last {within} days): an audience"
            " for a campaign towards {next}"
        ).format(
            people=_people(count),
            stage=stage_word(names[i]),
            days=localised(f"{usual:,.1f}"),
            recent=localised(f"{recent:,}"),
            within=localised(f"{RECENT_DAYS:,.0f}"),
            next=stage_word(names[i + 1]),
        )
        found.append(
            _finding(group, "stuck", names, i, people=count, value=usual, detail=detail)
            | {"recent": recent}
        )
    if not helps.empty:
        mine = helps[(helps["group"] == group) & (helps["verdict"] == "helps")]
        total = mine["people_with"] + mine["people_without"]
        mine = mine[mine["people_with"] < total / 2]
        mine = mine.sort_values(
            ["people_without", "stage_index", "event"], ascending=[False, True, True]
        )
        for _, effect in mine.head(TOP).iterrows():
            i = int(effect["stage_index"]) - 1
            everyone = int(effect["people_with"] + effect["people_without"])
            detail = gettext(
                "{what} in {stage}: those who had it moved on {ratio} times as fast (95% interval"
                " {low} to {high}), yet only {share} of the {everyone} in the stage had it"
            ).format(
                what=effect["event"],
                stage=stage_word(names[i]),
                ratio=localised(f"{effect['rate_ratio']:.2f}"),
                low=localised(f"{effect['ci_low']:.2f}"),
                high=localised(f"{effect['ci_high']:.2f}"),
                share=localised(f"{effect['people_with'] / everyone:.0%}"),
                everyone=_people(everyone),
            )
            found.append(
                _finding(group, "under_reached", names, i, what=effect["event"])
                | {
                    "people": int(effect["people_without"]),
                    "value": float(effect["rate_ratio"]),
                    "low": float(effect["ci_low"]),
                    "high": float(effect["ci_high"]),
                    "detail": detail,
                }
            )
    return found


@remembered
def _persona_queries(
    touchpoints: ibis.Table,
    wide: ibis.Table,
    groups: ibis.Table | None,
    fields: tuple[str, ...],
) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    """:func:`_personas`'s counts per group: of each first-touch field's values, of the
    people per current stage, and of the people, buyers and their revenue."""
    # each person's first touchpoint's fields, kept with their stage entries; every
    # field's values in one query
    first = wide.select(
        "person_id", **{f: wide[f"first_{f}"].fill_null(NONE_LABEL) for f in fields}
    )
    first = _grouped(first, groups)
    values = ibis.union(
        *[
            first.select("group", _field=ibis.literal(field), _value=first[field])
            for field in fields
        ]
    )
    counted = values.group_by(["group", "_field", "_value"]).aggregate(n=values.count())
    current = _grouped(wide, groups)
    stages = current.group_by(["group", "current_index"]).aggregate(n=current.count())
    bought = touchpoints.group_by("person_id").aggregate(
        _bought=touchpoints._bought.any(),
        _revenue=touchpoints.revenue.sum(where=touchpoints._bought),
    )
    bought = _grouped(bought, groups)
    money = bought.group_by("group").aggregate(
        buyers=bought.count(where=bought._bought),
        revenue=bought._revenue.sum(),
        people=bought.count(),
    )
    return counted, stages, money


def _personas(
    touchpoints: ibis.Table,
    wide: ibis.Table,
    groups: ibis.Table | None,
    journey: Journey,
    descriptions: Mapping[str, str | None],
    fields: list[str],
    currency: str | None = None,
    clusters: Clusters | None = None,
) -> dict[str, str]:
    """Per group, who its people are, in words (see the module), from the first touch's
    ``fields`` (of :data:`PERSONA_FIELDS`) and the behavioural ``clusters``."""
    names = journey.stage_names
    behaviour = _in_clusters(clusters, groups)
    # a few rows per group and value, stage, or in all: small, so they come into Python here
    counted, stages, money = _persona_queries(touchpoints, wide, groups, tuple(fields))
    counted, stages = counted.to_pandas(), stages.to_pandas()
    touches = {
        field: counted[counted["_field"] == field].rename(columns={"_value": field})
        for field in fields
    }
    money = money.to_pandas().set_index("group")
    personas = {}
    for group in sorted(money.index):
        count = int(money.loc[group, "people"])
        parts = [_people(count)]
        for field, words in (
            ("channel", N_("most first came through {value} ({share})")),
            ("source", N_("from {value} ({share})")),
            ("need", N_("need: mostly {value} ({share})")),
        ):
            if field not in touches:
                continue
            frame = touches[field]
            frame = frame[(frame["group"] == group) & (frame[field] != NONE_LABEL)]
            if frame.empty:
                continue
            top = frame.sort_values(["n", field], ascending=[False, True]).iloc[0]
            share = localised(f"{int(top['n']) / count:.0%}")
            parts.append(gettext(words).format(value=top[field], share=share))
        mine = stages[(stages["group"] == group) & (stages["current_index"] >= 0)]
        if not mine.empty:
            top = mine.sort_values(["n", "current_index"], ascending=[False, True]).iloc[0]
            parts.append(
                gettext("most got as far as {stage} ({share})").format(
                    stage=stage_word(names[int(top["current_index"])]),
                    share=localised(f"{int(top['n']) / count:.0%}"),
                )
            )
        buyers = money.loc[group, "buyers"]
        buyers = 0 if pd.isna(buyers) else int(buyers)  # Spark counts nothing as NULL
        if buyers:
            revenue = money.loc[group, "revenue"]
            average = float(revenue) / buyers if pd.notna(revenue) else 0.0
            parts.append(
                gettext("{share} bought, {amount} each on average").format(
                    share=localised(f"{buyers / count:.0%}"),
                    amount=amount(average, currency) if currency else localised(f"{average:,.0f}"),
                )
            )
        else:
            parts.append(gettext("nobody bought yet"))
        if behaviour is not None and clusters is not None:
            mine = behaviour[behaviour["group"] == group]
            parts += _clusters_said(mine, clusters.table, count)
        text = "; ".join(parts) + "."
        description = descriptions.get(group)
        personas[group] = f"{description.rstrip('.')}. {text}" if description else text
    return personas


def _in_clusters(clusters: Clusters | None, groups: ibis.Table | None) -> pd.DataFrame | None:
    """People per group and behavioural cluster (``group``, ``cluster``, ``n``); None when
    there is nothing to name (no clusters, or one: everyone)."""
    if clusters is None or clusters.people is None or len(clusters.table) < 2:
        return None
    people = clusters.people[["person_id", "cluster"]].astype({"person_id": str})
    if groups is None:
        found = people.assign(group="")
    else:
        # a row per person and group: no more than the clusters' people, already in Python
        members = groups.select("person_id", "group").to_pandas()
        found = members.astype({"person_id": str}).merge(people, on="person_id")
    return found.groupby(["group", "cluster"]).size().rename("n").reset_index()


def _clusters_said(mine: pd.DataFrame, table: pd.DataFrame, count: int) -> list[str]:
    """The cluster most of a group's ``count`` people are in (``mine``: its people per
    cluster), with its share of them and its description from the clusters' ``table``;
    and the next one too when the first has under half of them (none: nobody in one)."""
    if mine.empty:
        return []
    mine = mine.sort_values(["n", "cluster"], ascending=[False, True]).head(2)
    said = dict(zip(table["cluster"].astype(int), table["description"], strict=True))
    named = [
        {
            "cluster": str(int(cluster)),
            "share": localised(f"{int(n) / count:.0%}"),
            "description": said[int(cluster)],
        }
        for cluster, n in zip(mine["cluster"], mine["n"], strict=True)
    ]
    if len(named) == 1 or int(mine["n"].iloc[0]) * 2 >= count:
        return [
            gettext("{share} in behavioural cluster {cluster} ({description})").format(**named[0])
        ]
    first, other = named
    return [
        gettext(
            "{share} in behavioural cluster {cluster} ({description}) and {other_share} in"
            " cluster {other} ({other_description})"
        ).format(
            **first,
            other=other["cluster"],
            other_share=other["share"],
            other_description=other["description"],
        )
    ]


def _reasons(
    feeling: pd.DataFrame,
    pains: pd.DataFrame,
    rules: Sequence[ExperienceRule],
    campaigns: Mapping[str, Campaign],
    min_people: int,
) -> dict[str, str]:
    """Per lane, why it is empty (or part of it is) and what to set."""
    reasons: dict[str, list[str]] = {}
    if not rules:
        reasons.setdefault("feeling", []).append(
            gettext("no experience rules in jejak.yaml: add some (experience: ...) to see feelings")
        )
    elif not (feeling["good"].sum() + feeling["bad"].sum()):
        reasons.setdefault("feeling", []).append(
            gettext(
                "no touchpoint matched a rule under 'experience:' in jejak.yaml (reviews, NPS"
                " answers, support tickets, failed payments...), so everyone reads neutral"
            )
        )
    if not feeling["nps_answers"].sum():
        reasons.setdefault("feeling", []).append(
            gettext("no NPS answers: name your survey under 'roles: nps' (events and score field)")
        )
    if not feeling["stars_answers"].sum():
        reasons.setdefault("feeling", []).append(
            gettext("no review stars: name your reviews under 'roles: review' (events and rating)")
        )
    if not (pains["kind"] == "bad_experience").any():
        reasons.setdefault("pains", []).append(
            gettext("no bad experience to weigh: add rules with 'is: bad' under 'experience:'")
            if not any(rule.is_ == "bad" for rule in rules)
            else gettext(
                "no bad experience clearly slows people down: none had at least {count} people"
                " with it and {count} without in a stage, or people moved on as fast after it"
            ).format(count=localised(f"{min_people:,}"))
        )
    if not campaigns:
        reasons.setdefault("opportunities", []).append(
            gettext(
                "no campaigns in jejak.yaml, so every transition is untargeted: add campaigns"
                " under 'campaigns:', each with the transition it targets (target: from, to)"
            )
        )
    return {lane: "; ".join(sentences) for lane, sentences in reasons.items()}
