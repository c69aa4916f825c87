"""The chart of a funnel of steps (:mod:`jejak.analyses.funnels`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.funnels import FunnelResult
from jejak.language import gettext, stage
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, field_name, layout, plain_label
from jejak.report.figures.registry import draws


def funnel_figure(table: pd.DataFrame, by: str | None, title: str) -> go.Figure:
    """People at each funnel step, as bars, labelled with the share of step 1 kept.

    Split by a field, each group gets its own bars, showing shares of its own step 1
    so that groups of different sizes compare.
    """
    figure = go.Figure()
    groups = table.groupby(by, sort=False) if by else [(None, table)]
    for position, (group, rows) in enumerate(groups):
        rows = rows.sort_values("step", kind="stable")
        steps = [
            f"{int(s)}. {plain_label(stage(str(label)))}"
            for s, label in zip(rows["step"], rows["label"], strict=True)
        ]
        shares = list(rows["conversion_from_first"])
        figure.add_trace(
            go.Bar(
                name=plain_label(str(group)) if by else gettext("people"),
                x=steps,
                y=shares if by else [int(v) for v in rows["entered"]],
                marker=dict(color=PALETTE[position % len(PALETTE)]),
                text=[
                    f"{fmt.people(n)} · {fmt.percent(share)}"
                    for n, share in zip(rows["entered"], shares, strict=True)
                ],
                textposition="outside",
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            )
        )
    figure = layout(figure, title, height=420)
    if by:
        figure.update_yaxes(tickformat=".0%", title=gettext("share of the group's step 1"))
        figure.update_layout(barmode="group", showlegend=True, legend_title_text=field_name(by))
    else:
        figure.update_yaxes(title=gettext("people"))
    return figure


@draws(FunnelResult)
def _funnel(result: FunnelResult) -> go.Figure:
    return funnel_figure(result.table, result.meta.get("by"), result.title)
