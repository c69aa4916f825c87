"""The house look every chart shares: colours, fonts, the layout, labelled bars,
and axes of ratios and shares whose ticks read as people expect."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from jejak import language
from jejak.language import N_
from jejak.report import formatting as fmt

# Tableau 10, minus its grey (kept for people who stopped): distinct hues that survive
# printing and the common colour-vision deficiencies better than Plotly's default cycle.
PALETTE: tuple[str, ...] = (
    "#4E79A7",
    "#F28E2B",
    "#59A14F",
    "#E15759",
    "#76B7B2",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#2F4B7C",
)


STOPPED_COLOR = "#B8BEC6"


_FONT = dict(
    family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    size=13,
    color="#1F2933",
)


DARK_INK = "#1F2933"


_LIGHT_INK = "#FFFFFF"


def stage_color(position: int) -> str:
    """The colour of the stage at 0-based ``position`` in its journey, the same in every chart."""
    return PALETTE[position % len(PALETTE)]


def plain_label(text: str) -> str:
    """Text that Plotly shows literally: it reads ``<b>``-style tags in labels as markup.

    Plotly decodes HTML entities when it draws text, so escaping keeps a stage named
    ``<b>VIP</b>`` (or worse) from being styled, while the page shows the name as typed.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# the fields charts are most often split by, marked for the catalogue
_FIELDS = (
    N_("channel"),
    N_("campaign"),
    N_("segment"),
    N_("source"),
    N_("medium"),
    N_("stage"),
)


def field_name(field: str) -> str:
    """A touchpoint field a chart is split by (``channel``, ``segment``), in the words of
    the context's language where the catalogue has them (the dashboard's field names)."""
    return plain_label(language.gettext(field))


def ink(background: str) -> str:
    """Dark or white text, whichever reads better on ``background`` (a #RRGGBB colour)."""
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return DARK_INK if luminance > 0.55 else _LIGHT_INK


def rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    """House layout: white, system fonts, margins that fit labels without wasting space;
    the numbers Plotly formats itself (ticks, hovers) in the marks of the context's
    language (``1.234,5`` in Bahasa Indonesia), thousands marked below 10,000 too (Plotly
    writes ``2000`` beside a bar labelled ``2.000`` otherwise)."""
    if language.current() != language.DEFAULT:
        # plotly's separators: the decimal mark, then the thousands mark
        figure.update_layout(separators=language.localised(".,"))
    _white(figure)
    figure.update_xaxes(separatethousands=True)
    figure.update_yaxes(separatethousands=True)
    figure.update_layout(
        title=dict(text=plain_label(title), x=0, xanchor="left", font=dict(size=17)),
        font=_FONT,
        height=height,
        margin=dict(l=20, r=30, t=60, b=30),
        showlegend=False,
        hoverlabel=dict(align="left", font=dict(family=_FONT["family"])),
    )
    return figure


def _white(figure: go.Figure) -> None:
    """Plotly's ``plotly_white`` template on ``figure``, set as Plotly sets its default
    one: a registered template is valid already, and checking it again copies it whole
    (20 ms a chart, a twentieth of a report's time)."""
    import plotly.io as pio

    chart = figure.layout
    chart._validate = False
    try:
        chart.template = pio.templates["plotly_white"]
    finally:
        chart._validate = figure._validate


def labelled_bars(
    labels: Sequence[Any], values: Sequence[float], texts: Sequence[str], colour: str
) -> go.Figure:
    """Horizontal bars, first row on top, each labelled at its end with ``texts`` (the
    axis leaves room for the longest bar's label: it is not cut at the chart's edge)."""
    lines = [wrapped(str(label), LABEL_CHARS) for label in labels]
    figure = go.Figure(
        go.Bar(
            y=["<br>".join(plain_label(line) for line in label) for label in lines],
            x=list(values),
            orientation="h",
            marker=dict(color=colour),
            text=list(texts),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    known = [v for v in values if v == v and v > 0]  # NaN: not estimated
    if known:
        longest = [max(label, key=len) for label in lines]
        figure.update_xaxes(range=[0, max(known) / (1 - _label_share(longest, texts))])
    return figure


LABEL_CHARS = 56  # a bar's name longer than this wraps (a cluster's traits, in words)


_RATIOS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


_FINE_RATIOS = (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10)  # < 20x, 60+ px apart


def ratio_ticks(values: Sequence[float]) -> dict[str, Any]:
    """Ticks for a log axis of ratios, read as 0.5x, 1x, 2x (plotly's own read
    "4 5 6 7 8 9 1 2 3"): the round ratios from the smallest value to the largest."""
    known = [float(v) for v in values if not fmt.is_missing(v) and 0 < float(v) < float("inf")]
    low, high = (min(known), max(known)) if known else (0.5, 2.0)
    low, high = min(low, 0.9), max(high, 1.1)  # 1x, no difference, is always in sight
    ticks = [t for t in _FINE_RATIOS if low <= t <= high]
    if high / low > 20 or len(ticks) < 3:
        ticks = [t for t in _RATIOS if low / 2 <= t <= high * 2]
    return dict(tickvals=ticks, ticktext=[language.localised(f"{t:g}x") for t in ticks])


def ratio_range(values: Sequence[float]) -> tuple[float, float]:
    """The ends of a log axis of ratios that shows ``values`` (1x always in sight), with
    a little room beyond them: what lies outside is drawn at an end, marked as cut."""
    known = [float(v) for v in values if not fmt.is_missing(v) and 0 < float(v) < float("inf")]
    low, high = (min(known), max(known)) if known else (0.5, 2.0)
    return min(low, 0.9) / 1.15, max(high, 1.1) * 1.15


def share_format(top: float) -> str:
    """A share axis's tick format, precise enough that no two ticks read the same (an
    axis to 2.4% in whole percents reads 0% 1% 1% 2% 2%)."""
    return ".0%" if top >= 0.1 else ".1%" if top >= 0.01 else ".2%"


def share_ticks(widest: float) -> list[float]:
    """Ticks for a share axis, from 0 to the largest share at a round step (at most
    100%), so an axis lengthened for labels does not read 120% or 140%."""
    top = min(max(widest, 0.001), 1.0)
    steps = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25)
    step = next(s for s in steps if top / s <= 6)
    ticks = [round(i * step, 4) for i in range(int(top / step + 0.999) + 1)]
    return [t for t in ticks if t <= 1.0]


CHART_WIDTH = 820  # the narrowest a chart is drawn (the report scrolls a narrower one)


def _label_share(labels: Sequence[Any], texts: Sequence[str]) -> float:
    """The share of a bar chart's plot width its longest label at a bar's end takes, in
    a chart at its narrowest: the axis is lengthened by it, so no label is cut."""
    names = max((len(str(label)) for label in labels), default=0)
    plot = max(300.0, CHART_WIDTH - 60 - CHAR_PX * names)  # less the names on the left
    label = CHAR_PX * max((len(str(text)) for text in texts), default=0) + 16
    return min(max(label / plot, 0.2), 0.6)


CHAR_PX = 7.2


def legend_rows(names: Sequence[str], labels: Sequence[Any]) -> int:
    """The rows a horizontal legend of ``names`` takes over a chart at its narrowest whose
    axis is labelled ``labels``: plotly sets the entries in columns as wide as the widest
    (its symbol, 40 px, and its name), as many as fit the plot's width."""
    plot = CHART_WIDTH - 50 - CHAR_PX * max((len(str(label)) for label in labels), default=0)
    column = 43 + CHAR_PX * max((len(name) for name in names), default=0)
    return -(-len(names) // max(1, int(plot // column)))  # ceiling


def wrapped(text: str, chars: int, breaks: str = " ", word: int | None = None) -> list[str]:
    """``text`` in lines of at most ``chars`` characters, broken after any of ``breaks``
    (a space is dropped at a break, ``_``, ``-`` and ``/`` are kept); a piece longer than
    a line is cut, with an ellipsis (hovering shows the whole name), unless it has at most
    ``word`` characters: a word that fits the label's whole room is kept on a line of its
    own (Keterlibatan, Berlangganan)."""
    pieces = re.findall(rf"[^{re.escape(breaks)}]+[{re.escape(breaks)}]?", text.strip())
    lines: list[str] = []
    for piece in pieces:
        if len(piece.rstrip()) > max(chars, word or 0):
            piece = piece[: chars - 1] + "…"
        if lines and len((lines[-1] + piece).rstrip()) <= chars:
            lines[-1] += piece
        else:
            lines.append(piece)
    return [line.rstrip() for line in lines] or [""]


_MOST_DATE_TICKS = 8


def dated(figure: go.Figure, dates: Sequence[Any]) -> go.Figure:
    """A chart whose x axis is ``dates`` (the starts of its periods), with the months named
    in the context's language: Plotly names them in English only (plotly.py ships no
    locale of plotly.js), so outside English the ticks and the hovers' ``%{x}`` are
    written here (``Mei 2026`` for months, ``30 Mei 2026`` for days and weeks)."""
    if language.current() == language.DEFAULT or not len(dates):
        return figure
    import pandas as pd

    def names(values: Sequence[Any]) -> list[str]:
        days = [pd.Timestamp(v) for v in values]
        monthly = all(d.day == 1 for d in days)
        return [fmt.month(d) if monthly else fmt.day(d) for d in days]

    days = [pd.Timestamp(d) for d in dates]
    step = -(-len(days) // _MOST_DATE_TICKS)  # ceiling: at most 8 ticks
    figure.update_xaxes(
        tickmode="array",
        tickvals=[d.isoformat() for d in days[::step]],
        ticktext=names(days)[::step],
    )
    for trace in figure.data:
        template = trace.hovertemplate
        if template and "%{x}" in template and trace.x is not None and len(trace.x):
            trace.update(
                hovertext=names(trace.x), hovertemplate=template.replace("%{x}", "%{hovertext}")
            )
    return figure
