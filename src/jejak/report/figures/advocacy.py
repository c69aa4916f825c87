"""Charts of advocacy: NPS (:mod:`jejak.analyses.nps`), reviews
(:mod:`jejak.analyses.reviews`) and referrals (:mod:`jejak.analyses.referrals`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.effectiveness import MIN_PEOPLE as FEW  # fewer: marked as few
from jejak.analyses.nps import NPS
from jejak.analyses.referrals import Referrals
from jejak.analyses.reviews import Reviews
from jejak.language import gettext, localised, ngettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, dated, layout
from jejak.report.figures.registry import draws


def _trend_figure(
    table: pd.DataFrame,
    value: str,
    count: str,
    few_label: Callable[[int], str],
    hover: str,
    overall_label: str,
    colour: str,
    title: str,
) -> go.Figure:
    """A per-period measure with its 95% interval; the whole range (``all``) as a dashed line.
    A period with fewer than :data:`FEW` answers is a hollow dot labelled with its
    count (``few_label`` of a count: ``{count} answers``): its value (often 100 or 5 stars from
    one or two answers) is not a trend."""
    periods = table[table["period"] != "all"]
    overall = table[table["period"] == "all"]
    few = [int(n) < FEW for n in periods[count]]
    middle = float(periods[value].median()) if len(periods) else 0.0
    figure = go.Figure(
        go.Scatter(
            x=periods["period"],
            y=periods[value],
            mode="lines+markers+text",
            marker=dict(
                symbol=["circle-open" if f else "circle" for f in few], size=9, color=colour
            ),
            text=[
                few_label(int(n)).format(count=fmt.people(n)) if f else ""
                for n, f in zip(periods[count], few, strict=True)
            ],
            textposition=_label_sides(list(periods[value]), few, middle),
            textfont=dict(size=11, color="#52606D"),
            line=dict(color=colour),
            error_y=dict(
                type="data",
                symmetric=False,
                array=(periods["ci_high"] - periods[value]).fillna(0).tolist(),
                arrayminus=(periods[value] - periods["ci_low"]).fillna(0).tolist(),
                color=colour,
            ),
            customdata=[fmt.people(n) for n in periods[count]],
            hovertemplate=hover,
        )
    )
    if len(overall) and not fmt.is_missing(overall[value].iloc[0]):
        # its label right of the plot, where no period's dot or count label can meet it
        figure.add_hline(
            y=float(overall[value].iloc[0]),
            line=dict(color="#52606D", dash="dash"),
            annotation_text=overall_label,
            annotation_position="right",
        )
    return dated(figure, list(periods["period"]))


def _label_sides(values: list[float], labelled: list[bool], middle: float) -> list[str]:
    """Where each dot's count label goes: under a dot in the upper half (a tiny group is
    often at the very top), over one in the lower half; on the other side from the last
    labelled dot's when the two are level, so neighbours' labels never meet."""
    span = (max(values) - min(values)) if values else 0.0
    sides, last = [], None  # last: (value, side) of the latest labelled dot
    for v, shown in zip(values, labelled, strict=True):
        side = "bottom center" if v >= middle else "top center"
        if shown and last is not None and abs(v - last[0]) <= 0.15 * span and side == last[1]:
            side = "top center" if side == "bottom center" else "bottom center"
        sides.append(side)
        last = (v, side) if shown else None
    return sides


def _overall(table: pd.DataFrame, value: str, digits: int) -> str:
    """The whole range's measure (period ``all``) to ``digits`` decimals, or a dash."""
    overall = table.loc[table["period"] == "all", value]
    if not len(overall) or fmt.is_missing(overall.iloc[0]):
        return fmt.MISSING
    return localised(f"{float(overall.iloc[0]):.{digits}f}")


def nps_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """NPS per period with its 95% interval; the whole range as a dashed line."""
    overall = _overall(table, "nps", 0)
    figure = _trend_figure(
        table, "nps", "answers", lambda n: ngettext("{count} answer", "{count} answers", n),
        gettext("{period}: NPS {nps} from {count} answers").format(
            period="%{x}", nps="%{y:.0f}", count="%{customdata}"
        )
        + "<extra></extra>",
        gettext("all: {value}").format(value=overall), PALETTE[0], title,
    )  # fmt: skip
    figure.update_yaxes(title="NPS", range=[-100, 100])
    return _beside(layout(figure, title, height=400), overall)


def referral_figure(tree: pd.DataFrame, title: str) -> go.Figure:
    """People at each depth of the referral tree, customers and not."""
    depths = sorted(tree["depth"].unique()) if len(tree) else []
    figure = go.Figure()
    for customer, name, colour in (
        (True, gettext("customers"), PALETTE[2]),
        (False, gettext("not (yet)"), "#B8BEC6"),
    ):
        counts = [
            int(((tree["depth"] == d) & (tree["customer"] == customer)).sum()) for d in depths
        ]
        figure.add_trace(
            go.Bar(
                name=name,
                x=[gettext("depth {depth}").format(depth=d) for d in depths],
                y=counts,
                marker=dict(color=colour),
                hovertemplate=f"%{{x}}: %{{y:,}} {name}<extra></extra>",
            )
        )
    figure.update_yaxes(title=gettext("people"))
    figure = layout(figure, title, height=380)
    return figure.update_layout(barmode="stack", showlegend=True)


def reviews_figure(table: pd.DataFrame, meta: dict[str, Any], title: str) -> go.Figure:
    """Mean rating per period with its 95% interval; the whole range as a dashed line."""
    overall = _overall(table, "mean", 2)
    figure = _trend_figure(
        table, "mean", "reviews", lambda n: ngettext("{count} review", "{count} reviews", n),
        gettext("{period}: {stars} stars from {count} reviews").format(
            period="%{x}", stars="%{y:.2f}", count="%{customdata}"
        )
        + "<extra></extra>",
        gettext("all: {value}").format(value=overall), PALETTE[5], title,
    )  # fmt: skip
    low, high = meta["scale"]
    figure.update_yaxes(title=gettext("mean rating"), range=[low - 0.2, high + 0.2])
    return _beside(layout(figure, title, height=400), overall)


def _beside(figure: go.Figure, overall: str) -> go.Figure:
    """Room right of the plot for the whole range's label ("all: 3.38")."""
    label = gettext("all: {value}").format(value=overall)
    return figure.update_layout(margin=dict(r=16 + 7 * len(label)))


@draws(NPS)
def _nps(result: NPS) -> go.Figure:
    return nps_figure(result.table, result.title)


@draws(Reviews)
def _reviews(result: Reviews) -> go.Figure:
    return reviews_figure(result.table, result.meta, result.title)


@draws(Referrals)
def _referrals(result: Referrals) -> go.Figure:
    return referral_figure(result.tree, result.title)
