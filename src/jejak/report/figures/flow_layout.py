"""Where a flow chart's nodes and labels sit (stage flows and process maps), so no
two labels meet however long the names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jejak.report import formatting as fmt
from jejak.report.figures.drawing import CHAR_PX, wrapped

# The stage flows: px between nodes in a column, and the width a column label may take
# (a report's chart is about 900 px wide; on a tablet, or beside the dashboard's menu, less).
FLOW_PAD = 24


_FLOW_WIDTH = 620


MAP_WIDTH = 640  # a process map's labels are not centred at the chart's edges


LOWER_PX = 6.6  # a lower-case letter at 12 px, on average (CHAR_PX allows for capitals)


def flow_room(columns: int) -> float:
    """The width (px) a column's label may take."""
    return min(_FLOW_WIDTH / max(columns - 1, 1) - 10, 160)


def _column_x(column: int, columns: int) -> float:
    """Where a column's nodes sit across the chart (0 to 1, kept off the very edges)."""
    return 0.001 if columns < 2 else 0.001 + 0.998 * column / (columns - 1)


def flow_places(
    reached: Sequence[int],
    stop_columns: Sequence[int],
    drop_offs: Sequence[int],
    height: int,
) -> tuple[list[float], list[float]]:
    """Each node's place: a stage's node at the top of its column, the drop-off after it
    at the bottom of the next, so each row of labels has one label per column. Plotly
    scales node heights as d3-sankey does: the fullest column, less its padding, fills
    ``height``."""
    columns = len(reached)
    totals = list(reached)
    for column, people in zip(stop_columns, drop_offs, strict=True):
        totals[column] += people
    scale = (1 - FLOW_PAD / height) / max(max(totals, default=1), 1)
    x = [_column_x(i, columns) for i in range(columns)]
    y = [min(0.5, 0.001 + scale * people / 2) for people in reached]
    x += [_column_x(column, columns) for column in stop_columns]
    y += [max(0.5, 0.999 - scale * people / 2) for people in drop_offs]
    return x, y


def flow_labels(
    stages: Sequence[str],
    reached: Sequence[int],
    stops: Sequence[str],
    stop_columns: Sequence[int],
    drop_offs: Sequence[int],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The stage labels over their columns and the drop-off labels under theirs, each
    wrapped to its column's width, so no two labels meet however long the names."""
    columns = len(stages)
    chars = max(6, int(flow_room(columns) / CHAR_PX))
    # one long word may take the column's whole spacing, at a lower-case letter's width
    word = int((flow_room(columns) + 10) / LOWER_PX)

    def label(column: int, name: str, people: int, row: str) -> dict[str, Any]:
        inside = 0 < column < columns - 1  # the edge columns' labels have half the room
        text = "<br>".join(
            [*wrapped(name, chars, word=word if inside else None), fmt.people(people)]
        )
        return dict(
            x=_column_x(column, columns),
            y=1 if row == "above" else 0,
            xref="paper",
            yref="paper",
            xanchor="center",
            yanchor="bottom" if row == "above" else "top",
            yshift=4 if row == "above" else -4,
            align="center",
            text=text,
            showarrow=False,
            font=dict(size=12),
        )

    named = zip(stages, reached, strict=True)
    above = [label(i, name, n, "above") for i, (name, n) in enumerate(named)]
    below = [
        label(column, name, n, "below")
        for column, name, n in zip(stop_columns, stops, drop_offs, strict=True)
    ]
    return above, below
