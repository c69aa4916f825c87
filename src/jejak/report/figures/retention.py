"""Charts of retention and the lifecycle (:mod:`jejak.analyses.retention`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.effectiveness import MIN_PEOPLE as FEW  # fewer: marked as few
from jejak.analyses.retention import Lifecycle, Retention
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, dated, layout, plain_label
from jejak.report.figures.registry import draws

# What a chart says of a period (``week`` or ``month``), by its name in settings
_SINCE_JOINING = {"week": N_("weeks since joining"), "month": N_("months since joining")}
_LATER = {
    "week": N_("cohort {cohort}, {periods} weeks later: {share}"),
    "month": N_("cohort {cohort}, {periods} months later: {share}"),
}
_ACTIVE_LATER = {
    "week": N_("{group}: {share} active {periods} weeks later"),
    "month": N_("{group}: {share} active {periods} months later"),
}


def retention_figure(table: pd.DataFrame, period: str, title: str) -> go.Figure:
    """Cohorts as rows, periods since joining as columns, coloured by the share active."""
    cohorts = sorted(table["cohort"].unique())
    offsets = sorted(table["period"].unique())
    cells = table.set_index(["cohort", "period"])
    fmt_cohort = "%Y-%m" if period == "month" else "%Y-%m-%d"
    z, text = [], []
    for cohort in cohorts:
        row = [cells["retention"].get((cohort, k), None) for k in offsets]
        z.append([None if v is None or fmt.is_missing(v) else float(v) for v in row])
        text.append(["" if v is None or fmt.is_missing(v) else fmt.percent(v, 0) for v in row])
    sizes = table.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(k) for k in offsets],
            y=[
                (
                    gettext("{cohort} ({count}, few)")
                    if sizes[c] < FEW
                    else gettext("{cohort} ({count})")
                ).format(cohort=pd.Timestamp(c).strftime(fmt_cohort), count=fmt.people(sizes[c]))
                for c in cohorts
            ],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#F5F7FA"], [1, "#2F4B7C"]],
            zmin=0,
            zmax=1,
            colorbar=dict(title=dict(text=gettext("active"), side="right"), tickformat=".0%"),
            hovertemplate=gettext(_LATER[period]).format(
                cohort="%{y}", periods="%{x}", share="%{text}"
            )
            + "<extra></extra>",
        )
    )
    figure.update_xaxes(title=gettext(_SINCE_JOINING[period]), side="top")
    figure.update_yaxes(autorange="reversed")
    return layout(figure, title, height=max(320, 120 + 28 * len(cohorts)))


def lifecycle_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars per period: new, returning, resurrecting up; dormant down."""
    colours = {  # the table's columns, named in words through gettext
        N_("new"): PALETTE[0],
        N_("returning"): PALETTE[2],
        N_("resurrecting"): PALETTE[1],
        N_("dormant"): PALETTE[3],
    }
    figure = go.Figure()
    for kind, colour in colours.items():
        figure.add_trace(
            go.Bar(
                name=gettext(kind),
                x=table["period"],
                y=table[kind],
                marker=dict(color=colour),
                hovertemplate=f"{gettext(kind)}: %{{y:,}}<extra></extra>",
            )
        )
    dated(figure, list(table["period"]))
    figure.update_yaxes(title=gettext("people"))
    figure = layout(figure, title, height=420)
    return figure.update_layout(barmode="relative", showlegend=True)


def retention_by_figure(table: pd.DataFrame, by: str, period: str, title: str) -> go.Figure:
    """Each group's retention curve: active share by periods since joining, all cohorts
    pooled (weighted by their size)."""
    figure = go.Figure()
    for i, (group, rows) in enumerate(table.groupby(by, sort=False)):
        pooled = rows.groupby("period")[["active", "cohort_size"]].sum()
        pooled = pooled[pooled.index > 0]
        figure.add_trace(
            go.Scatter(
                x=pooled.index.tolist(),
                y=(pooled["active"] / pooled["cohort_size"]).tolist(),
                mode="lines+markers",
                name=plain_label(str(group)),
                line=dict(color=PALETTE[i % len(PALETTE)]),
                hovertemplate=gettext(_ACTIVE_LATER[period]).format(
                    group=plain_label(str(group)), share="%{y:.1%}", periods="%{x}"
                )
                + "<extra></extra>",
            )
        )  # fmt: skip
    figure.update_xaxes(title=gettext(_SINCE_JOINING[period]), dtick=1)
    figure.update_yaxes(title=gettext("active"), tickformat=".0%", rangemode="tozero")
    figure = layout(figure, title, height=420)
    figure.update_layout(showlegend=True)
    return figure


@draws(Retention)
def _retention(result: Retention) -> go.Figure:
    meta = result.meta
    if meta.get("by"):
        return retention_by_figure(result.table, meta["by"], meta["period"], result.title)
    return retention_figure(result.table, meta["period"], result.title)


@draws(Lifecycle)
def _lifecycle(result: Lifecycle) -> go.Figure:
    return lifecycle_figure(result.table, result.title)
