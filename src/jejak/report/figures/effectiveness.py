"""Charts of touchpoint effectiveness (:mod:`jejak.analyses.effectiveness`): ratios
and the effects that help people move on, as forest plots."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.effectiveness import MIN_PEOPLE, TouchpointEffects, TouchpointRatios
from jejak.language import N_, gettext, ngettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import (
    PALETTE,
    labelled_bars,
    layout,
    legend_rows,
    plain_label,
    ratio_range,
    ratio_ticks,
    share_format,
    share_ticks,
)
from jejak.report.figures.registry import draws


def touchpoint_ratio_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Each touchpoint's share of conversions, with how many it takes per conversion."""
    # touchpoints that came before no conversion (the conversion itself, after-sale ones)
    # have nothing to show here; the table lists them
    before = table[table["converting_journeys"] > 0]
    rows = before.sort_values("share_of_conversions", ascending=True, kind="stable").tail(20)
    figure = labelled_bars(
        rows[by],
        [0.0 if fmt.is_missing(v) else float(v) for v in rows["share_of_conversions"]],
        [
            gettext("{share} · {count} per conversion").format(
                share=fmt.percent(s), count=fmt.number(p, 1)
            )
            for s, p in zip(rows["share_of_conversions"], rows["per_conversion"], strict=True)
        ],
        PALETTE[0],
    )
    widest = float(rows["share_of_conversions"].max()) if len(rows) else 1.0
    figure.update_xaxes(
        title=gettext("share of conversions whose journey had it"),
        tickformat=share_format(widest),
        tickvals=share_ticks(widest),  # the axis runs on for the labels, not past 100%
    )
    return layout(figure, title, height=max(300, 110 + 30 * len(rows)))


# the analysis's verdicts (data, in English), shown through gettext
FEW = N_("too few people")
VERDICT_COLORS = {
    N_("helps"): "#59A14F",
    N_("hurts"): "#E15759",
    N_("unclear"): "#9AA5B1",
    FEW: "#A9B2BC",  # drawn hollow: too few people to judge
}


MOST_PER_STAGE = 8  # a chart and its table show at most this many values per stage


def shown_effects(table: pd.DataFrame, most: int = MOST_PER_STAGE) -> tuple[pd.DataFrame, int]:
    """The rows an effects chart and its table both show, in the analysis's order (stages
    in journey order, most people first): per stage, the ``most`` values most people had,
    those with too few people included; and how many rows are left out."""
    if "stage" not in table or not len(table):
        return table, 0
    shown = table.groupby("stage", sort=False).head(most)
    return shown, len(table) - len(shown)


@dataclass
class _Placed:
    """Where a row of an effects chart is drawn on an axis cut at ``low``-``high``, and
    what its hover says."""

    x: float
    minus: float  # the whisker's length to the left of x, on the axis as drawn
    plus: float
    symbol: str
    ends: list[tuple[float, str]]  # the ends of whiskers cut at an axis end: x, symbol
    said: str


def _place(row: pd.Series, low: float, high: float, few: int) -> _Placed:
    """Draw a ratio and its interval on a log axis from ``low`` to ``high``: a bound at
    0, infinite or beyond an end is drawn to that end with an arrowhead; a row with no
    ratio (nobody moved on one side, nobody to compare with) sits at the end it leans to,
    or at 1x with a cross, and its hover says why."""
    hollow = row["verdict"] == FEW
    ratio, lo, hi = (float(row[k]) for k in ("rate_ratio", "ci_low", "ci_high"))
    people_with, people_without = row["people_with"], row.get("people_without")
    left, right = (
        ("triangle-left-open", "triangle-right-open")
        if hollow
        else ("triangle-left", "triangle-right")
    )
    circle = "circle-open" if hollow else "circle"
    lines: list[str] = []
    if not fmt.is_missing(ratio):
        x = min(max(ratio, low), high)
        symbol = circle if x == ratio else left if ratio < low else right
        ends: list[tuple[float, str]] = []
        lo_drawn, hi_drawn = x, x
        if not fmt.is_missing(lo):
            lo_drawn = min(max(lo, low), x)
            if lo < low and x > low:
                ends.append((low, left))
        if not fmt.is_missing(hi):
            hi_drawn = max(min(hi, high), x)
            if hi > high and x < high:
                ends.append((high, right))
        lines.append(
            ngettext(
                "moves on {ratio}x as fast with it ({low}x to {high}x); {people} person had it",
                "moves on {ratio}x as fast with it ({low}x to {high}x); {people} people had it",
                people_with,
            ).format(
                ratio=fmt.number(ratio, 2),
                low=fmt.number(lo, 2),
                high=fmt.number(hi, 2),
                people=fmt.people(people_with),
            )
        )
        if ends or symbol != circle:
            lines.append(
                gettext("it runs past the chart's edge: cut there, marked by an arrowhead")
            )
        placed = _Placed(x, x - lo_drawn, hi_drawn - x, symbol, ends, "")
    else:
        moved_with, moved_without = row.get("moved_with"), row.get("moved_without")
        if not fmt.is_missing(people_without) and people_without == 0:
            lines.append(gettext("everyone in the stage had it: nobody to compare with"))
            placed = _Placed(1.0, 0.0, 0.0, "x-thin-open", [], "")
        elif moved_with == 0 and not fmt.is_missing(moved_without) and moved_without > 0:
            lines.append(
                ngettext(
                    "nobody moved on after it ({people} person had it): no ratio",
                    "nobody moved on after it ({people} people had it): no ratio",
                    people_with,
                ).format(people=fmt.people(people_with))
            )
            placed = _Placed(low, 0.0, 0.0, left, [], "")
        elif moved_without == 0 and not fmt.is_missing(moved_with) and moved_with > 0:
            lines.append(
                ngettext(
                    "nobody moved on without it ({people} person had it): no ratio",
                    "nobody moved on without it ({people} people had it): no ratio",
                    people_with,
                ).format(people=fmt.people(people_with))
            )
            placed = _Placed(high, 0.0, 0.0, right, [], "")
        else:
            lines.append(gettext("no ratio: too few moves to compare"))
            placed = _Placed(1.0, 0.0, 0.0, "x-thin-open", [], "")
    if hollow:
        lines.append(
            gettext(
                "too few people to judge: {with_it} with it, {without} without (a verdict"
                " needs {count} on each side)"
            ).format(
                with_it=fmt.people(people_with),
                without=fmt.people(people_without),
                count=fmt.people(few),
            )
        )
    placed.said = "<br>".join(lines)
    return placed


def touchpoint_effect_figure(
    table: pd.DataFrame,
    by: str,
    title: str,
    few: int = MIN_PEOPLE,
    colours: dict[str, str] = VERDICT_COLORS,
) -> go.Figure:
    """How many times as fast people move on after a touchpoint (95% interval), per stage.

    The rows are :func:`shown_effects`'s, first on top, as its table lists them. A row
    with fewer than ``few`` people on a side is a hollow dot, with its interval; the axis
    spans the judged rows (all rows when none is judged), so one wild small group does
    not squash the others: what lies beyond an end is drawn to it with an arrowhead.
    ``colours``: each verdict's colour, in the legend's order (those of drivers differ).
    """
    rows = shown_effects(table)[0].iloc[::-1]
    labels = [
        f"{plain_label(language.stage(str(s)))} · {plain_label(str(v))}"
        for s, v in zip(rows["stage"], rows[by], strict=True)
    ]
    judged = rows[rows["verdict"] != FEW]
    spanned = judged if len(judged) else rows
    values = [*spanned["rate_ratio"], *spanned["ci_low"], *spanned["ci_high"]]
    low, high = ratio_range(values)
    placed = [_place(row, low, high, few) for _, row in rows.iterrows()]
    figure = go.Figure()
    for verdict, colour in colours.items():
        part = (rows["verdict"] == verdict).to_numpy()
        if not part.any():
            continue
        chosen = [p for p, keep in zip(placed, part, strict=True) if keep]
        named = [label for label, keep in zip(labels, part, strict=True) if keep]
        # the legend's own entry: a dot (plotly's would be the first row's, maybe an arrow)
        figure.add_trace(
            go.Scatter(
                name=gettext(verdict),
                legendgroup=verdict,
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(
                    color=colour,
                    size=9,
                    symbol="circle-open" if verdict == FEW else "circle",
                    line=dict(color=colour, width=2),
                ),
                hoverinfo="skip",
            )
        )
        figure.add_trace(
            go.Scatter(
                name=gettext(verdict),
                legendgroup=verdict,
                showlegend=False,
                y=named,
                x=[p.x for p in chosen],
                mode="markers",
                marker=dict(
                    color=colour,
                    size=9,
                    symbol=[p.symbol for p in chosen],
                    line=dict(color=colour, width=2),
                ),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=[p.plus for p in chosen],
                    arrayminus=[p.minus for p in chosen],
                    color=colour,
                    thickness=1.5,
                ),
                customdata=[p.said for p in chosen],
                hovertemplate="%{y}<br>%{customdata}<extra></extra>",
            )
        )
        cut = [
            (label, end, p.said) for label, p in zip(named, chosen, strict=True) for end in p.ends
        ]
        if cut:  # the arrowheads of whiskers cut at an axis end
            figure.add_trace(
                go.Scatter(
                    name=gettext(verdict),
                    legendgroup=verdict,
                    showlegend=False,
                    y=[label for label, _, _ in cut],
                    x=[x for _, (x, _), _ in cut],
                    mode="markers",
                    marker=dict(
                        color=colour,
                        size=8,
                        symbol=[symbol for _, (_, symbol), _ in cut],
                        line=dict(color=colour, width=2),
                    ),
                    customdata=[said for _, _, said in cut],
                    hovertemplate="%{y}<br>%{customdata}<extra></extra>",
                )
            )
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=labels)  # in order
    figure.add_vline(x=1, line=dict(color="#52606D", width=1))
    ticks = ratio_ticks(values)
    inside = [
        (v, t)
        for v, t in zip(ticks["tickvals"], ticks["ticktext"], strict=True)
        if low <= v <= high
    ]
    figure.update_xaxes(
        type="log",
        title=gettext("moves on this many times as fast after it (same time in stage, 95%)"),
        tickvals=[v for v, _ in inside],
        ticktext=[t for _, t in inside],
        range=[math.log10(low / 1.06), math.log10(high * 1.06)],  # the arrowheads fit
    )
    figure = layout(figure, title, height=max(320, 120 + 26 * len(rows)))
    figure.update_layout(
        showlegend=True, legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0)
    )
    names = [trace.name for trace in figure.data if trace.showlegend is not False]
    legend = legend_rows(names, labels)
    if legend > 1:  # longer names (in Bahasa Indonesia): more rows, the title on top
        figure.update_layout(
            margin=dict(t=50 + 22 * legend),
            title=dict(y=1, yref="container", yanchor="top", pad=dict(t=12)),
            height=figure.layout.height + 22 * (legend - 1),
        )
    return figure


@draws(TouchpointRatios)
def _touchpoint_ratios(result: TouchpointRatios) -> go.Figure:
    return touchpoint_ratio_figure(result.table, result.meta["by"], result.title)


@draws(TouchpointEffects)
def _touchpoint_effects(result: TouchpointEffects) -> go.Figure:
    return touchpoint_effect_figure(
        result.table, result.meta["by"], result.title, result.meta.get("min_people", MIN_PEOPLE)
    )
