"""Result tables formatted for people (shared by the CLI and the HTML report)."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from jejak.analyses.effectiveness import MIN_PEOPLE
from jejak.analyses.paths import GOAL_FIRST, OTHER
from jejak.language import N_, NP_, localised, pgettext, stage
from jejak.language import gettext as _
from jejak.report import formatting as fmt

# The verdicts the analyses keep in their data and JSON, shown in the reader's language
VERDICTS = (
    NP_("verdict", "helps"),
    NP_("verdict", "hurts"),
    NP_("verdict", "unclear"),
    NP_("verdict", "too few people"),
    NP_("verdict", "reached nobody in the target stage"),
    NP_("verdict", "too few people to tell"),
    NP_("verdict", "moved nobody"),
    NP_("verdict", "moved its audience"),
    NP_("verdict", "held its audience back"),
    NP_("verdict", "no lift detected"),
    NP_("verdict", "no campaign"),
    NP_("verdict", "drives"),
    NP_("verdict", "holds back"),
)


def verdict(word: Any) -> Any:
    """An analysis's verdict as people read it (missing values stay as they are)."""
    return pgettext("verdict", word) if isinstance(word, str) else word


# the engagement groups, kept in English in data and in saved segments
ENGAGEMENT_GROUPS = (
    NP_("engagement", "follows content"),
    NP_("engagement", "transactional only"),
)


def engagement_group(name: Any) -> Any:
    """An engagement group's name as people read it."""
    return pgettext("engagement", name) if isinstance(name, str) else name


# The paths' own words, kept in English in their data, JSON and saved segments
PATH_WORDS = {OTHER: NP_("path", "other"), GOAL_FIRST: NP_("path", "(goal first)")}


def path_touchpoint(name: Any) -> Any:
    """A touchpoint of a path, or a whole path, as people read it: the rare touchpoints
    grouped as ``other`` and the path of those whose goal came first in their language.
    A touchpoint really named "other" shares the group's node, and its name, as it did."""
    return pgettext("path", name) if isinstance(name, str) and name in PATH_WORDS else name


# a transition as the analyses keep it in their data and JSON ("Subscribe -> Convert"),
# or as it is shown (with the arrow the rest of the product draws)
_ARROWS = re.compile(r" (?:->|→) ")


def transition_stages(text: Any) -> list[str]:
    """The stages of a transition, ``Subscribe -> Convert`` or ``Subscribe → Convert``."""
    return _ARROWS.split(str(text))


def transition(text: Any) -> str:
    """A transition as people read it, ``Subscribe → Convert``, the stages in their language."""
    return " → ".join(stage(part) for part in transition_stages(text))


def funnel_table(table: pd.DataFrame) -> pd.DataFrame:
    """The stage funnel with people-readable numbers and headings."""
    return fmt.format_table(table, fmt.STAGE_COLUMNS)


def funnel_steps_table(table: pd.DataFrame) -> pd.DataFrame:
    """Funnel steps with people-readable numbers and durations."""
    return pd.DataFrame(
        {
            _("Step"): [
                f"{s}. {stage(label)}"  # a preset stage's step in the page's language
                for s, label in zip(table["step"], table["label"], strict=True)
            ],
            _("Entered"): table["entered"].map(fmt.people),
            _("Of step 1"): table["conversion_from_first"].map(fmt.percent),
            _("Conversion to next"): table["conversion_to_next"].map(fmt.percent),
            _("Drop-off"): table["drop_off"].map(fmt.percent),
            _("Median time to next"): table["median_seconds_to_next"].map(fmt.duration),
            _("90th pct time"): table["p90_seconds_to_next"].map(fmt.duration),
        }
    )


def transitions_table(table: pd.DataFrame) -> pd.DataFrame:
    """Process-map transitions with people-readable numbers and durations."""
    return pd.DataFrame(
        {
            _("From"): table["source"].map(_ends),
            _("To"): table["target"].map(_ends),
            _("Times"): table["transitions"].map(fmt.people),
            _("People"): table["people"].map(fmt.people),
            _("Share of From's next steps"): table["share_of_source"].map(fmt.percent),
            _("Median time between"): table["median_seconds"].map(fmt.duration),
        }
    )


def top_paths_table(table: pd.DataFrame) -> pd.DataFrame:
    """Top paths to a goal with people-readable numbers."""
    return pd.DataFrame(
        {
            _("Path"): table["path"].map(path_touchpoint),
            _("People"): table["people"].map(fmt.people),
            _("Reached the goal"): table["converters"].map(fmt.people),
            _("Conversion"): table["conversion"].map(fmt.percent),
            _("Median time to goal"): table["median_seconds_to_goal"].map(fmt.duration),
        }
    )


def journey_map_table(table: pd.DataFrame) -> pd.DataFrame:
    """A journey map as rows: stage, touchpoint, people, moved on, context and need."""

    def why(row: pd.Series) -> str:
        parts = [row[k] for k in ("top_context", "top_need") if isinstance(row[k], str)]
        return " / ".join(parts) or fmt.MISSING

    return pd.DataFrame(
        {
            _("Stage"): table["stage"].map(stage),
            _("Touchpoint"): table["touchpoint"],
            _("People"): table["people"].map(fmt.people),
            _("Moved on"): table["moved_on"].map(fmt.percent),
            _("Context / need"): table.apply(why, axis=1) if len(table) else [],
            _("Rating"): table["rating"].map(lambda v: fmt.number(v, 1)),
        }
    )


def journey_feeling_table(feeling: pd.DataFrame) -> pd.DataFrame:
    """A journey map's feeling lane as rows: per stage, its people, how many had a good,
    neutral or bad experience there, the feeling score (per 100 people) with its 95%
    interval, and the NPS and stars given there with how many gave them."""

    def score(row: pd.Series) -> str:
        said = fmt.feeling_score(row["feeling"])
        if fmt.is_missing(row["feeling_low"]) or fmt.is_missing(row["feeling_high"]):
            return said
        return _("{score} ({low} to {high})").format(
            score=said,
            low=fmt.feeling_score(row["feeling_low"]),
            high=fmt.feeling_score(row["feeling_high"]),
        )

    def given(value: Any, count: Any, digits: int) -> str:
        if fmt.is_missing(value):
            return fmt.MISSING
        return f"{fmt.number(value, digits)} ({fmt.people(count)})"

    rows = [r for _, r in feeling.iterrows()]
    return pd.DataFrame(
        {
            _("Stage"): [stage(str(r["stage"])) for r in rows],
            _("People"): [fmt.people(r["people"]) for r in rows],
            _("Good"): [fmt.people(r["good"]) for r in rows],
            _("Neutral"): [fmt.people(r["neutral"]) for r in rows],
            _("Bad"): [fmt.people(r["bad"]) for r in rows],
            _("Feeling (95%)"): [score(r) for r in rows],
            _("NPS (answers)"): [given(r["nps"], r["nps_answers"], 0) for r in rows],
            _("Stars (reviews)"): [given(r["stars"], r["stars_answers"], 1) for r in rows],
        }
    )


def journey_lane_table(cards: pd.DataFrame) -> pd.DataFrame:
    """A journey map's pain points or opportunities as rows: what kind, where (a stage
    or a step between two), the touchpoint or experience, the sentence, and people."""
    from jejak.report.wall_lanes import KINDS, transition

    rows = list(cards.itertuples(index=False))
    return pd.DataFrame(
        {
            _("Kind"): [_(KINDS[r.kind]) if r.kind in KINDS else str(r.kind) for r in rows],
            _("Where"): [transition(r) or fmt.MISSING for r in rows],
            _("What"): [
                r.what if isinstance(r.what, str) and r.what else fmt.MISSING for r in rows
            ],
            _("In words"): [r.detail if isinstance(r.detail, str) else "" for r in rows],
            _("People"): [fmt.people(r.people) for r in rows],
        }
    )


def attribution_table(table: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Credited conversions per touch and model, side by side, with one decimal."""
    from jejak.report.figures import MODEL_LABELS

    shown = pd.DataFrame({_header(table.columns[0]): table.iloc[:, 0]})
    shown[_("Journeys")] = table["journeys"].map(fmt.people)
    shown[_("Converting")] = table["converting_journeys"].map(fmt.people)
    if "removal_effect" in table:
        shown[_("Removal effect")] = table["removal_effect"].map(fmt.percent)
    for model in models:
        shown[_(MODEL_LABELS.get(model, model))] = table[model].map(lambda v: fmt.number(v, 1))
    return shown


def touchpoint_ratio_table(table: pd.DataFrame) -> pd.DataFrame:
    """Touchpoint-to-purchase ratios with people-readable numbers."""
    return pd.DataFrame(
        {
            _header(table.columns[0]): table.iloc[:, 0],
            _("People"): table["reach"].map(fmt.people),
            _("Times"): table["occurrences"].map(fmt.people),
            _("Conversions after it"): table["converting_journeys"].map(fmt.people),
            _("Per conversion"): table["per_conversion"].map(lambda v: fmt.number(v, 1)),
            _("Share of conversions"): table["share_of_conversions"].map(fmt.percent),
        }
    )


def touchpoint_effect_table(table: pd.DataFrame, few: int = MIN_PEOPLE) -> pd.DataFrame:
    """Within-stage effects: people and moves per week with and without, the adjusted ratio.

    A side with fewer than ``few`` people (the analysis's ``min_people``) reads
    ``12 (few)``, as its row's verdict and chart say too few people.
    """

    def people(count: float) -> str:
        shown = fmt.people(count)
        if fmt.is_missing(count) or count >= few:
            return shown
        return _("{people} (few)").format(people=shown)

    def per_100(value: float) -> str:
        return fmt.number(None if fmt.is_missing(value) else value * 100, 1)

    return pd.DataFrame(
        {
            _("Stage"): table["stage"].map(stage),
            _header(table.columns[2]): table.iloc[:, 2],
            _("People with it"): table["people_with"].map(people),
            _("Moves per 100 weeks after"): table["rate_with"].map(per_100),
            _("People without"): table["people_without"].map(people),
            _("Moves per 100 weeks without"): table["rate_without"].map(per_100),
            _("Moves on (same time in stage)"): table["rate_ratio"].map(_times),
            _("95% interval"): [_interval(row) for _, row in table.iterrows()],
            _("Verdict"): table["verdict"].map(verdict),
        }
    )


def driver_table(table: pd.DataFrame, few: int = MIN_PEOPLE) -> pd.DataFrame:
    """Drivers as touchpoint effects read (:func:`touchpoint_effect_table`), each value
    named with its field, then the q-value (the chance-corrected p-value) and the moves on
    it gained or lost (the people it concerns) before the verdict."""
    from jejak.report.figures.drivers import driver_label, staged

    step = "step" in table.columns
    table = staged(table)
    labels = [driver_label(f, v) for f, v in zip(table["field"], table["value"], strict=True)]
    named = table[["stage", "stage_index"]].assign(value=labels)
    named = pd.concat([named, table.drop(columns=["stage", "stage_index", "value"])], axis=1)
    shown = touchpoint_effect_table(named, few)
    shown = shown.rename(columns={shown.columns[1]: _("What they had")})
    shown.insert(len(shown.columns) - 1, _("q-value"), table["q_value"].map(q_value).to_numpy())
    concerned = table["people_concerned"].map(lambda v: fmt.number(v, 0)).to_numpy()
    shown.insert(len(shown.columns) - 1, _("Moves gained or lost"), concerned)
    return shown.rename(columns={_("Stage"): _("Step")}) if step else shown


def q_value(value: float) -> str:
    """A q- or p-value: three decimals, and under 0.001 as such."""
    if fmt.is_missing(value):
        return fmt.MISSING
    if value < 0.001:
        return "< " + localised("0.001")
    return fmt.number(value, 3)


def _interval(row: pd.Series) -> str:
    """An effect's 95% interval, or why it has none (in the words of its chart's hover)."""
    low, high = row["ci_low"], row["ci_high"]
    if not fmt.is_missing(low):
        return _("{low} to {high}").format(
            low=fmt.number(low, 2) + "x",
            high="∞" if high == float("inf") else fmt.number(high, 2) + "x",
        )
    without, moved_with, moved_without = (
        row.get(k) for k in ("people_without", "moved_with", "moved_without")
    )
    if without == 0:
        return _("nobody to compare with")
    if moved_with == 0 and not fmt.is_missing(moved_without) and moved_without > 0:
        return _("nobody moved on after it")
    if moved_without == 0 and not fmt.is_missing(moved_with) and moved_with > 0:
        return _("nobody moved on without it")
    return fmt.MISSING


def value_by_table(table: pd.DataFrame, money: Any = None) -> pd.DataFrame:
    """Expected value per group with people-readable numbers; ``money`` formats amounts
    (see :func:`jejak.report.html.amount`; default: plain numbers)."""
    money = money or (lambda v: fmt.number(v, 0))
    return pd.DataFrame(
        {
            _header(table.columns[0]): _groups(table),
            _("Buyers"): table["buyers"].map(fmt.people),
            _("Still a customer (mean)"): table["p_alive"].map(fmt.percent),
            _("Expected purchases"): table["expected_purchases"].map(lambda v: fmt.number(v, 0)),
            _("Expected revenue"): table["expected_revenue"].map(money),
            _("Per buyer"): table["revenue_per_buyer"].map(money),
        }
    )


def retention_table(table: pd.DataFrame, period: str, by: str | None = None) -> pd.DataFrame:
    """Cohorts as rows, periods since joining as columns, shares as percentages; with
    ``by``, each group's cohorts after its name."""
    if by is not None:
        parts = []
        for value, group in table.groupby(by, sort=False):
            part = retention_table(group.drop(columns=by), period)
            part.insert(0, fmt.label(by), value)
            parts.append(part)
        return pd.concat(parts, ignore_index=True).fillna("")
    fmt_cohort = "%Y-%m" if period == "month" else "%Y-%m-%d"
    wide = table.pivot(index=["cohort", "cohort_size"], columns="period", values="retention")
    shown = wide.map(lambda v: "" if fmt.is_missing(v) else fmt.percent(v, 0))
    shown.columns = [str(k) for k in shown.columns]
    shown = shown.reset_index()
    shown.insert(0, _("Cohort"), shown.pop("cohort").map(lambda c: c.strftime(fmt_cohort)))
    shown.insert(1, _("People"), shown.pop("cohort_size").map(fmt.people))
    return shown


def _share_interval(low: pd.Series, high: pd.Series) -> list[str]:
    return [
        fmt.MISSING
        if fmt.is_missing(lo)
        else _("{low} to {high}").format(low=fmt.percent(lo), high=fmt.percent(hi))
        for lo, hi in zip(low, high, strict=True)
    ]


def retention_curve_table(curve: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Rolling retention (:meth:`Retention.curve`): per period since joining, the people
    of the cohorts that reached it, how many were active, the share and its interval
    (from period 1, as its chart: period 0 is the cohorts' own)."""
    curve = curve[curve["period"] > 0]
    shown = pd.DataFrame(
        {
            _("Periods since joining"): curve["period"].map(fmt.people),
            _("Cohorts"): curve["cohorts"].map(fmt.people),
            _("People"): curve["people"].map(fmt.people),
            _("Active"): curve["active"].map(fmt.people),
            _("Share active"): curve["retention"].map(fmt.percent),
            _("95% interval"): _share_interval(curve["ci_low"], curve["ci_high"]),
        }
    )
    if by is not None:
        shown.insert(0, fmt.label(by), curve[by].tolist())
    return shown


def retention_trend_table(trend: pd.DataFrame, period: str, by: str | None = None) -> pd.DataFrame:
    """One period's retention cohort by cohort (:meth:`Retention.trend`); cohorts under
    :data:`MIN_PEOPLE` people read ``12 (few)``."""
    fmt_cohort = "%Y-%m" if period == "month" else "%Y-%m-%d"
    shown = pd.DataFrame(
        {
            _("Cohort"): trend["cohort"].map(lambda c: c.strftime(fmt_cohort)),
            _("People"): [
                _("{people} (few)").format(people=fmt.people(n)) if n < MIN_PEOPLE
                else fmt.people(n)
                for n in trend["cohort_size"]
            ],
            _("Active"): trend["active"].map(fmt.people),
            _("Share active"): trend["retention"].map(fmt.percent),
            _("95% interval"): _share_interval(trend["ci_low"], trend["ci_high"]),
        }
    )  # fmt: skip
    if by is not None:
        shown.insert(0, fmt.label(by), trend[by].tolist())
    return shown


def stickiness_table(days: pd.DataFrame) -> pd.DataFrame:
    """The distribution of active days over the whole periods (:class:`Stickiness`)."""
    return pd.DataFrame(
        {
            _("Days active"): days["days"].map(fmt.people),
            _("People-periods"): days["people"].map(fmt.people),
            _("Share"): days["share"].map(fmt.percent),
        }
    )


def lifecycle_table(table: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each period's new, returning, resurrecting and dormant people."""
    fmt_period = "%Y-%m" if period == "month" else "%Y-%m-%d"
    return pd.DataFrame(
        {
            _("Period"): table["period"].map(lambda p: p.strftime(fmt_period)),
            _("Active"): table["active"].map(fmt.people),
            _("New"): table["new"].map(fmt.people),
            _("Returning"): table["returning"].map(fmt.people),
            _("Resurrecting"): table["resurrecting"].map(fmt.people),
            _("Dormant"): table["dormant"].map(fmt.people),
        }
    )


def _header(column: object) -> str:
    """The header of a grouping column (channel, campaign, event...): in words, in the
    reader's language when it is a common one."""
    name = str(column)
    return fmt.label(name) if name in fmt.LABELS else name.capitalize()


# The process map's two ends (jejak.analyses.process_map), read as words
ENDS = {"(start)": N_("(start)"), "(end)": N_("(end)")}


def _ends(name: Any) -> Any:
    """A process-map node: a touchpoint as named, or the start or end in words."""
    return _(ENDS[name]) if isinstance(name, str) and name in ENDS else name


def _groups(table: pd.DataFrame) -> pd.Series:
    """The first column of a table by group: stage names in the reader's language."""
    first = table.iloc[:, 0]
    return first.map(stage) if table.columns[0] == "stage" else first


def _amount(currency: str | None) -> Any:
    """How an amount reads: with its currency when one is known, else a plain number."""
    if currency:
        return lambda v: fmt.money(v, currency)
    return lambda v: fmt.number(v, 0)


def _times(value: Any) -> str:
    """A ratio as people read a return: ``2.50x`` (``2,50x``)."""
    return fmt.MISSING if fmt.is_missing(value) else fmt.number(value, 2) + "x"


def _disagree(flag: Any) -> str:
    return _("models disagree") if bool(flag) else ""


def spend_table(table: pd.DataFrame, by: str, currency: str | None) -> pd.DataFrame:
    """Spend, the customers acquired and their cost, per channel, campaign or source
    (:class:`~jejak.analyses.spend.SpendReturn`); ROAS under the first model."""
    amount = _amount(currency)
    return pd.DataFrame(
        {
            _header(by): table[by],
            _("Spend"): table["spend"].map(amount),
            _("Customers acquired"): table["customers"].map(fmt.people),
            _("Cost per acquisition"): table["cpa"].map(amount),
            _("ROAS"): table["roas"].map(_times),
            _("Models"): table["disagree"].map(_disagree),
        }
    )  # fmt: skip


def _model(name: str) -> str:
    from jejak.report.figures.attribution import MODEL_LABELS

    return _(MODEL_LABELS.get(name, name))


def spend_models_table(models: pd.DataFrame, by: str, currency: str | None) -> pd.DataFrame:
    """Per channel (campaign) and attribution model: credited conversions and revenue, the
    cost per credited conversion and ROAS."""
    amount = _amount(currency)
    return pd.DataFrame(
        {
            _header(by): models[by],
            _("Model"): models["model"].map(_model),
            _("Conversions credited"): models["conversions"].map(lambda v: fmt.number(v, 1)),
            _("Revenue credited"): models["revenue"].map(amount),
            _("Cost per conversion"): models["cpa"].map(amount),
            _("ROAS"): models["roas"].map(_times),
            _("Models"): models["disagree"].map(_disagree),
        }
    )  # fmt: skip


def campaign_returns_table(campaigns: pd.DataFrame, currency: str | None) -> pd.DataFrame:
    """Each campaign's spend and what it caused beyond its holdout: customers, revenue and
    their return, with 95% intervals."""
    amount = _amount(currency)

    def between(low: Any, high: Any, shown: Any) -> str:
        if fmt.is_missing(low):
            return fmt.MISSING
        return _("{low} to {high}").format(low=shown(low), high=shown(high))

    def number(value: Any) -> str:
        return fmt.number(value, 1)

    rows = campaigns.itertuples(index=False)
    shown = [
        {
            _("Campaign"): row.campaign
            + (" " + _("(no holdout: observational)") if row.observational else ""),
            _("Spend"): amount(row.spend),
            _("Customers it moved"): number(row.incremental_customers),
            _("95% interval"): between(row.incremental_customers_low,
                                       row.incremental_customers_high, number),
            _("Revenue it caused"): amount(row.incremental_revenue),
            _("Incremental ROAS"): _times(row.incremental_roas),
            _("ROAS interval"): between(row.incremental_roas_low, row.incremental_roas_high,
                                        _times),
            _("Cost per customer moved"): amount(row.cost_per_incremental_customer),
        }
        for row in rows
    ]  # fmt: skip
    return pd.DataFrame(shown)
