"""The HTML report: one self-contained file a user can email, archive or open offline.

plotly.js is inlined once and every figure reuses it, so the file opens with no network at
all (a report on customers' journeys should not call out to a CDN either). Each figure is
kept as JSON data without its template (the template is written once) and drawn when it
nears the window, the rest one after another once the page is open, all before printing:
the report opens in a moment however many charts it has. All text that came from users
(stage names, journey names, headings) is HTML-escaped here.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from jejak import language
from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report import journey_wall
from jejak.report.figures import CHART_WIDTH
from jejak.report.plotly_words import plotly_locale

# No Plotly logo link, no cloud "edit" button: the report must not invite a trip online.
_PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}


def _plotly_config() -> dict[str, Any]:
    """The charts' settings, naming the page's plotly.js locale outside English."""
    if plotly_locale() is None:
        return _PLOTLY_CONFIG
    return {**_PLOTLY_CONFIG, "locale": language.current()}


# A pre-formatted cell that reads as a number, in English or Indonesian marks ("12,345",
# "12.3%", "IDR 1,000", "3.2 days", "+4.2 pts", "3.5 min", "1.50x"; "12.345", "12,3%",
# "Rp 1.000", "3,2 hari", "+4,2 poin", "3,5 mnt"); a unit follows a no-break space
# (formatting.NO_BREAK)
_NUMBER_TEXT = re.compile(
    r"^(?:(?:[A-Z]{3}|[^\s\w\d]{1,3}|[A-Z]{1,3}[^\s\w\d]{1,2}|Rp|Rs) )?[-+]?\d[\d,.]*"
    r"(?:%|x|[ \u00a0](?:days?|hari|pts|poin|s|min|h|dtk|mnt|jam))?(?: \([^)]*\))?$"
)


_CSS = """
:root { --ink: #1f2933; --muted: #52606d; --line: #e4e7eb; --paper: #ffffff; --page: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
header, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 32px; padding-bottom: 8px; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 4px; }
.subtitle { font-size: 1.1rem; color: var(--muted); margin: 0 0 4px; }
.generated { font-size: 0.85rem; color: var(--muted); margin: 0; }
nav { margin: 16px 0 0; font-size: 0.95rem; }
nav ol { margin: 4px 0 0; padding-left: 20px; }
nav a { color: #2f4b7c; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  box-shadow: 0 1px 3px rgba(31, 41, 51, 0.08); margin: 24px 0; padding: 20px 24px; }
h2 { font-size: 1.35rem; margin: 0 0 8px; }
.intro p { max-width: 72ch; margin: 0 0 10px; }
.notes { background: #fff8e1; border-left: 4px solid #f0b429; padding: 8px 14px;
  margin: 0 0 12px; max-width: 90ch; }
.notes ul { margin: 4px 0 0; padding-left: 20px; }
.watch { list-style: none; padding: 0; margin: 0 0 12px; max-width: 90ch; }
.watch li { border-left: 4px solid #9aa5b1; padding: 6px 12px; margin: 0 0 6px;
  background: #f5f7fa; }
.watch li.fired { border-left-color: #c0392b; background: #fdecea; }
figure.chart { margin: 16px 0; overflow: hidden; overflow: clip; }
.table-wrap { overflow-x: auto; margin-top: 16px; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { font-weight: 600; border-bottom: 2px solid #cbd2d9; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
/* a narrow window: tables in smaller type, so a comparison's eight columns fit 800 px */
@media (max-width: 900px) {
  table { font-size: 0.8rem; }
  th, td { padding: 4px 6px; }
}
footer { color: var(--muted); font-size: 0.8rem; padding-bottom: 32px; }
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 11pt; }
  header, main, footer { max-width: none; padding: 0; }
  nav, .modebar-container { display: none !important; }
  section { box-shadow: none; border: 0; border-radius: 0; padding: 0; margin: 0 0 18pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure.chart, .table-wrap, tr { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  tbody tr:nth-child(even) { background: none; }
}
"""


# labels are wrapped for a chart this wide (figures.CHART_WIDTH): in a narrower window
# the chart is drawn this wide and shown smaller (see _DRAW), rather than scrolled
_CSS += f".jejak-chart {{ min-width: {CHART_WIDTH}px; transform-origin: 0 0; }}\n"


# Draws each chart from its JSON: the ones near the window first, then the rest in turn
# while the reader reads, and any not drawn yet before printing. The page may be narrower
# on paper than on screen: charts are redrawn to the printed width. A chart in a place
# narrower than it is drawn (a window under about 900 px, or paper) is shown smaller, all
# of it, instead of cut and scrolled: its labels were placed for that width, and plotly.js
# reads the mouse through the scale.
_DRAW = """
(function () {
  var templates = JSON.parse(document.getElementById("jejak-templates").textContent);
  var charts = Array.prototype.slice.call(document.querySelectorAll("div.jejak-chart"));
  function shrink(el) {
    var box = el.parentElement, scale = Math.min(1, box.clientWidth / CHART_WIDTH);
    el.style.transform = scale < 1 ? "scale(" + scale + ")" : "";
    box.style.height = scale < 1 ? el.offsetHeight * scale + "px" : "";
  }
  function shrinkAll() { charts.forEach(shrink); }
  shrinkAll();
  window.addEventListener("resize", shrinkAll);
  if (window.matchMedia) { window.matchMedia("print").addEventListener("change", shrinkAll); }
  function draw(el) {
    if (el.dataset.drawn) { return; }
    el.dataset.drawn = "1";
    var figure = JSON.parse(el.nextElementSibling.textContent);
    var layout = figure.layout || {};
    if (figure.template !== undefined) { layout.template = templates[figure.template]; }
    Plotly.newPlot(el, figure.data || [], layout, figure.config);
  }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { seen.unobserve(entry.target); draw(entry.target); }
    });
  }, {rootMargin: "600px 0px"});
  charts.forEach(function (el) { seen.observe(el); });
  var next = 0;
  function drawNext() {
    while (next < charts.length && charts[next].dataset.drawn) { next += 1; }
    if (next < charts.length) { draw(charts[next]); setTimeout(drawNext, 30); }
  }
  window.addEventListener("load", function () { setTimeout(drawNext, 100); });
  function fit() {
    charts.forEach(function (el) { draw(el); Plotly.Plots.resize(el); });
    shrinkAll();
  }
  window.addEventListener("beforeprint", fit);
  window.addEventListener("afterprint", fit);
})();
""".replace("CHART_WIDTH", str(CHART_WIDTH))


@dataclass
class Section:
    """One part of a report: a heading, a few sentences of why, charts, and a table.

    ``table`` is shown as given unless ``columns`` is set, in which case those columns
    are picked from it, renamed and formatted (see ``formatting.Column``). ``html`` is a
    fragment drawn by jejak's own renderers (already escaped), shown before the figures;
    ``wide`` sections use the window's width (a journey map's eight stage columns).
    """

    heading: str
    intro: str = ""
    figures: list[go.Figure] = field(default_factory=list)
    html: str = ""
    wide: bool = False
    table: pd.DataFrame | None = None
    columns: Sequence[fmt.Column] | None = None
    notes: list[str] = field(default_factory=list)  # why an answer is empty, and the fix
    notes_title: str | None = None  # by default, whether the section shows anything
    # per table row, the segment definition the row's people save as (None: not a cell);
    # the dashboard offers a button, the report (no server to save to) does not
    saves: list[dict[str, Any] | None] | None = None
    # per table row, per column (its source), the definition that cell's people save as:
    # the dashboard makes the cell a button (a retention cell), the report does not
    cell_saves: list[dict[str, dict[str, Any]]] | None = None
    # whether its saves carry the page's date range (a funnel's steps: start and end), so
    # they hold the people shown on a page narrowed to dates too
    saves_dated: bool = False

    @property
    def notes_heading(self) -> str:
        """What the notes are: why the section is empty, or (when it lists rows) what to
        know before reading them."""
        if self.notes_title:
            return self.notes_title
        listed = self.table is not None and not self.table.empty
        return gettext("Worth knowing first") if listed else gettext("Why this is empty")


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def notes_html(notes: Sequence[str], title: str | None = None) -> str:
    """Why a section is empty or thin, and what to set: shown above its charts."""
    if not notes:
        return ""
    title = gettext("Why this is empty") if title is None else title
    items = "".join(f"<li>{_escape(note)}</li>" for note in notes)
    title = f"<strong>{_escape(title)}</strong>"
    return f'<div class="notes" role="note">{title}<ul>{items}</ul></div>'


def noted(
    sections: list[Section],
    notes: list[str],
    heading: str,
    titles: dict[str, list[str]] | None = None,
) -> list[Section]:
    """The sections with each note on every section drawn from an answer that gave it
    (``titles``: note -> those answers' titles, the sections' headings), else on the
    first; or one section saying them when there is none."""
    if not notes:
        return sections
    if not sections:
        return [Section(heading=heading, notes=notes)]
    for note in notes:
        named = set((titles or {}).get(note, []))
        targets = [s for s in sections if s.heading in named] or sections[:1]
        for target in targets:
            if note not in target.notes:
                target.notes = [*target.notes, note]
    return sections


def _version() -> str:
    try:
        return metadata.version("jejak")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "dev"


def intro_html(intro: str) -> str:
    """Blank lines separate paragraphs, so callers write plain text, never markup."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", intro) if p.strip()]
    if not paragraphs:
        return ""
    body = "".join(f"<p>{_escape(' '.join(p.split()))}</p>" for p in paragraphs)
    return f'<div class="intro">{body}</div>'


def _script_json(value: Any) -> str:
    """``value`` as JSON that cannot end the ``<script>`` element holding it."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _figure_html(figure: go.Figure, div_id: str, templates: list[Any]) -> str:
    """A chart's place (its height kept, so the page does not jump as charts are drawn)
    and its figure as JSON; its template is one of ``templates``, written once."""
    height = figure.layout.height or 450
    plain = json.loads(pio.to_json(figure, validate=False, remove_uids=True))
    layout = plain.get("layout", {})
    drawn: dict[str, Any] = {"data": plain.get("data", []), "layout": layout}
    if "template" in layout:
        template = layout.pop("template")
        if template not in templates:
            templates.append(template)
        drawn["template"] = templates.index(template)
    drawn["config"] = _plotly_config()
    return (
        f'<figure class="chart"><div id="{div_id}" class="jejak-chart"'
        f' style="height:{height}px;width:100%"></div>'
        f'<script type="application/json">{_script_json(drawn)}</script></figure>'
    )


def _is_numeric(values: pd.Series) -> bool:
    """Whether a column's cells are numbers, so they line up on the right."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    cells = [str(v) for v in values if not fmt.is_missing(v) and str(v) not in (fmt.MISSING, "")]
    return bool(cells) and all(_NUMBER_TEXT.match(cell) for cell in cells)


def _breakable(text: str) -> str:
    """Escaped ``text`` that may break after an underscore: a touchpoint's name
    (``onboarding_complete``) is otherwise one word as wide as the column it sits in, and
    a comparison's eight columns outgrow an 800-pixel window. ``<wbr>`` is no character:
    the text reads and copies as it was."""
    return _escape(text).replace("_", "_<wbr>")


def table_html(
    table: pd.DataFrame,
    columns: Sequence[fmt.Column] | None,
    actions: Sequence[str] | None = None,
    cells: Callable[[int, str, str], str] | None = None,
) -> str:
    """The table as HTML; ``actions``: one more cell per row (already HTML), such as the
    dashboard's "save as segment" buttons; ``cells``: what a cell holds, given its row
    number, its column's source and its text as HTML (the text itself by default)."""
    columns = fmt.guess_columns(table) if columns is None else columns
    labels = [gettext(column.label) for column in columns]
    numeric = [_is_numeric(table[column.source]) for column in columns]
    text = fmt.format_table(table, columns)
    classes = [' class="num"' if is_num else "" for is_num in numeric]
    head = "".join(
        f'<th scope="col"{cls}>{_breakable(label)}</th>'
        for label, cls in zip(labels, classes, strict=True)
    )
    extra = [f'<td class="actions">{a}</td>' for a in actions] if actions else [""] * len(text)
    if actions:
        head += '<th scope="col" class="actions"></th>'
    sources = [column.source for column in columns]

    def held(number: int, source: str, cell: Any) -> str:
        text = _breakable(cell)
        return text if cells is None else cells(number, source, text)

    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{cls}>{held(number, source, cell)}</td>"
            for cell, cls, source in zip(row, classes, sources, strict=True)
        )
        + more
        + "</tr>"
        for number, (row, more) in enumerate(zip(text.itertuples(index=False), extra, strict=True))
    )
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def render_report(
    sections: Sequence[Section],
    title: str,
    subtitle: str = "",
    *,
    generated_at: datetime | None = None,
) -> str:
    """The report as one HTML document that needs nothing but a browser to open."""
    generated_at = generated_at or datetime.now().astimezone()
    figure_count = 0
    templates: list[Any] = []
    parts: list[str] = []
    for number, section in enumerate(sections, start=1):
        notes = notes_html(section.notes, section.notes_heading)
        body = [f"<h2>{_escape(section.heading)}</h2>", notes]
        body += [intro_html(section.intro), section.html]
        for figure in section.figures:
            figure_count += 1
            body.append(_figure_html(figure, f"jejak-figure-{figure_count}", templates))
        if section.table is not None:
            body.append(table_html(section.table, section.columns))
        wide = ' class="wide"' if section.wide else ""
        parts.append(f'<section id="section-{number}"{wide}>{"".join(body)}</section>')

    nav = ""
    if len(sections) > 1:
        items = "".join(
            f'<li><a href="#section-{number}">{_escape(section.heading)}</a></li>'
            for number, section in enumerate(sections, start=1)
        )
        contents = _escape(gettext("Contents"))
        nav = f'<nav aria-label="{contents}"><strong>{contents}</strong><ol>{items}</ol></nav>'

    # Only pay the ~4.8 MB of plotly.js when there is a chart to draw; after the text, so
    # the page reads before the charts are drawn.
    scripts = ""
    if figure_count:
        scripts = (
            f'<script type="application/json" id="jejak-templates">{_script_json(templates)}'
            "</script>\n<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
            f"<script>{get_plotlyjs()}</script>\n"
        )
        locale = plotly_locale()
        if locale is not None:  # the toolbar's words and date names in the page's language
            scripts += f"<script>Plotly.register({_script_json(locale)});</script>\n"
        scripts += f"<script>{_DRAW}</script>\n"
    subtitle_html = f'<p class="subtitle">{_escape(subtitle)}</p>' if subtitle else ""
    version = _escape(_version())
    generated = gettext("Generated {moment} by jejak {version}").format(
        moment=fmt.timestamp(generated_at), version=_version()
    )
    footer = gettext(
        "Self-contained report: it opens without a network connection. Hover a chart for details."
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{language.current()}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="jejak {version}">\n'
        f"<title>{_escape(title)}</title>\n<style>{_CSS}{journey_wall.CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{_escape(title)}</h1>{subtitle_html}"
        f'<p class="generated">{_escape(generated)}</p>{nav}</header>\n'
        f"<main>{''.join(parts)}</main>\n"
        f"<footer>{_escape(footer)}</footer>\n"
        f"{scripts}</body>\n</html>\n"
    )


def write_report(
    path: str | Path,
    sections: Sequence[Section],
    title: str,
    subtitle: str = "",
    *,
    generated_at: datetime | None = None,
) -> Path:
    """Write the report to ``path`` (parent folders created) and return where it went."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        render_report(sections, title, subtitle, generated_at=generated_at), encoding="utf-8"
    )
    return target
