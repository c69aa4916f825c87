"""The emotion curve of a journey map: how people feel, stage by stage (the feeling lane
of :class:`jejak.analyses.journey_map.JourneyLanes`).

The curve CX teams draw by hand under their maps, here from data: per stage, the share
of people with a good experience there less the share with a bad one, as a score from
-100 (all bad) to +100 (all good), with its 95% interval. NPS and review stars given in
the stage are written under the stage's name (and in the hover), one row per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.effectiveness import MIN_PEOPLE as FEW  # fewer answers: marked
from jejak.analyses.journey_map import JourneyMap
from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import (
    CHAR_PX,
    CHART_WIDTH,
    PALETTE,
    field_name,
    layout,
    legend_rows,
    plain_label,
    rgba,
    wrapped,
)
from jejak.report.figures.registry import draws

_TICKS = (-100, -50, 0, 50, 100)
_LINE_PX = 16  # a line of the stage names under the axis
_STRIP_PX = 15  # a row of NPS or stars under the stage names
_PLOT_PX = 300  # the curve's own height


def feeling_groups(feeling: pd.DataFrame, by: str | None) -> list[Any]:
    """The groups of a feeling frame in the order they come (one, ``None``, unsplit)."""
    if not by or by not in feeling:
        return [None]
    return list(dict.fromkeys(feeling[by].tolist()))


def _positions(rows: pd.DataFrame, stages: Sequence[str]) -> list[int | None]:
    """Each row's 0-based stage column: from ``stage_index`` (1-based), else its name."""
    if "stage_index" in rows:
        return [None if fmt.is_missing(i) else int(i) - 1 for i in rows["stage_index"]]
    where = {name: number for number, name in enumerate(stages)}
    return [where.get(str(name)) for name in rows["stage"]]


def _hover(row: Any, stage: str, group: str | None) -> str:
    lines = [f"<b>{plain_label(stage)}</b>"]
    if group is not None:
        lines.append(group)  # already plain
    lines.append(
        gettext("feeling {score} (95%: {low} to {high})").format(
            score=fmt.feeling_score(row.feeling),
            low=fmt.feeling_score(row.feeling_low),
            high=fmt.feeling_score(row.feeling_high),
        )
    )
    lines.append(
        gettext("{good} good · {neutral} neutral · {bad} bad, of {people}").format(
            good=fmt.people(row.good),
            neutral=fmt.people(row.neutral),
            bad=fmt.people(row.bad),
            people=fmt.headcount(int(row.people)),
        )
    )
    if not fmt.is_missing(row.nps):
        lines.append(
            gettext("NPS {nps} from {count} answers").format(
                nps=fmt.number(row.nps, 0), count=fmt.people(row.nps_answers)
            )
        )
    if not fmt.is_missing(row.stars):
        lines.append(
            gettext("{stars} stars from {count} reviews").format(
                stars=fmt.number(row.stars, 1), count=fmt.people(row.stars_answers)
            )
        )
    return "<br>".join(lines)


def feeling_figure(
    feeling: pd.DataFrame, stages: Sequence[str], by: str | None, title: str
) -> go.Figure:
    """The emotion curve: per stage (in the journey's order), the feeling score (-100 all
    bad .. +100 all good) with its 95% interval, one line per group of ``by``; a zero
    line for "as many good as bad"; NPS and stars under each stage's name.

    ``feeling`` is :attr:`JourneyLanes.feeling` (its columns: [by], stage_index, people,
    good, neutral, bad, feeling, feeling_low, feeling_high, nps, nps_answers, stars,
    stars_answers).
    """
    groups = feeling_groups(feeling, by)
    split = len(groups) > 1 or groups != [None]
    names = [language.stage(str(s)) for s in stages]
    # the strip's group names stand left of the plot: room for the longest
    longest = max((len(wrapped(plain_label(str(g)), 18)[0]) for g in groups if split), default=0)
    left = max(70, int(24 + 7 * longest))
    # the stage names wrap to their column's width at the narrowest chart; a name of one
    # long word (Berlangganan) is drawn smaller rather than meet its neighbour's
    column = (CHART_WIDTH - left - 40) / max(len(stages), 1)
    chars = max(6, int(column / CHAR_PX))
    ticks = ["<br>".join(wrapped(plain_label(n), chars, word=chars + 4)) for n in names]
    widest = max((len(line) for t in ticks for line in t.split("<br>")), default=0)
    tick_size = 12 if widest * 7.0 <= column - 10 else 11 if widest * 6.4 <= column - 10 else 10
    figure = go.Figure()
    strip: list[list[dict[str, Any]]] = []  # the NPS and stars rows, under the stage names
    for number, group in enumerate(groups):
        rows = feeling if group is None else feeling[feeling[by] == group]
        colour = PALETTE[number % len(PALETTE)]
        columns = _positions(rows, stages)
        kept = [(c, row) for c, row in zip(columns, rows.itertuples(index=False), strict=True)]
        kept = sorted(((c, r) for c, r in kept if c is not None), key=lambda cr: cr[0])
        # groups side by side at a stage, so their intervals do not hide each other
        dodge = (number - (len(groups) - 1) / 2) * 0.08 if len(groups) > 1 else 0.0
        x = [c + dodge for c, _ in kept]
        y = [None if fmt.is_missing(r.feeling) else 100 * float(r.feeling) for _, r in kept]
        low = [
            None if fmt.is_missing(r.feeling_low) else 100 * float(r.feeling_low) for _, r in kept
        ]
        high = [
            None if fmt.is_missing(r.feeling_high) else 100 * float(r.feeling_high) for _, r in kept
        ]
        label = None if group is None else plain_label(str(group))
        named = None if group is None else f"{field_name(by or '')}: {plain_label(str(group))}"
        hovers = [_hover(r, names[c], named) for c, r in kept]
        if len(groups) == 1:  # one curve: its interval as a band
            figure.add_trace(
                go.Scatter(
                    x=x, y=high, mode="lines", line=dict(width=0), hoverinfo="skip",
                    showlegend=False,
                )
            )  # fmt: skip
            figure.add_trace(
                go.Scatter(
                    x=x, y=low, mode="lines", line=dict(width=0), fill="tonexty",
                    fillcolor=rgba(colour, 0.18), hoverinfo="skip", showlegend=False,
                )
            )  # fmt: skip
            error = None
        else:
            error = dict(
                type="data",
                symmetric=False,
                array=[
                    None if h is None or v is None else h - v for h, v in zip(high, y, strict=True)
                ],
                arrayminus=[
                    None if lo is None or v is None else v - lo
                    for lo, v in zip(low, y, strict=True)
                ],
                color=rgba(colour, 0.6),
                thickness=1.5,
                width=3,
            )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=label,
                mode="lines+markers+text" if len(groups) == 1 else "lines+markers",
                line=dict(color=colour, width=3, shape="spline", smoothing=0.6),
                marker=dict(color=colour, size=9),
                text=[fmt.feeling_score(r.feeling) for _, r in kept],
                # over a point above the zero line, under one below it: off the line
                textposition=[
                    "bottom center" if v is not None and v < 0 else "top center" for v in y
                ],
                textfont=dict(size=12, color=colour),
                error_y=error,
                customdata=hovers,
                hovertemplate="%{customdata}<extra></extra>",
                showlegend=split,
            )
        )
        own_rows = _strip_rows(kept, colour if split else "#52606D")
        if split and own_rows:  # whose rows these are, at their left
            name = wrapped(plain_label(str(group)), 18)[0]
            own_rows[0].append(_strip_label(name, colour))
        strip += own_rows
    figure.add_hline(y=0, line=dict(color="#52606D", width=1.5, dash="dot"))
    figure.update_yaxes(
        # read from the bottom up: bad, then good
        title=gettext("bad ← feeling → good"),
        range=[-112, 120],  # a score's label over a point at +100 stays in the plot
        tickvals=list(_TICKS),
        ticktext=[fmt.feeling_score(t / 100) for t in _TICKS],
        zeroline=False,
        fixedrange=True,
    )
    figure.update_xaxes(
        tickvals=list(range(len(stages))),
        ticktext=ticks,
        tickangle=0,
        range=[-0.5, len(stages) - 0.5],
        showgrid=False,
        zeroline=False,
        fixedrange=True,
        tickfont=dict(size=tick_size),
    )
    lines = max((t.count("<br>") + 1 for t in ticks), default=1)
    axis = _LINE_PX * lines + 14
    for row, placed in enumerate(strip):
        for annotation in placed:
            figure.add_annotation(annotation, yshift=-(axis + _STRIP_PX * row))
    bottom = axis + _STRIP_PX * len(strip) + 10
    figure = layout(figure, title, height=_PLOT_PX + 60 + bottom)
    figure.update_layout(margin=dict(b=bottom, l=left))
    if split:
        figure.update_layout(
            showlegend=True,
            legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        )
        legend = legend_rows([plain_label(str(g)) for g in groups], _TICKS)
        figure.update_layout(
            margin=dict(t=60 + 22 * legend),
            title=dict(y=1, yref="container", yanchor="top", pad=dict(t=12)),
            height=figure.layout.height + 22 * legend,
        )
    return figure


def _strip_rows(kept: list[tuple[int, Any]], colour: str) -> list[list[dict[str, Any]]]:
    """A group's row of NPS and its row of stars under the stage names, where it has any.
    A measure from fewer than :data:`FEW` answers says how many, lighter: an NPS of 100
    from three answers is not a finding."""
    measures = (
        ("nps", "nps_answers", lambda v: gettext("NPS {nps}").format(nps=fmt.number(v, 0))),
        ("stars", "stars_answers", lambda v: gettext("★ {stars}").format(stars=fmt.number(v, 1))),
    )
    rows = []
    for measure, answers, words in measures:
        present = [(c, getattr(r, measure), getattr(r, answers)) for c, r in kept]
        present = [(c, v, n) for c, v, n in present if not fmt.is_missing(v)]
        if present:
            rows.append(
                [
                    dict(
                        x=c,
                        y=0,
                        xref="x",
                        yref="paper",
                        yanchor="top",
                        text=words(value) + _few(n),
                        showarrow=False,
                        font=dict(size=11, color=colour),
                    )
                    for c, value, n in present
                ]
            )
    return rows


def _few(answers: Any) -> str:
    if fmt.is_missing(answers) or int(answers) >= FEW:
        return ""
    return f' <span style="color:#9AA5B1">({fmt.people(answers)})</span>'


def _strip_label(text: str, colour: str) -> dict[str, Any]:
    return dict(
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        xanchor="right",
        yanchor="top",
        text=f"<b>{text}</b>",
        showarrow=False,
        font=dict(size=11, color=colour),
    )


@draws(JourneyMap, "feeling")
def _feeling(result: JourneyMap) -> go.Figure:
    lanes = result.lanes
    if lanes is None or lanes.feeling is None or lanes.feeling.empty:
        raise NotImplementedError(
            f"{type(result).__name__} has no feeling lane: ask the map for its lanes"
        )
    meta = result.meta
    title = gettext("{title}: how people feel").format(title=result.title)
    return feeling_figure(lanes.feeling, meta["stages"], meta.get("by"), title)
