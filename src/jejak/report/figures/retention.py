"""Charts of retention and the lifecycle (:mod:`jejak.analyses.retention`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.effectiveness import MIN_PEOPLE as FEW  # fewer: marked as few
from jejak.analyses.retention import Lifecycle, Retention, Stickiness
from jejak.language import N_, gettext, ngettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, dated, layout, plain_label, rgba
from jejak.report.figures.registry import draws

# What a chart says of a period (``week`` or ``month``), by its name in settings
_SINCE_JOINING = {"week": N_("weeks since joining"), "month": N_("months since joining")}
_LATER = {
    "week": N_("cohort {cohort}, {periods} weeks later: {share}"),
    "month": N_("cohort {cohort}, {periods} months later: {share}"),
}
_AFTER = {
    "week": N_("{periods} weeks after joining: {share} active ({low} to {high}), of {people}"
               " people in {cohorts} cohorts"),
    "month": N_("{periods} months after joining: {share} active ({low} to {high}), of {people}"
                " people in {cohorts} cohorts"),
}  # fmt: skip
_DAYS_IN = {
    "week": N_("days active in the week"),
    "month": N_("days active in the month"),
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


def retention_curve_figure(curve: pd.DataFrame, period: str, title: str) -> go.Figure:
    """Rolling retention: the share active by periods since joining, all cohorts pooled,
    with its 95% interval as a band (from :meth:`Retention.curve`)."""
    rows = curve[curve["period"] > 0]
    colour = PALETTE[0]
    hover = [
        gettext(_AFTER[period]).format(
            periods=int(k),
            share=fmt.percent(r, 1),
            low=fmt.percent(lo, 1),
            high=fmt.percent(hi, 1),
            people=fmt.people(n),
            cohorts=fmt.people(c),
        )
        for k, r, lo, hi, n, c in zip(
            rows["period"], rows["retention"], rows["ci_low"], rows["ci_high"],
            rows["people"], rows["cohorts"], strict=True,
        )
    ]  # fmt: skip
    x = rows["period"].tolist()
    figure = go.Figure(
        [
            go.Scatter(
                x=x + x[::-1],
                y=rows["ci_high"].tolist() + rows["ci_low"].tolist()[::-1],
                fill="toself",
                fillcolor=rgba(colour, 0.15),
                line=dict(width=0),
                hoverinfo="skip",
            ),
            go.Scatter(
                x=x,
                y=rows["retention"].tolist(),
                mode="lines+markers",
                line=dict(color=colour),
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            ),
        ]
    )
    figure.update_xaxes(title=gettext(_SINCE_JOINING[period]), dtick=1)
    figure.update_yaxes(title=gettext("active"), tickformat=".0%", range=[0, 1.02])
    return layout(figure, title, height=380)


def retention_trend_figure(trend: pd.DataFrame, period: str, offset: int) -> go.Figure:
    """One period's retention cohort by cohort, with 95% intervals; cohorts under
    :data:`FEW` people hollow (from :meth:`Retention.trend`)."""
    few = (trend["cohort_size"] < FEW).tolist()
    colour = PALETTE[0]
    hover = [
        (gettext("{share} of {count} (few)") if f else gettext("{share} of {count}")).format(
            share=fmt.percent(r, 1), count=fmt.people(n)
        )
        for r, n, f in zip(trend["retention"], trend["cohort_size"], few, strict=True)
    ]
    figure = go.Figure(
        go.Scatter(
            x=trend["cohort"].tolist(),
            y=trend["retention"].tolist(),
            mode="lines+markers",
            line=dict(color=colour),
            marker=dict(
                symbol=["circle-open" if f else "circle" for f in few], size=9, color=colour
            ),
            error_y=dict(
                type="data",
                symmetric=False,
                array=(trend["ci_high"] - trend["retention"]).tolist(),
                arrayminus=(trend["retention"] - trend["ci_low"]).tolist(),
                color=rgba(colour, 0.5),
            ),
            customdata=hover,
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    dated(figure, list(trend["cohort"]))
    figure.update_yaxes(title=gettext("active"), tickformat=".0%", range=[0, 1.02])
    return layout(figure, trend_title(period, offset), height=380)


def trend_title(period: str, offset: int) -> str:
    """What :func:`retention_trend_figure` shows, in words."""
    if period == "week":
        title = ngettext(
            "Active {periods} week after joining, cohort by cohort",
            "Active {periods} weeks after joining, cohort by cohort",
            offset,
        )
    else:
        title = ngettext(
            "Active {periods} month after joining, cohort by cohort",
            "Active {periods} months after joining, cohort by cohort",
            offset,
        )
    return title.format(periods=offset)


def stickiness_figure(days: pd.DataFrame, period: str, title: str) -> go.Figure:
    """How many days of a week (month) people came: the share of person-periods per
    number of days, over the periods the data covers whole."""
    texts = [
        gettext("{share} ({count})").format(share=fmt.percent(s, 1), count=fmt.people(n))
        for s, n in zip(days["share"], days["people"], strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            x=days["days"].tolist(),
            y=days["share"].tolist(),
            marker=dict(color=PALETTE[0]),
            customdata=texts,
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    figure.update_xaxes(title=gettext(_DAYS_IN[period]), dtick=1 if period == "week" else 2)
    top = float(days["share"].max()) if len(days) and days["share"].notna().any() else 1.0
    figure.update_yaxes(
        title=gettext("share of the people active"), tickformat=".0%", range=[0, min(1, top * 1.15)]
    )
    return layout(figure, title, height=360)


@draws(Retention, "curve")
def _curve(result: Retention) -> go.Figure:
    title = gettext("Rolling retention: all cohorts together")
    return retention_curve_figure(result.curve(), result.meta["period"], title)


@draws(Retention, "trend")
def _trend(result: Retention, period: int = 1) -> go.Figure:
    return retention_trend_figure(result.trend(period), result.meta["period"], period)


@draws(Stickiness)
def _stickiness(result: Stickiness) -> go.Figure:
    return stickiness_figure(result.days, result.meta["period"], result.title)
