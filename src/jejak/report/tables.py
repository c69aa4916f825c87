"""Result tables formatted for people (shared by the CLI and the HTML report)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from jejak.report import formatting as fmt


def funnel_table(table: pd.DataFrame) -> pd.DataFrame:
    """The stage funnel with people-readable numbers and headings."""
    return fmt.format_table(table, fmt.STAGE_COLUMNS)


def funnel_steps_table(table: pd.DataFrame) -> pd.DataFrame:
    """Funnel steps with people-readable numbers and durations."""
    return pd.DataFrame(
        {
            "Step": [
                f"{s}. {label}" for s, label in zip(table["step"], table["label"], strict=True)
            ],
            "Entered": table["entered"].map(fmt.people),
            "Of step 1": table["conversion_from_first"].map(fmt.percent),
            "Conversion to next": table["conversion_to_next"].map(fmt.percent),
            "Drop-off": table["drop_off"].map(fmt.percent),
            "Median time to next": table["median_seconds_to_next"].map(fmt.duration),
            "90th pct time": table["p90_seconds_to_next"].map(fmt.duration),
        }
    )


def transitions_table(table: pd.DataFrame) -> pd.DataFrame:
    """Process-map transitions with people-readable numbers and durations."""
    return pd.DataFrame(
        {
            "From": table["source"],
            "To": table["target"],
            "Times": table["transitions"].map(fmt.people),
            "People": table["people"].map(fmt.people),
            "Share of From's next steps": table["share_of_source"].map(fmt.percent),
            "Median time between": table["median_seconds"].map(fmt.duration),
        }
    )


def top_paths_table(table: pd.DataFrame) -> pd.DataFrame:
    """Top paths to a goal with people-readable numbers."""
    return pd.DataFrame(
        {
            "Path": table["path"],
            "People": table["people"].map(fmt.people),
            "Reached the goal": table["converters"].map(fmt.people),
            "Conversion": table["conversion"].map(fmt.percent),
            "Median time to goal": table["median_seconds_to_goal"].map(fmt.duration),
        }
    )


def journey_map_table(table: pd.DataFrame) -> pd.DataFrame:
    """A journey map as rows: stage, touchpoint, people, moved on, context and need."""

    def why(row: pd.Series) -> str:
        parts = [row[k] for k in ("top_context", "top_need") if isinstance(row[k], str)]
        return " / ".join(parts) or fmt.MISSING

    return pd.DataFrame(
        {
            "Stage": table["stage"],
            "Touchpoint": table["touchpoint"],
            "People": table["people"].map(fmt.people),
            "Moved on": table["moved_on"].map(fmt.percent),
            "Context / need": table.apply(why, axis=1) if len(table) else [],
            "Rating": table["rating"].map(lambda v: fmt.number(v, 1)),
        }
    )


def attribution_table(table: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Credited conversions per touch and model, side by side, with one decimal."""
    from jejak.report.figures import MODEL_LABELS

    shown = pd.DataFrame({str(table.columns[0]).capitalize(): table.iloc[:, 0]})
    shown["Journeys"] = table["journeys"].map(fmt.people)
    shown["Converting"] = table["converting_journeys"].map(fmt.people)
    if "removal_effect" in table:
        shown["Removal effect"] = table["removal_effect"].map(fmt.percent)
    for model in models:
        shown[MODEL_LABELS.get(model, model)] = table[model].map(lambda v: fmt.number(v, 1))
    return shown


def touchpoint_ratio_table(table: pd.DataFrame) -> pd.DataFrame:
    """Touchpoint-to-purchase ratios with people-readable numbers."""
    return pd.DataFrame(
        {
            str(table.columns[0]).capitalize(): table.iloc[:, 0],
            "People": table["reach"].map(fmt.people),
            "Times": table["occurrences"].map(fmt.people),
            "Conversions after it": table["converting_journeys"].map(fmt.people),
            "Per conversion": table["per_conversion"].map(lambda v: fmt.number(v, 1)),
            "Share of conversions": table["share_of_conversions"].map(fmt.percent),
        }
    )


def touchpoint_effect_table(table: pd.DataFrame) -> pd.DataFrame:
    """Within-stage effects: people and moves per week with and without, the adjusted ratio."""

    def times(value: float) -> str:
        return fmt.MISSING if fmt.is_missing(value) else f"{value:,.2f}x"

    def per_100(value: float) -> str:
        return fmt.number(None if fmt.is_missing(value) else value * 100, 1)

    return pd.DataFrame(
        {
            "Stage": table["stage"],
            str(table.columns[2]).capitalize(): table.iloc[:, 2],
            "People with it": table["people_with"].map(fmt.people),
            "Moves per 100 weeks after": table["rate_with"].map(per_100),
            "People without": table["people_without"].map(fmt.people),
            "Moves per 100 weeks without": table["rate_without"].map(per_100),
            "Moves on (same time in stage)": table["rate_ratio"].map(times),
            "95% interval": [
                f"{times(lo)} to {times(hi)}" if not fmt.is_missing(lo) else fmt.MISSING
                for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
            ],
            "Verdict": table["verdict"],
        }
    )


def value_by_table(table: pd.DataFrame, money: Any = None) -> pd.DataFrame:
    """Expected value per group with people-readable numbers; ``money`` formats amounts
    (see :func:`jejak.report.html.amount`; default: plain numbers)."""
    money = money or (lambda v: fmt.number(v, 0))
    return pd.DataFrame(
        {
            str(table.columns[0]).capitalize(): table.iloc[:, 0],
            "Buyers": table["buyers"].map(fmt.people),
            "Still a customer (mean)": table["p_alive"].map(fmt.percent),
            "Expected purchases": table["expected_purchases"].map(lambda v: fmt.number(v, 0)),
            "Expected revenue": table["expected_revenue"].map(money),
            "Per buyer": table["revenue_per_buyer"].map(money),
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
    shown.insert(0, "Cohort", shown.pop("cohort").map(lambda c: c.strftime(fmt_cohort)))
    shown.insert(1, "People", shown.pop("cohort_size").map(fmt.people))
    return shown


def lifecycle_table(table: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each period's new, returning, resurrecting and dormant people."""
    fmt_period = "%Y-%m" if period == "month" else "%Y-%m-%d"
    return pd.DataFrame(
        {
            "Period": table["period"].map(lambda p: p.strftime(fmt_period)),
            "Active": table["active"].map(fmt.people),
            "New": table["new"].map(fmt.people),
            "Returning": table["returning"].map(fmt.people),
            "Resurrecting": table["resurrecting"].map(fmt.people),
            "Dormant": table["dormant"].map(fmt.people),
        }
    )
