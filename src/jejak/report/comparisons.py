"""A comparison of two segments as people read it: the rows shown, their names, and the
table beside the chart (:mod:`jejak.analyses.comparison`); the CLI, the report and the
dashboard show the same rows in the same words."""

from __future__ import annotations

from typing import Any

import pandas as pd

from jejak.analyses.comparison import side_name
from jejak.analyses.process_map import END, START
from jejak.language import gettext as _
from jejak.language import ngettext, stage
from jejak.report import formatting as fmt
from jejak.report.tables import path_touchpoint

MOST = 20  # a comparison's chart and table show at most this many rows


def overlap_note(result: Any) -> str:
    """How many people are in both groups, and that the intervals allow for them; empty
    when nobody is (always so against everyone else)."""
    count = int(result.meta.get("overlap") or 0)
    if not count:
        return ""
    said = ngettext(
        "{count} person is in both {a} and {b}. The intervals allow for that: a person in"
        " both counts on both sides, so the two shares move together.",
        "{count} people are in both {a} and {b}. The intervals allow for that: a person in"
        " both counts on both sides, so the two shares move together.",
        count,
    )
    meta = result.meta
    return said.format(count=fmt.people(count), a=side_name(meta["a"]), b=side_name(meta["b"]))


def shown(result: Any, most: int = MOST) -> pd.DataFrame:
    """The rows both the chart and the table show, in the comparison's order: those with
    a difference (a share on both sides), the first ``most`` of them."""
    table = result.table
    return table[table["difference"].notna()].head(most)


def row_label(row: pd.Series, what: str) -> str:
    """What one row compares, in words."""
    if what == "map":
        return f"{_node(row['source'])} → {_node(row['target'])}"
    if what == "paths":
        return str(path_touchpoint(str(row["path"])))
    if what == "journey":
        words = (
            _("{touchpoint} in {stage}")
            if row["measure"] == "share"
            else _("{touchpoint} in {stage}: moved on")
        )
        return words.format(touchpoint=row["touchpoint"], stage=stage(row["stage"]))
    words = _("Reached {stage}") if row["measure"] == "reached" else _("{stage} to the next stage")
    return words.format(stage=stage(row["stage"]))


def _node(name: Any) -> str:
    """A process map's node: a touchpoint as named, the journeys' ends in words."""
    text = str(name)
    return _(text) if text in (START, END) else text


def row_labels(table: pd.DataFrame, what: str) -> list[str]:
    return [row_label(row, what) for _, row in table.iterrows()]


def of(count: Any, total: Any) -> str:
    """``12 of 40``."""
    return _("{count} of {total}").format(count=fmt.people(count), total=fmt.people(total))


def interval(low: Any, high: Any) -> str:
    """A difference's interval in points: ``-3.1 to +5.0 pts``."""
    if fmt.is_missing(low) or fmt.is_missing(high):
        return fmt.MISSING
    return _("{low} to {high}").format(low=fmt.signed_points(low), high=fmt.signed_points(high))


def comparison_table(result: Any) -> pd.DataFrame:
    """The shown rows: what, each side's share (and count of total), the difference in
    points, its 95% interval, and whether the interval leaves out 0."""
    rows = shown(result)
    what = result.meta["what"]
    a, b = side_name(result.meta["a"]), side_name(result.meta["b"])
    heading = {
        "stages": _("Stage"),
        "map": _("Transition"),
        "paths": _("Path"),
        "journey": _("Touchpoint"),
    }[what]
    return pd.DataFrame(
        {
            heading: row_labels(rows, what),
            a: rows["share_a"].map(fmt.percent).to_list(),
            _("{side}: count of total").format(side=a): [
                of(k, n) for k, n in zip(rows["count_a"], rows["total_a"], strict=True)
            ],
            b: rows["share_b"].map(fmt.percent).to_list(),
            _("{side}: count of total").format(side=b): [
                of(k, n) for k, n in zip(rows["count_b"], rows["total_b"], strict=True)
            ],
            _("Difference"): rows["difference"].map(fmt.signed_points).to_list(),
            _("95% interval"): [
                interval(lo, hi) for lo, hi in zip(rows["low"], rows["high"], strict=True)
            ],
            _("Clear difference"): [_("yes") if x else "" for x in rows["excludes_zero"]],
        }
    )
