"""Result tables formatted for people (shared by the CLI and the HTML report)."""

from __future__ import annotations

import pandas as pd

from jejak.report import formatting as fmt


def funnel_table(table: pd.DataFrame) -> pd.DataFrame:
    """The stage funnel with people-readable numbers and headings."""
    return fmt.format_table(table, fmt.STAGE_COLUMNS)
