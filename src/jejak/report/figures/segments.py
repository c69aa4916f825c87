"""Charts of groups of customers: RFM segments (:mod:`jejak.analyses.rfm`),
engagement groups (:mod:`jejak.analyses.engagement`) and clusters
(:mod:`jejak.analyses.clusters`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.clusters import Clusters
from jejak.analyses.engagement import EngagementGroups
from jejak.analyses.rfm import RFM
from jejak.language import N_, gettext, pgettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, labelled_bars, layout
from jejak.report.figures.registry import draws

# the engagement groups' names (data and settings, in English), shown through gettext
GROUPS = (N_("follows content"), N_("transactional only"))


def rfm_figure(segments: pd.DataFrame, title: str) -> go.Figure:
    """Buyers per RFM segment, best first, labelled with their share."""
    rows = segments.iloc[::-1]
    figure = labelled_bars(
        [pgettext("rfm", str(name)) for name in rows["segment"]],
        [int(b) for b in rows["buyers"]],
        [
            f"{fmt.people(b)} · {fmt.percent(s)}"
            for b, s in zip(rows["buyers"], rows["share"], strict=True)
        ],
        PALETTE[4],
    )
    figure.update_xaxes(title=gettext("buyers"))
    return layout(figure, title, height=max(300, 110 + 34 * len(rows)))


def engagement_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """The split of people into engagement groups, with how each converts and opens email."""
    figure = go.Figure(
        go.Bar(
            x=[gettext(str(group)) for group in table["group"]],
            y=[float(s) for s in table["share"]],
            marker=dict(color=[PALETTE[0], PALETTE[1]][: len(table)]),
            text=[
                gettext("{share} · {count} people").format(
                    share=fmt.percent(s, 0), count=fmt.people(n)
                )
                + "<br>"
                + gettext("{bought} bought · {opened} opened").format(
                    bought=fmt.percent(c), opened=fmt.percent(o)
                )
                for s, n, c, o in zip(
                    table["share"],
                    table["people"],
                    table["converted"],
                    table["open_rate"],
                    strict=True,
                )
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{text}<extra></extra>",
        )
    )
    figure.update_yaxes(title=gettext("share of people"), tickformat=".0%", range=[0, 1.15])
    return layout(figure, title, height=400)


def clusters_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """People per behavioural cluster, largest on top, each named by its traits."""
    rows = table.iloc[::-1]
    figure = labelled_bars(
        [f"{c}. {d}" for c, d in zip(rows["cluster"], rows["description"], strict=True)],
        [int(n) for n in rows["people"]],
        [
            gettext("{count} · {share} · {bought} bought").format(
                count=fmt.people(n), share=fmt.percent(s), bought=fmt.percent(b)
            )
            for n, s, b in zip(rows["people"], rows["share"], rows["buyers"], strict=True)
        ],
        PALETTE[2],
    )
    figure.update_xaxes(title=gettext("people"))
    return layout(figure, title, height=max(300, 110 + 48 * len(rows)))


@draws(RFM)
def _rfm(result: RFM) -> go.Figure:
    return rfm_figure(result.segments(), result.title)


@draws(EngagementGroups)
def _engagement(result: EngagementGroups) -> go.Figure:
    return engagement_figure(result.table, result.title)


@draws(Clusters)
def _clusters(result: Clusters) -> go.Figure:
    return clusters_figure(result.table, result.title)
