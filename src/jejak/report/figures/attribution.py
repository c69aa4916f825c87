"""The chart of attribution (:mod:`jejak.analyses.attribution`): credit per channel and model."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.attribution import Attribution
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, layout, legend_rows, plain_label
from jejak.report.figures.registry import draws

# marked for the catalogue: shown through gettext
MODEL_LABELS: dict[str, str] = {
    "first_touch": N_("First touch"),
    "last_touch": N_("Last touch"),
    "last_non_direct": N_("Last non-direct"),
    "linear": N_("Linear"),
    "time_decay": N_("Time decay"),
    "position_based": N_("Position-based"),
    "markov": N_("Markov"),
    "shapley": N_("Shapley"),
}


def attribution_figure(table: pd.DataFrame, models: Sequence[str], title: str) -> go.Figure:
    """Each touch's credited conversions, one bar per model side by side (largest touch on top).

    ``table`` is ``Attribution.table``: its first column names the touch.
    """
    touch = table.columns[0]
    rows = table.iloc[::-1]
    figure = go.Figure()
    for number, model in enumerate(models):
        label = gettext(MODEL_LABELS[model]) if model in MODEL_LABELS else model
        figure.add_trace(
            go.Bar(
                name=label,
                y=[plain_label(str(t)) for t in rows[touch]],
                x=[float(v) for v in rows[model]],
                orientation="h",
                marker=dict(color=PALETTE[number % len(PALETTE)]),
                customdata=[fmt.number(v, 1) for v in rows[model]],
                hovertemplate=plain_label(label)
                + "<br>"
                + gettext("{touch}: {count} conversions").format(
                    touch="%{y}", count="%{customdata}"
                )
                + "<extra></extra>",
            )
        )
    figure.update_xaxes(title=gettext("conversions credited"))
    figure = layout(figure, title, height=max(320, 140 + len(rows) * (12 * len(models) + 14)))
    figure.update_layout(
        barmode="group",
        showlegend=True,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, traceorder="normal"),
        margin=dict(t=90),  # the title, and two rows of legend over the plot
    )
    legend = legend_rows([trace.name for trace in figure.data], rows[touch])
    if legend > 2:  # longer names (in Bahasa Indonesia): more rows, the title on top
        figure.update_layout(
            margin=dict(t=50 + 20 * legend),
            title=dict(y=1, yref="container", yanchor="top", pad=dict(t=12)),
        )
    return figure


@draws(Attribution)
def _attribution(result: Attribution) -> go.Figure:
    return attribution_figure(result.table, result.meta["models"], result.title)
