"""The chart of a comparison of two segments (:mod:`jejak.analyses.comparison`): each
share's difference as a dot with its 95% interval as whiskers, around a line at 0."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.comparison import Comparison, side_name
from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report.comparisons import interval, row_labels, shown
from jejak.report.figures.drawing import (
    LABEL_CHARS,
    PALETTE,
    STOPPED_COLOR,
    layout,
    plain_label,
    wrapped,
)
from jejak.report.figures.registry import draws

AXIS_CHARS = 48  # an axis title's line, so it stays inside an 800-pixel chart
ROW_HEIGHT = 32  # a row of one line, in pixels
LINE_HEIGHT = 10  # more room per row for each more line of the longest label


def comparison_figure(table: pd.DataFrame, meta: dict[str, Any], title: str) -> go.Figure:
    """``table``'s rows (already chosen, first on top): the difference of side a's share
    from side b's, in points, with its interval; clear differences (the interval leaves
    out 0) in colour, the rest in grey."""
    what = meta["what"]
    a, b = side_name(meta["a"]), side_name(meta["b"])
    labels = [
        "<br>".join(plain_label(line) for line in wrapped(label, LABEL_CHARS))
        for label in row_labels(table, what)
    ]
    difference = [100 * float(d) for d in table["difference"]]
    clear = list(table["excludes_zero"])
    said = [
        gettext("{a}: {share_a} · {b}: {share_b}<br>difference {difference} ({interval})").format(
            a=plain_label(a),
            share_a=fmt.percent(sa),
            b=plain_label(b),
            share_b=fmt.percent(sb),
            difference=fmt.signed_points(d),
            interval=interval(lo, hi),
        )
        for sa, sb, d, lo, hi in zip(
            table["share_a"],
            table["share_b"],
            table["difference"],
            table["low"],
            table["high"],
            strict=True,
        )
    ]
    figure = go.Figure(
        go.Scatter(
            x=difference,
            y=labels,
            mode="markers",
            marker=dict(
                size=10, color=[PALETTE[0] if c else STOPPED_COLOR for c in clear], symbol="circle"
            ),
            error_x=dict(
                type="data",
                symmetric=False,
                # to a hundredth of a point (less than a pixel): shorter in the report
                array=list((100 * (table["high"] - table["difference"])).round(2)),
                arrayminus=list((100 * (table["difference"] - table["low"])).round(2)),
                color="#7B8794",
                thickness=1.5,
                width=4,
            ),
            text=said,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    figure.add_vline(x=0, line=dict(color="#52606D", width=1))
    axis = gettext("{a} minus {b}, in percentage points (95% interval)").format(
        a=plain_label(a), b=plain_label(b)
    )
    # long segment names (and longer languages) run past a narrow chart: in lines
    figure.update_xaxes(
        title="<br>".join(wrapped(axis, AXIS_CHARS)), zeroline=False, automargin=True
    )
    figure.update_yaxes(autorange="reversed")  # the first row on top, as in the table
    # rows of wrapped labels (a path of four touchpoints) further apart, or a label's
    # second line runs into the next row's (the rows are spaced evenly)
    extra = max((label.count("<br>") for label in labels), default=0)
    pitch = ROW_HEIGHT + LINE_HEIGHT * extra
    return layout(figure, title, height=max(280, 110 + pitch * len(table)))


@draws(Comparison)
def _comparison(result: Comparison) -> go.Figure:
    return comparison_figure(shown(result), result.meta, result.title)
