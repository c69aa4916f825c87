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

from jejak.analyses.diagnosis import Noting, warnings_of
from jejak.report import formatting as fmt
from jejak.report import journey_wall
from jejak.report.figures import CHART_WIDTH, stage_flow_figure, stage_funnel_figure

# No Plotly logo link, no cloud "edit" button: the report must not invite a trip online.
_PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}

# A pre-formatted cell that reads as a number ("12,345", "12.3%", "IDR 1,000", "3.2 days",
# "1.50x").
_NUMBER_TEXT = re.compile(r"^(?:[A-Z]{3} )?[-+]?\d[\d,]*(?:\.\d+)?(?:%| days?|x)?$")

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
figure.chart { margin: 16px 0; overflow-x: auto; }
.table-wrap { overflow-x: auto; margin-top: 16px; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { font-weight: 600; border-bottom: 2px solid #cbd2d9; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
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
# labels are wrapped for a chart this wide (figures.CHART_WIDTH): a narrower window
# scrolls it instead
_CSS += f".jejak-chart {{ min-width: {CHART_WIDTH}px; }}\n"

# Draws each chart from its JSON: the ones near the window first, then the rest in turn
# while the reader reads, and any not drawn yet before printing. The page may be narrower
# on paper than on screen: charts are redrawn to the printed width.
_DRAW = """
(function () {
  var templates = JSON.parse(document.getElementById("jejak-templates").textContent);
  var charts = Array.prototype.slice.call(document.querySelectorAll("div.jejak-chart"));
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
  }
  window.addEventListener("beforeprint", fit);
  window.addEventListener("afterprint", fit);
})();
"""


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

    @property
    def notes_heading(self) -> str:
        """What the notes are: why the section is empty, or (when it lists rows) what to
        know before reading them."""
        if self.notes_title:
            return self.notes_title
        listed = self.table is not None and not self.table.empty
        return "Worth knowing first" if listed else "Why this is empty"


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def notes_html(notes: Sequence[str], title: str = "Why this is empty") -> str:
    """Why a section is empty or thin, and what to set: shown above its charts."""
    if not notes:
        return ""
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
    drawn["config"] = _PLOTLY_CONFIG
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


def table_html(table: pd.DataFrame, columns: Sequence[fmt.Column] | None) -> str:
    columns = fmt.guess_columns(table) if columns is None else columns
    labels = [column.label for column in columns]
    numeric = [_is_numeric(table[column.source]) for column in columns]
    text = fmt.format_table(table, columns)
    classes = [' class="num"' if is_num else "" for is_num in numeric]
    head = "".join(
        f'<th scope="col"{cls}>{_escape(label)}</th>'
        for label, cls in zip(labels, classes, strict=True)
    )
    rows = "".join(
        "<tr>"
        + "".join(f"<td{cls}>{_escape(cell)}</td>" for cell, cls in zip(row, classes, strict=True))
        + "</tr>"
        for row in text.itertuples(index=False)
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
        nav = f'<nav aria-label="Contents"><strong>Contents</strong><ol>{items}</ol></nav>'

    # Only pay the ~4.8 MB of plotly.js when there is a chart to draw; after the text, so
    # the page reads before the charts are drawn.
    scripts = ""
    if figure_count:
        scripts = (
            f'<script type="application/json" id="jejak-templates">{_script_json(templates)}'
            "</script>\n<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
            f"<script>{get_plotlyjs()}</script>\n<script>{_DRAW}</script>\n"
        )
    subtitle_html = f'<p class="subtitle">{_escape(subtitle)}</p>' if subtitle else ""
    version = _escape(_version())
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="jejak {version}">\n'
        f"<title>{_escape(title)}</title>\n<style>{_CSS}{journey_wall.CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{_escape(title)}</h1>{subtitle_html}"
        f'<p class="generated">Generated {_escape(fmt.timestamp(generated_at))}'
        f" by jejak {version}</p>{nav}</header>\n"
        f"<main>{''.join(parts)}</main>\n"
        "<footer>Self-contained report: it opens without a network connection. "
        "Hover a chart for details.</footer>\n"
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


def stage_sections(funnel: Any) -> list[Section]:
    """The report sections for a stage funnel result (anything with ``table``, ``flows``,
    ``meta`` and ``title`` shaped like ``StageFunnel``)."""
    meta = funnel.meta
    journey = str(meta.get("journey", ""))
    stages = list(meta.get("stages") or funnel.table.sort_values("stage_index")["stage"])
    total = fmt.people(meta.get("people"))
    as_of = fmt.timestamp(meta.get("as_of")) if meta.get("as_of") is not None else None
    scope = f"Of the {total} people in the {journey} journey" + (f" as of {as_of}" if as_of else "")
    funnel_intro = (
        f"{scope}, how many ever reached each stage. A person counts at every stage "
        "they entered, so someone who skipped a stage still counts at the later one "
        "(see Skipped into). Conversion to next is the share of a stage's people who also "
        "reached the next stage; the days are measured between entering the two stages."
    )
    flow_intro = (
        "Each band is people moving from a stage to the next stage they reached; a band "
        "that jumps a column is people who skipped stages. Grey bands end at the stage "
        "where people's journeys stop today, the drop-offs worth a campaign."
    )
    return [
        Section(
            heading=funnel.title,
            intro=funnel_intro,
            figures=[stage_funnel_figure(funnel.table, "People who reached each stage")],
            table=funnel.table.sort_values("stage_index", kind="stable"),
            columns=fmt.STAGE_COLUMNS,
        ),
        Section(
            heading="Where people went after each stage",
            intro=flow_intro,
            figures=[
                stage_flow_figure(funnel.flows, stages, "From each stage to the next, or stopped")
            ],
        ),
    ]


def process_map_sections(process_map: Any, top: int = 20) -> list[Section]:
    """The report section for a process map: the map and its most frequent transitions."""
    from jejak.report.tables import transitions_table

    intro = (
        "Which touchpoint people do next. Each dot is a touchpoint, in the stage people "
        "were in when it happened most often; each line is people going straight from one "
        "touchpoint to the next, thicker when more frequent. The table lists the "
        f"{top} most frequent transitions."
    )
    table = process_map.table.head(top)
    return [
        Section(
            heading="How people move between touchpoints",
            intro=intro,
            figures=[process_map.figure()],
            table=transitions_table(table),
        )
    ]


def path_sections(flows: Any, top_paths: Any) -> list[Section]:
    """The report section for paths before a goal and the top complete paths to it."""
    from jejak.report.tables import top_paths_table

    intro = (
        f"What people did on their last {flows.meta['steps']} touchpoints up to "
        f"{flows.meta['anchor']}, step by step (a touchpoint repeated right after itself "
        "counts once; rare ones read 'other'). The table lists the most common complete "
        "paths and how often people on them reached the goal."
    )
    return [
        Section(
            heading=f"Paths to {flows.meta['anchor']}",
            intro=intro,
            figures=[flows.figure()],
            table=top_paths_table(top_paths.table),
        )
    ]


def journey_map_sections(journey_map: Any) -> list[Section]:
    """The report section for a journey map: a wall chart with one lane per kind of customer."""
    by = journey_map.meta.get("by")
    intro = (
        "Each column is a stage; in it, the touchpoints people had while in that stage, "
        "most people first. A card says how many people had it, how many of them moved on "
        "to a later stage (green: most did; red: few did), and the context and need it "
        "served most often."
    )
    if by:
        intro += (
            f" One lane per first-touch {by}, stages aligned, so the kinds of customer "
            "compare stage by stage."
        )
    wall = journey_wall.journey_wall_html(journey_map.table, journey_map.meta["stages"], by)
    return [Section(heading=journey_map.title, intro=intro, html=wall, wide=True)]


def direct_note(meta: dict[str, Any]) -> str:
    """Which values count as direct for the last non-direct model, and where to set them."""
    values = ", ".join(meta.get("direct") or []) or "none"
    return (
        f"Last non-direct passes over these {meta['by']} values as direct: {values} (set"
        " them under roles: direct in jejak.yaml)."
    )


def attribution_sections(result: Any) -> list[Section]:
    """The report section comparing attribution models side by side."""
    from jejak.report.tables import attribution_table

    meta = result.meta
    lookback = meta.get("lookback_days")
    window = f"within {fmt.days(lookback, 0)} before it" if lookback else "at any time before it"
    untouched = meta.get("untouched_conversions", 0)
    intro = (
        f"Who gets the credit for the {fmt.people(meta['credited_conversions'])} times people "
        f"reached {meta['goal']} after a {meta['by']} touch {window}, under each model. "
        "First and last touch give everything to one end of the journey; linear, time "
        "decay and position-based share it by rule; Markov shares it by how many "
        "conversions would be lost without the touch (its removal effect), Shapley by "
        "each touch's average contribution to every combination of touches. Where the "
        "models agree, the answer does not depend on the model."
    )
    if untouched:
        intro += (
            f"\n\n{fmt.people(untouched)} conversions had no {meta['by']} touch in the "
            "lookback window and are not shared out."
        )
    if "last_non_direct" in meta["models"]:
        intro += "\n\n" + direct_note(meta)
    return [
        Section(
            heading=result.title,
            intro=intro,
            figures=[result.figure()],
            table=attribution_table(result.table, list(meta["models"])),
        )
    ]


def touchpoint_sections(ratios: Any, effects: Any) -> list[Section]:
    """The report sections on which touchpoints come before conversions and which help."""
    from jejak.report.tables import touchpoint_effect_table, touchpoint_ratio_table

    goal = ratios.meta["goal"]
    ratio_intro = (
        f"For every touchpoint, how many people had it, how many conversions to {goal} it "
        "came before, and how many times it happened on the way to each of them (the "
        "touchpoint-to-purchase ratio). This is the business-side view; the next section "
        "asks whether a touchpoint helped."
    )
    by = effects.meta["by"]
    effect_intro = (
        f"Per stage, how fast people moved on to a later stage after a {by} touch there, "
        "compared with people at the same time in the stage who had not had it (1x: no "
        "difference; the whiskers are 95% intervals). A verdict needs at least "
        f"{effects.meta['min_people']} people on each side.\n\n"
        "Observational: people who had a touchpoint may differ in other ways too. Test a "
        "promising one with a campaign and a holdout before moving budget."
    )
    shown = effects.table[effects.table["verdict"] != "too few people"]
    return [
        Section(
            heading=ratios.title,
            intro=ratio_intro,
            figures=[ratios.figure()],
            table=touchpoint_ratio_table(ratios.table.head(15)),
        ),
        Section(
            heading=effects.title,
            intro=effect_intro,
            figures=[effects.figure()],
            table=touchpoint_effect_table(shown),
        ),
    ]


def engagement_sections(source: Any) -> list[Section]:
    """Who follows the content and who only transacts."""
    sections: list[Section] = []
    groups = source.engagement_groups()
    share = groups.table.set_index("group")["share"].get("follows content")
    sections.append(
        Section(
            heading=groups.title,
            intro=(
                f"{fmt.percent(share, 0)} of people follow the content (most of their "
                "touchpoints are content, video or community rather than product views and "
                "orders); in the research the seeds cite it was 23%. How each group buys "
                "and answers email says how to talk to it."
            ),
            figures=[groups.figure()],
            table=groups.table,
            columns=[
                fmt.Column("group", "Group"),
                fmt.Column("people", "People", fmt.people),
                fmt.Column("share", "Share", fmt.percent),
                fmt.Column("converted", "Bought", fmt.percent),
                fmt.Column("open_rate", "Opened per email", fmt.percent),
                fmt.Column("click_rate", "Clicked per email", fmt.percent),
            ],
        )
    )
    return sections


def rfm_sections(source: Any) -> list[Section]:
    """Buyers in named RFM segments."""
    sections: list[Section] = []
    scores = source.rfm()
    sections.append(
        Section(
            heading=scores.title,
            intro=(
                "Buyers scored 1-5 on how recently and how often they bought and how much "
                "they spent, named by recency and frequency: reward the Champions, win back "
                "who is At risk before they are Lost."
            ),
            figures=[scores.figure()],
        )
    )
    return sections


def cluster_sections(source: Any) -> list[Section]:
    """Behavioural clusters, described in words."""
    sections: list[Section] = []
    clusters = source.clusters()
    sections.append(
        Section(
            heading=clusters.title,
            intro=(
                f"People grouped by how far they got, how they arrived, the channels and "
                f"touchpoints they use and what they spent ({clusters.meta['k']} groups, "
                "k-means); each is named by what sets it apart. Save one as a segment to "
                "follow it: jejak segments save NAME --cluster N --k "
                f"{clusters.meta['k']}."
            ),
            figures=[clusters.figure()],
            table=clusters.table,
            columns=[
                fmt.Column("cluster", "Cluster"),
                fmt.Column("description", "Who they are"),
                fmt.Column("people", "People", fmt.people),
                fmt.Column("share", "Share", fmt.percent),
                fmt.Column("acquired_share", "Main channel's share", fmt.percent),
                fmt.Column("engagement_share", "Content share", fmt.percent),
                fmt.Column("buyers", "Bought", fmt.percent),
                fmt.Column("revenue", "Revenue per person", amount(source)),
            ],
        )
    )
    return sections


def retention_sections(
    source: Any, *, by: str | None = None, period: str = "month"
) -> list[Section]:
    """Who kept buying: cohorts of first orders by month (or week), per group with ``by``
    (a first-touch field such as channel, or segment)."""
    from jejak.report.tables import retention_table

    kept = source.retention(period=period, active=source.settings.roles.step("purchase"), by=by)
    per = f", per {by}" if by else ""
    return [
        Section(
            heading="Who kept buying" + (f" by {by}" if by else ""),
            intro=(
                f"Buyers by the {period} of their first order{per}, and the share who "
                f"ordered again in each later {period}."
            ),
            figures=[kept.figure()],
            table=retention_table(kept.table, period, by),
        )
    ]


def nps_sections(source: Any) -> list[Section]:
    """Net Promoter Score per month (none without answers)."""
    sections: list[Section] = []
    promoters = source.nps()
    overall = promoters.table.iloc[0]
    if overall["answers"]:
        sections.append(
            Section(
                heading=promoters.title,
                intro=(
                    f"NPS {overall['nps']:+.0f} from {fmt.people(overall['answers'])} "
                    f"people's latest answers (95% interval {overall['ci_low']:+.0f} to "
                    f"{overall['ci_high']:+.0f}), month by month."
                ),
                figures=[promoters.figure()],
            )
        )
    return sections


def review_sections(source: Any) -> list[Section]:
    """Review ratings per month (none without reviews)."""
    sections: list[Section] = []
    rated = source.reviews()
    overall = rated.table.iloc[0]
    if overall["reviews"]:
        sections.append(
            Section(
                heading=rated.title,
                intro=(
                    f"{fmt.number(overall['mean'], 2)} stars on average from "
                    f"{fmt.people(overall['reviews'])} reviews (95% interval "
                    f"{fmt.number(overall['ci_low'], 2)} to {fmt.number(overall['ci_high'], 2)}"
                    f"); {fmt.percent(overall['positive'])} gave 4 or 5, month by month."
                ),
                figures=[rated.figure()],
            )
        )
    return sections


def referral_sections(source: Any) -> list[Section]:
    """Referrals and the promoters to reward (none without any)."""
    sections: list[Section] = []
    referred = source.referrals()
    meta = referred.meta
    if meta["invites"] or meta["referred"]:
        sections.append(
            Section(
                heading=referred.title,
                intro=(
                    f"K-factor {fmt.number(meta['k_factor'], 2)}: "
                    f"{fmt.number(meta['invites_per_customer'], 2)} invites per customer, "
                    f"{fmt.number(meta['invite_conversion'], 2)} referred customers per "
                    "invite (a shared link can bring several). The table lists the "
                    "promoters who brought the most customers."
                ),
                figures=[referred.figure()],
                table=referred.table.head(10),
                columns=[
                    fmt.Column("person_id", "Promoter"),
                    fmt.Column("invites", "Invites", fmt.people),
                    fmt.Column("referred", "Referred", fmt.people),
                    fmt.Column("referred_customers", "Became customers", fmt.people),
                    fmt.Column("referred_revenue", "Their revenue", amount(source)),
                    fmt.Column("depth", "Depth", fmt.people),
                ],
            )
        )
    return sections


def amount(source: Any) -> Any:
    """How amounts read for ``source``: with its currency (``IDR 1,234,500``) when the
    touchpoints give one, else as a plain number."""
    currency = source.currency() if hasattr(source, "currency") else None
    if currency is None:
        return lambda value: fmt.number(value, 0)
    return lambda value: fmt.money(value, currency)


def key_number_sections(funnel: Any) -> list[Section]:
    """How many people are on the journey and the share that reached its milestones."""
    table = funnel.table.set_index("stage")
    people = int(funnel.meta["people"])
    rates = [
        f"{fmt.percent(int(table.loc[name, 'reached']) / people)} reached {name}"
        for name in ("Subscribe", "Convert", "Ascend", "Promote")
        if name in table.index and people
    ]
    intro = f"{fmt.headcount(people)} on the journey" + (": " + ", ".join(rates) if rates else "")
    return [Section(heading="Key numbers", intro=intro + ".")]


def lifecycle_sections(source: Any) -> list[Section]:
    """New, returning, resurrecting and dormant people month by month: the trend."""
    cycle = source.lifecycle(period="month")
    return [
        Section(
            heading=cycle.title,
            intro="New, returning, resurrecting and dormant people each month: the trend.",
            figures=[cycle.figure()],
        )
    ]


def value_sections(source: Any, by: Sequence[str] = ("stage", "channel")) -> list[Section]:
    """Expected purchases and revenue of today's buyers, per current stage and per
    acquisition channel, or per each of ``by`` (a shop with too few buyers for the
    models says so)."""
    from jejak.errors import JejakError
    from jejak.report.tables import value_by_table

    sections = []
    money = amount(source)
    for group in by:
        try:
            result = source.value_by(group)
        except JejakError as exc:
            return [Section(heading="Customer value", intro=f"Not estimated: {exc}")]
        sections.append(
            Section(
                heading=result.title,
                intro="Expected purchases and revenue of today's buyers over the next year "
                "(BG/NBD and Gamma-Gamma). Still a customer: the model's chance, on average, "
                "that a buyer has not quietly left.",
                figures=[result.figure()],
                table=value_by_table(result.table, money),
            )
        )
    return sections


def customer_sections(source: Any) -> list[Section]:
    """The report sections on customers: engagement groups, RFM, clusters, segments,
    retention and the monthly trend, value, NPS, reviews, referrals."""
    return (
        engagement_sections(source)
        + rfm_sections(source)
        + cluster_sections(source)
        + segment_sections(source)
        + retention_sections(source)
        + lifecycle_sections(source)
        + value_sections(source)
        + nps_sections(source)
        + review_sections(source)
        + referral_sections(source)
    )


def campaign_sections(source: Any) -> list[Section]:
    """Every campaign on its transition, then each campaign's groups (none: no section)."""
    if not source.settings.campaigns:
        return []
    listed = source.campaigns()
    sections = [
        Section(
            heading=listed.title,
            intro=(
                "Each campaign against the people it held out: the lift is the extra share "
                "of its audience that moved on to the target stage within its window, with a "
                "95% interval. Transitions without a campaign are listed too."
            ),
            figures=[listed.figure()],
            table=listed.table,
            columns=[
                fmt.Column("transition", "Transition"),
                fmt.Column("campaign", "Campaign"),
                fmt.Column("exposed", "Exposed", fmt.people),
                fmt.Column("audience_fit", "In target stage", fmt.percent),
                fmt.Column("response_rate", "Answered the call", fmt.percent),
                fmt.Column("exposed_rate", "Moved (exposed)", fmt.percent),
                fmt.Column("comparison_rate", "Moved (others)", fmt.percent),
                fmt.Column("lift", "Lift", fmt.signed_points),
                fmt.Column("incremental_customers", "Extra people moved", fmt.number),
                fmt.Column("verdict", "Verdict"),
            ],
        )
    ]
    money = amount(source)
    for name in source.settings.campaigns:
        effect = source.campaign(name)
        meta = effect.meta
        kind = "observational: no holdout" if meta["observational"] else "against its holdout"
        sections.append(
            Section(
                heading=effect.title,
                intro=(
                    f"{meta['verdict'].capitalize()} ({kind}). Lift "
                    f"{fmt.signed_points(meta['lift'])}, 95% interval "
                    f"{fmt.signed_points(meta['lift_low'])} to "
                    f"{fmt.signed_points(meta['lift_high'])}; about "
                    f"{fmt.number(meta['incremental_customers'], 0)} extra people moved; "
                    f"revenue difference {money(meta['incremental_revenue'])} (95% "
                    f"interval {money(meta['incremental_revenue_low'])} to "
                    f"{money(meta['incremental_revenue_high'])}). "
                    f"{fmt.percent(meta['audience_fit'])} of the exposed were in the target stage."
                ),
                figures=[effect.figure()],
                table=effect.table,
                columns=[
                    fmt.Column("group", "Group"),
                    fmt.Column("people", "People", fmt.people),
                    fmt.Column("in_target_share", "In target stage", fmt.percent),
                    fmt.Column("response_rate", "Answered the call", fmt.percent),
                    fmt.Column("transition_rate", "Moved on", fmt.percent),
                    fmt.Column("median_days_to_move", "Median days", fmt.days),
                    fmt.Column("revenue_per_person", "Revenue per person", money),
                ],
            )
        )
    return sections


def contact_sections(source: Any, by: str = "campaign") -> list[Section]:
    """Messages per campaign (or ``by`` channel, source, medium, segment), messages per
    week against the response, and send hours."""
    metrics = source.contact_metrics(by=by)
    if not metrics.meta["sent"]:
        return []
    # totals count each message once, even when a person is in several segments
    overall = metrics if by == "campaign" else source.contact_metrics()
    frequency = source.contact_frequency()
    hours = source.send_times()
    labels = [by, *(["channel"] if by != "channel" and "channel" in metrics.table else [])]
    fall = frequency.meta["returns_fall_after"]
    meta = frequency.meta
    sections = [
        Section(
            heading=f"Messages by {by}",
            intro=(
                f"{fmt.people(overall.meta['sent'])} messages sent; "
                f"{fmt.percent(overall.meta['open_rate'])} were opened and "
                f"{fmt.percent(overall.meta['click_rate'])} clicked (in the seeds' example, "
                "under 5% of 3,000 emails got a meaningful click). Rates are per message sent."
            ),
            figures=[metrics.figure()],
            table=metrics.table.head(15),
            columns=[
                *(fmt.Column(name, fmt.label(name)) for name in labels),
                fmt.Column("sent", "Sent", fmt.people),
                fmt.Column("open_rate", "Opened", fmt.percent),
                fmt.Column("click_rate", "Clicked", fmt.percent),
                fmt.Column("click_to_open", "Click-to-open", fmt.percent),
                fmt.Column("unsubscribe_rate", "Unsubscribed", fmt.percent),
                fmt.Column("complaint_rate", "Complaints", fmt.percent),
            ],
        ),
        Section(
            heading=frequency.title,
            intro=(
                f"People got {fmt.number(meta['messages_per_person_week'], 2)} messages per "
                "week they were contacted. "
                + (
                    f"Beyond {fall} a week, more messages bring fewer clicks per person and "
                    "more unsubscribes. "
                    if fall is not None
                    else ""
                )
                + "Observational: who gets more messages is the shop's choice."
            ),
            figures=[frequency.figure()],
        ),
        Section(
            heading=hours.title,
            intro=(
                "The share of messages opened by the day and hour they went out (in the "
                "workspace's time zone). `jejak contact --send-time -o best_hours.csv` "
                "exports each person's best hour, from their own history when they have one."
            ),
            figures=[hours.figure()],
        ),
    ]
    return sections


def experience_sections(source: Any) -> list[Section]:
    """Where experiences were bad, and what a bad one did to moving on (none: no section)."""
    felt = source.experience()
    if not felt.meta["signals"]:
        return []
    meta = felt.meta
    churn = felt.churn.set_index("group")["churn_rate"]
    from jejak.report.tables import touchpoint_effect_table

    shown = felt.effects[felt.effects["verdict"] != "too few people"]
    return [
        Section(
            heading=felt.title,
            intro=(
                f"{fmt.people(meta['signals'])} touchpoints said how an interaction felt: "
                f"{fmt.people(meta['good'])} good, {fmt.people(meta['neutral'])} neutral, "
                f"{fmt.people(meta['bad'])} bad, by the rules in jejak.yaml. Buyers with a bad "
                f"experience churned {fmt.percent(churn.get('bad experience'))} against "
                f"{fmt.percent(churn.get('none'))} (difference "
                f"{fmt.signed_points(meta['churn_difference'])}, 95% interval "
                f"{fmt.signed_points(meta['churn_difference_low'])} to "
                f"{fmt.signed_points(meta['churn_difference_high'])}; observational)."
            ),
            figures=[felt.figure()],
            table=felt.table.head(15),
            columns=[
                fmt.Column("stage", "Stage"),
                fmt.Column("touchpoint", "Touchpoint"),
                fmt.Column("signals", "Signals", fmt.people),
                fmt.Column("good", "Good", fmt.people),
                fmt.Column("neutral", "Neutral", fmt.people),
                fmt.Column("bad", "Bad", fmt.people),
                fmt.Column("bad_share", "Bad share", fmt.percent),
            ],
        ),
        Section(
            heading="Journeys to a bad experience",
            intro=(
                "The touchpoints just before each bad experience, most common first: the "
                "parts of the journey to fix."
            ),
            table=felt.journeys.head(10),
            columns=[
                fmt.Column("path", "Path"),
                fmt.Column("occurrences", "Times", fmt.people),
                fmt.Column("people", "People", fmt.people),
            ],
        ),
        Section(
            heading="After a bad or good experience",
            intro=(
                "Per stage, how fast people moved on after a bad (or good) experience there, "
                "against people at the same time in the stage without one (1x: no "
                "difference; observational)."
            ),
            figures=[felt.effect_figure()] if len(shown) else [],
            table=touchpoint_effect_table(shown),  # the chart's rows, ratios to 2 decimals
        ),
    ]


def segment_sections(source: Any) -> list[Section]:
    """The saved segments, their people, and the stage funnel of each (none: no section)."""
    if not source.segment_definitions():
        return []
    listed = source.segments()
    funnel = source.stages(by="segment")
    return [
        Section(
            heading="Saved segments",
            intro=(
                "The segments saved for this shop and how far each gets on the journey. A "
                "person can be in several; '(in no segment)' is everyone else. Use one "
                "anywhere with --segment NAME, or export its people: jejak segments export."
            ),
            figures=[funnel.figure()],
            table=listed.table,
            columns=[
                fmt.Column("segment", "Segment"),
                fmt.Column("people", "People", fmt.people),
                fmt.Column("definition", "Definition"),
                fmt.Column("description", "Description"),
            ],
        )
    ]


CHECK_COLUMNS = (
    fmt.Column("kind", "Of"),
    fmt.Column("name", "Stage or role"),
    fmt.Column("rule", "Matches"),
    fmt.Column("touchpoints", "Touchpoints", fmt.people),
    fmt.Column("people", "People", fmt.people),
)
UNPLACED_COLUMNS = (
    fmt.Column("event", "Touchpoint"),
    fmt.Column("touchpoints", "Touchpoints", fmt.people),
    fmt.Column("people", "People", fmt.people),
)


def check_sections(result: Any) -> list[Section]:
    """What jejak makes of the data (``jejak check``): what needs fixing, the matches
    per stage rule and role, and the touchpoints no rule names."""
    findings = result.findings
    notes = [f"{f.level}: {f.message}" for f in findings.itertuples() if f.level != "info"]
    sections = [
        Section(
            heading="What jejak makes of the data",
            intro=(
                f"{fmt.people(result.meta['touchpoints'])} touchpoints of"
                f" {fmt.headcount(result.meta['people'])}. Each stage rule and event role with"
                " the touchpoints and people it matched: a zero means the shop names that"
                " touchpoint otherwise (set it under roles: in jejak.yaml)."
            ),
            notes=notes,
            notes_title="What needs a look",
            table=result.table,
            columns=CHECK_COLUMNS,
        )
    ]
    if len(result.unplaced):
        sections.append(
            Section(
                heading="Touchpoints no role or stage rule names",
                intro=(
                    "These count in Awareness and in touchpoint analyses (paths, maps,"
                    " attribution), but no role gives them a meaning."
                ),
                table=result.unplaced,
                columns=UNPLACED_COLUMNS,
            )
        )
    return sections


def journey_report_sections(
    source: Any,
    *,
    goal: Any = None,
    min_count: int = 1,
    top_touchpoints: int = 5,
    funnel: Any = None,
) -> list[Section]:
    """Every section of the journey report, computed from one source (workspace or part).

    ``goal`` (a touchpoint, rule or stage) is where the paths section leads; by default
    the journey's Convert stage, or its middle stage for journeys without one.
    ``funnel``: the stage funnel, when the caller already has it.
    """
    stages = source.journey.stage_names
    if goal is None:
        middle = stages[len(stages) // 2]
        goal = {"stage": "Convert" if "Convert" in stages else middle}
    funnel = funnel if funnel is not None else source.stages()
    noting = Noting(source)  # each group of sections shows why its answers are empty
    groups: list[tuple[str, Callable[[Any], list[Section]]]] = [
        ("Stages", lambda _: key_number_sections(funnel) + stage_sections(funnel)),
        ("Journey map", lambda s: journey_map_sections(s.journey_map(top=top_touchpoints))),
        ("Journey map", lambda s: journey_map_sections(s.journey_map(by="channel", top=3))),
        (
            "Paths",
            lambda s: path_sections(
                s.paths(before=goal, steps=5), s.top_paths(goal, steps=4, limit=10)
            ),
        ),
        ("Attribution", lambda s: attribution_sections(s.attribution(goal))),
        (
            "Touchpoints",
            lambda s: touchpoint_sections(
                s.touchpoint_ratios(goal), s.touchpoint_effects(by="channel")
            ),
        ),
        ("Process map", lambda s: process_map_sections(s.process_map(min_count=min_count))),
        ("Campaigns", campaign_sections),
        ("Contact", contact_sections),
        ("Experience", experience_sections),
        ("Customers", customer_sections),
    ]
    sections: list[Section] = check_sections(source.check())
    for heading, build in groups:
        built = build(noting)
        notes = noting.take() + (warnings_of(funnel) if heading == "Stages" else [])
        sections += noted(built, notes, heading, noting.titles)
    return sections
