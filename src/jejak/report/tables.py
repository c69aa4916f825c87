"""Result tables formatted for people (shared by the CLI and the HTML report)."""

from __future__ import annotations

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
