"""Charts of spend and return (:mod:`jejak.analyses.spend`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.spend import SpendReturn
from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report.figures.attribution import MODEL_LABELS
from jejak.report.figures.drawing import PALETTE, layout, legend_rows, plain_label
from jejak.report.figures.registry import draws


def spend_return_figure(
    models: pd.DataFrame,
    by: str,
    order: Sequence[str],
    names: Sequence[str],
    currency: str | None,
    title: str,
) -> go.Figure:
    """Each channel's (campaign's) return on ad spend under each model, side by side, with
    the line where spend pays back (1x). ``models``: ``SpendReturn.models``; ``order``: the
    values top to bottom; ``names``: the models."""
    order = [str(v) for v in order][::-1]
    figure = go.Figure()
    for number, model in enumerate(names):
        part = models[models["model"] == model]
        rows = part.set_index(part[by].astype(str)).reindex(order)
        label = gettext(MODEL_LABELS.get(model, model))
        figure.add_trace(
            go.Bar(
                name=label,
                y=[plain_label(v) for v in order],
                x=rows["roas"].fillna(0.0).tolist(),
                orientation="h",
                marker=dict(color=PALETTE[number % len(PALETTE)]),
                customdata=[
                    gettext("{ratio}x: {revenue} back for {spend}").format(
                        ratio=fmt.number(r, 2),
                        revenue=_money(v, currency),
                        spend=_money(s, currency),
                    )
                    for r, v, s in zip(rows["roas"], rows["revenue"], rows["spend"], strict=True)
                ],
                hovertemplate=plain_label(label) + "<br>%{y}: %{customdata}<extra></extra>",
            )
        )
    figure.add_vline(x=1, line=dict(color="#52606D", width=1, dash="dot"))
    figure.update_xaxes(title=gettext("return on ad spend (revenue credited / spend)"),
                        ticksuffix="x", rangemode="tozero")  # fmt: skip
    figure = layout(figure, title, height=max(320, 140 + len(order) * (12 * len(names) + 14)))
    figure.update_layout(
        barmode="group",
        showlegend=True,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, traceorder="normal"),
        margin=dict(t=90),
    )
    legend = legend_rows([trace.name for trace in figure.data], order)
    if legend > 2:
        figure.update_layout(
            margin=dict(t=50 + 20 * legend),
            title=dict(y=1, yref="container", yanchor="top", pad=dict(t=12)),
        )
    return figure


def _money(value: float, currency: str | None) -> str:
    return fmt.money(value, currency) if currency else fmt.number(value, 0)


@draws(SpendReturn)
def _spend_return(result: SpendReturn) -> go.Figure:
    meta = result.meta
    order = result.table[meta["by"]].tolist()
    return spend_return_figure(
        result.models, meta["by"], order, meta["models"], meta["currency"], result.title
    )
