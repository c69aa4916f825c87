"""Charts of contact (:mod:`jejak.analyses.contact`): message metrics, how often
people are contacted, and send times."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.contact import ContactFrequency, ContactMetrics, SendTimes
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, layout, plain_label
from jejak.report.figures.registry import draws

_RATE_HOVER = {
    "open_rate": N_("opened {share} of messages sent"),
    "click_rate": N_("clicked {share} of messages sent"),
    "unsubscribe_rate": N_("unsubscribed {share} of messages sent"),
}


def contact_metrics_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Open, click and unsubscribe rates per group, the largest senders first."""
    rows = table.head(12).iloc[::-1]
    labels = [
        plain_label(f"{g} · {c}" if "channel" in rows and by != "channel" else g)
        for g, c in zip(rows[by], rows.get("channel", rows[by]), strict=True)
    ]
    figure = go.Figure()
    for column, name, colour in (
        ("open_rate", N_("opened"), PALETTE[0]),
        ("click_rate", N_("clicked"), PALETTE[1]),
        ("unsubscribe_rate", N_("unsubscribed"), PALETTE[3]),
    ):
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[float(v) if pd.notna(v) else 0.0 for v in rows[column]],
                name=gettext(name),
                orientation="h",
                marker=dict(color=colour),
                hovertemplate="%{y}<br>"
                + gettext(_RATE_HOVER[column]).format(share="%{x:.1%}")
                + "<extra></extra>",
            )
        )
    figure.update_xaxes(title=gettext("per message sent"), tickformat=".0%")
    figure = layout(figure, title, height=max(320, 120 + 60 * len(rows)))
    figure.update_layout(showlegend=True, barmode="group", legend=dict(orientation="h", y=-0.15))
    return figure


def contact_frequency_figure(table: pd.DataFrame, meta: dict[str, Any], title: str) -> go.Figure:
    """Clicks per person-week (bars) and unsubscribes (line) by messages sent that week."""
    labels = [f"{n}+" if n == meta["cap"] else str(n) for n in table["per_week"].astype(int)]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=[float(v) for v in table["clicks_per_person_week"]],
            name=gettext("clicks per person-week"),
            marker=dict(
                color=[
                    PALETTE[2] if n == meta.get("best_per_week") else PALETTE[0]
                    for n in table["per_week"]
                ]
            ),
            text=[
                gettext("{count} person-weeks").format(count=fmt.people(n))
                for n in table["person_weeks"]
            ],
            hovertemplate=gettext("{count} a week").format(count="%{x}")
            + "<br>"
            + gettext("{clicks} clicks per person-week").format(clicks="%{y:.3f}")
            + "<br>%{text}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[float(v) for v in table["unsubscribe_rate"]],
            name=gettext("unsubscribed per person-week"),
            mode="lines+markers",
            yaxis="y2",
            line=dict(color=PALETTE[3]),
            hovertemplate=gettext("{count} a week").format(count="%{x}")
            + "<br>"
            + gettext("{share} unsubscribed").format(share="%{y:.2%}")
            + "<extra></extra>",
        )
    )
    figure.update_xaxes(title=gettext("messages that week"))
    figure.update_yaxes(title=gettext("clicks per person-week"))
    figure = layout(figure, title, height=420)
    figure.update_layout(
        showlegend=True,
        legend=dict(orientation="h", y=-0.2),
        yaxis2=dict(
            overlaying="y",
            side="right",
            tickformat=".1%",
            title=gettext("unsubscribed"),
            rangemode="tozero",
        ),
    )
    return figure


def send_time_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Open rate by day and hour the messages went out (a heatmap; empty cells: none sent)."""
    grid = table.groupby(["weekday", "hour"])[["messages", "opened"]].sum()
    rate = (
        (grid["opened"] / grid["messages"])
        .unstack("hour")
        .reindex(index=range(7), columns=range(24))
    )
    sent = grid["messages"].unstack("hour").reindex(index=range(7), columns=range(24))
    figure = go.Figure(
        go.Heatmap(
            z=rate.to_numpy(),
            x=[f"{h:02d}:00" for h in range(24)],
            y=[fmt.weekday(day) for day in range(7)],  # Monday first, as the analysis counts
            customdata=sent.fillna(0).to_numpy(),
            colorscale="Blues",
            # a share: the palest colour is none opened (plotly keeps a zmin only with a zmax)
            zmin=0,
            zmax=max(float(rate.max().max()), 0.01) if rate.notna().any().any() else 1,
            colorbar=dict(title=dict(text=gettext("opened"), side="right"), tickformat=".0%"),
            hovertemplate="%{y} %{x}<br>"
            + gettext("{share} opened of {count} sent").format(
                share="%{z:.1%}", count="%{customdata:,}"
            )
            + "<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    return layout(figure, title, height=360)


@draws(ContactMetrics)
def _contact_metrics(result: ContactMetrics) -> go.Figure:
    return contact_metrics_figure(result.table, result.meta["by"], result.title)


@draws(ContactFrequency)
def _contact_frequency(result: ContactFrequency) -> go.Figure:
    return contact_frequency_figure(result.table, result.meta, result.title)


@draws(SendTimes)
def _send_times(result: SendTimes) -> go.Figure:
    return send_time_figure(result.table, result.title)
