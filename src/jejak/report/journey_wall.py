"""The journey map as a wall chart: stages as columns, one lane per kind of customer.

This is the map a marketer prints and pins up, so it is plain HTML and CSS (text stays
sharp on paper and wraps in narrow columns, which chart text does not). Lanes sit under
each other with their stages aligned, so two kinds of customer compare stage by stage.
Each touchpoint card carries its people, the share who moved on (also its colour: red
when few did, green when most did), the context and need it served, and its rating.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd

from jejak import language
from jejak.analyses.journey_map import JourneyLanes
from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report import wall_lanes

# red (few moved on) -> amber -> green (most moved on); grey where moving on has no meaning
_RED, _AMBER, _GREEN, _GREY = (200, 70, 60), (220, 160, 40), (50, 140, 80), (150, 160, 170)

CSS = """
section.wide { width: min(100vw - 48px, 1800px);
  margin-left: calc((100% - min(100vw - 48px, 1800px)) / 2); }
.wall-wrap { overflow-x: auto; margin: 16px 0; page: wall; }
.wall { display: grid; gap: 6px; font-size: 0.8rem; line-height: 1.35; }
.wall .stage { background: #2f4b7c; color: #fff; font-weight: 600; padding: 6px 8px;
  border-radius: 4px; }
.wall .stage small { display: block; font-weight: 400; opacity: 0.8; }
.wall .lane { font-weight: 600; padding: 6px 4px; align-self: stretch;
  border-top: 2px solid #cbd2d9; }
.wall .cell { border-top: 2px solid #cbd2d9; padding-top: 6px; min-width: 0; }
.wall .card { border-left: 5px solid var(--c); background: var(--t); border-radius: 3px;
  padding: 4px 7px; margin-bottom: 5px; break-inside: avoid; }
.wall .card > * { display: block; }
.wall .card b { overflow-wrap: anywhere; }
.wall .card .why { color: #52606d; overflow-wrap: anywhere; }
.wall .empty { color: #9aa5b1; }
.wall-legend { font-size: 0.85rem; color: #52606d; margin: 4px 0 0; }
.wall-legend span { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px;
  vertical-align: -0.1em; margin: 0 3px 0 10px; }
.personas p { max-width: 90ch; margin: 0 0 8px; }
.wall .lane-block { display: grid; grid-column: 1 / -1; grid-template-columns: subgrid;
  gap: 6px; margin-top: 10px; }
.wall .persona { grid-column: 1 / -1; background: #eef2f7; border-left: 5px solid #2f4b7c;
  border-radius: 3px; padding: 6px 10px; }
.wall .persona b { margin-right: 0.5em; }
.wall .persona .who { position: sticky; left: 10px; display: inline-block;
  max-width: min(100%, calc(100vw - 120px)); }
.wall .row-name { font-weight: 600; color: #52606d; padding: 6px 4px;
  border-top: 2px solid #cbd2d9; }
.wall .row-name small { display: block; font-weight: 400; }
.wall .reason { grid-column: 2 / -1; border-top: 2px solid #cbd2d9; padding: 6px 0;
  color: #52606d; font-style: italic; }
.wall .mood { display: flex; height: 10px; border-radius: 2px; overflow: hidden;
  background: #e4e7eb; margin: 2px 0 4px; }
.wall .mood span { display: block; height: 100%; }
.wall .feel > span { display: block; }
.wall .feel .score { font-weight: 600; font-size: 0.9rem; white-space: nowrap; }
.wall .card.pain { --c: #c8463c; --t: rgba(200,70,60,0.10); }
.wall .card.chance { --c: #2f6fab; --t: rgba(47,111,171,0.10); }
.wall .card .kind { font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.04em;
  color: var(--c); font-weight: 600; overflow-wrap: anywhere; }
.wall .across { grid-column: 2 / -1; }
.wall .feel .n { white-space: nowrap; }
.wall .feel small { color: #52606d; white-space: nowrap; }
.wall .stage.again { display: none; }
@media print {
  section.wide { page: wall; }
  .wall .stage.again { display: block; }
  @page wall { size: A3 landscape; margin: 10mm; }
  section.wide { width: auto; margin-left: 0; }
  .wall-wrap { overflow: visible; }
  .wall { font-size: 8pt; }
  .wall-wrap, .wall-wrap * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .personas p { max-width: 90ch; margin: 0 0 8px; }
.wall .lane-block { break-inside: avoid; page-break-inside: avoid; }
  .wall .stage { break-after: avoid; page-break-after: avoid; }
}
"""


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl


def moved_on_colour(share: float | None) -> tuple[int, int, int]:
    """The card colour for a moved-on share: red at 0, amber at one half, green at 1."""
    if share is None or fmt.is_missing(share):
        return _GREY
    share = min(max(float(share), 0.0), 1.0)
    if share < 0.5:
        return _mix(_RED, _AMBER, share * 2)
    return _mix(_AMBER, _GREEN, (share - 0.5) * 2)


def _card(cell: Any) -> str:
    r, g, b = moved_on_colour(cell.moved_on)
    style = f"--c: rgb({r},{g},{b}); --t: rgba({r},{g},{b},0.12)"
    facts = fmt.headcount(cell.people)
    if not fmt.is_missing(cell.moved_on):
        moved = gettext("{share} moved on").format(share=fmt.percent(cell.moved_on, 0))
        facts += f" · {moved}"
    lines = [f"<b>{html.escape(str(cell.touchpoint))}</b>", f"<span>{html.escape(facts)}</span>"]
    why = " / ".join(str(v) for v in (cell.top_context, cell.top_need) if isinstance(v, str))
    if why:
        lines.append(f'<span class="why">{html.escape(why)}</span>')
    if not fmt.is_missing(cell.rating):
        rated = gettext("rated {rating} of 5").format(rating=fmt.number(cell.rating, 1))
        lines.append(f"<span>{html.escape(rated)}</span>")
    where = gettext("{touchpoint} in {stage}").format(
        touchpoint=cell.touchpoint, stage=language.stage(str(cell.stage))
    )
    title = html.escape(where, quote=True)
    return f'<div class="card" style="{style}" title="{title}">{"".join(lines)}</div>'


def journey_wall_html(
    table: pd.DataFrame,
    stages: Sequence[str],
    by: str | None,
    lanes: JourneyLanes | None = None,
) -> str:
    """The map as an HTML fragment (styled by ``CSS``): a header row of stages, then one
    lane per value of ``by`` (one lane without it). ``table`` is ``JourneyMap.table``.

    With ``lanes`` (``JourneyMap.lanes``), each lane opens with its persona and has rows
    under its touchpoints: feeling, pain points and opportunities (see
    :mod:`jejak.report.wall_lanes`); an empty lane says why.
    """
    if lanes is not None:
        return _wall_with_lanes(table, stages, by, lanes) + _legend()
    groups = list(table.groupby(by, sort=False)) if by else [(None, table)]
    label = 1 if by else 0
    columns = (["minmax(7em, auto)"] if by else []) + ["minmax(9em, 1fr)"] * len(stages)
    parts = [f'<div class="wall" style="grid-template-columns: {" ".join(columns)}">']
    if by:
        parts.append(f'<div class="stage">{html.escape(gettext(by))}</div>')
    parts += _stage_headers(stages)
    for value, rows in groups:
        if label:
            parts.append(f'<div class="lane">{html.escape(str(value))}</div>')
        parts += _touchpoint_cells(rows, stages)
    parts.append("</div>")
    return f'<div class="wall-wrap">{"".join(parts)}</div>' + _legend()


def _stage_headers(stages: Sequence[str], again: bool = False) -> list[str]:
    """The stages' headers; ``again``: repeated over a lane, shown only on paper (each
    printed page of lanes names its columns)."""
    numbered = gettext("Stage {number}")
    kind = "stage again" if again else "stage"
    return [
        f'<div class="{kind}"><small>{html.escape(numbered.format(number=i))}'
        f"</small>{html.escape(language.stage(str(s)))}</div>"
        for i, s in enumerate(stages, start=1)
    ]


def _touchpoint_cells(rows: pd.DataFrame, stages: Sequence[str]) -> list[str]:
    """One cell per stage, its touchpoints' cards most people first (or "nobody")."""
    nobody = html.escape(gettext("nobody"))
    cells = []
    for index in range(1, len(stages) + 1):
        here = rows[rows["stage_index"] == index].sort_values("rank")
        cards = "".join(_card(cell) for cell in here.itertuples(index=False))
        cells.append(f'<div class="cell">{cards or f"<span class=empty>{nobody}</span>"}</div>')
    return cells


def _wall_with_lanes(
    table: pd.DataFrame, stages: Sequence[str], by: str | None, lanes: JourneyLanes
) -> str:
    """The wall whose lanes (one per group) each open with their persona and carry rows
    of feeling, pain points and opportunities under their touchpoints. A lane is a block
    of its own (a subgrid: its stages stay aligned with the header), so printing keeps
    it on one page where it fits."""
    groups = wall_lanes.groups(table, by, lanes)
    columns = ["9.5em"] + ["minmax(9em, 1fr)"] * len(stages)
    parts = [
        f'<div class="wall with-lanes" style="grid-template-columns: {" ".join(columns)}">',
        f'<div class="stage">{html.escape(gettext(by))}</div>' if by else "<div></div>",
        *_stage_headers(stages),
    ]
    corner = f'<div class="stage again">{html.escape(gettext(by)) if by else ""}</div>'
    for number, value in enumerate(groups):
        rows = table if not by else table[table[by].astype(str) == str(value)]
        parts.append('<div class="lane-block">')
        if number:
            parts += [corner, *_stage_headers(stages, again=True)]
        parts.append(wall_lanes.persona_html(value, by, lanes))
        parts.append(wall_lanes.row_name(gettext("Actions and touchpoints")))
        parts += _touchpoint_cells(rows, stages)
        parts += wall_lanes.lane_rows(value, by, stages, lanes)
        parts.append("</div>")
    parts.append("</div>")
    return f'<div class="wall-wrap">{"".join(parts)}</div>'


def _legend() -> str:
    legend = "".join(
        f'<span style="background: rgb{moved_on_colour(share)}"></span>{html.escape(text)}'
        for share, text in (
            (0.0, gettext("few moved on")),
            (0.5, gettext("half did")),
            (1.0, gettext("most did")),
        )
    )
    colour = html.escape(gettext("Colour: share who moved on to a later stage."))
    return f'<p class="wall-legend">{colour}{legend}</p>'
