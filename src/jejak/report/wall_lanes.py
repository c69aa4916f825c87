"""The CX lanes of the wall chart (:class:`jejak.analyses.journey_map.JourneyLanes`): the
persona that opens each lane, and the rows under its touchpoints that a CX team draws by
hand: how people feel per stage, the pain points, the opportunities.

Plain HTML, styled by :data:`jejak.report.journey_wall.CSS`, one cell per stage so the
rows line up with the stages over them. Everything read from a result is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd

from jejak import language
from jejak.analyses.journey_map import JourneyLanes
from jejak.language import N_, gettext, ngettext
from jejak.report import formatting as fmt

# what each kind of pain point and opportunity is called on its card
KINDS = {
    "drop_off": N_("Biggest drop-off"),
    "bad_experience": N_("Worst bad experience"),
    "slow": N_("Slowest step"),
    "untargeted": N_("No campaign aims here"),
    "stuck": N_("Stuck audience"),
    "under_reached": N_("Helps, but few get it"),
}

# the feeling bar's colours: good, neutral, bad (as the moved-on cards' green, grey, red)
_MOODS = (("good", "#328c50"), ("neutral", "#b8bec6"), ("bad", "#c8463c"))


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _group_rows(frame: pd.DataFrame | None, by: str | None, value: Any) -> pd.DataFrame:
    """The rows of a lane frame that belong to the lane of ``value`` (all when unsplit)."""
    if frame is None:
        return pd.DataFrame()
    if not by or by not in frame:
        return frame
    return frame[frame[by].astype(str) == str(value)]


def groups(table: pd.DataFrame, by: str | None, lanes: JourneyLanes) -> list[Any]:
    """The lanes of a wall, in the map's order, then any group only the CX lanes name."""
    if not by:
        return [None]
    found = list(dict.fromkeys(table[by].tolist())) if by in table else []
    seen = {str(v) for v in found}
    for frame in (lanes.feeling, lanes.pains, lanes.opportunities):
        if frame is not None and by in frame:
            for value in dict.fromkeys(frame[by].tolist()):
                if str(value) not in seen:
                    found.append(value)
                    seen.add(str(value))
    return found


def persona_html(value: Any, by: str | None, lanes: JourneyLanes) -> str:
    """The lane's opening line: who these people are (its persona, in words)."""
    key = "" if value is None else str(value)
    text = lanes.personas.get(key, "")
    if value is None:
        name = gettext("Who these people are")
    else:
        name = gettext("{field} = {value}").format(field=gettext(by or ""), value=value)
    # the words stay in sight while a wide wall scrolls sideways
    return (
        f'<div class="persona"><div class="who"><b>{_escape(name)}</b>{_escape(text)}</div></div>'
    )


def row_name(name: str, note: str = "") -> str:
    small = f"<small>{_escape(note)}</small>" if note else ""
    return f'<div class="row-name">{_escape(name)}{small}</div>'


def lane_rows(value: Any, by: str | None, stages: Sequence[str], lanes: JourneyLanes) -> list[str]:
    """The feeling, pain-point and opportunity rows of one lane (a row that has nothing
    at all says why, from ``lanes.reasons``)."""
    parts = [row_name(gettext("Feeling"), gettext("good less bad, per 100 people"))]
    parts += _feeling_row(_group_rows(lanes.feeling, by, value), lanes, stages)
    for lane, name in (
        ("pains", gettext("Pain points")),
        ("opportunities", gettext("Opportunities")),
    ):
        frame = getattr(lanes, lane)
        parts.append(row_name(name))
        parts += _cards_row(frame, _group_rows(frame, by, value), lane, lanes, stages)
    return parts


def _reason(lane: str, lanes: JourneyLanes) -> str:
    said = lanes.reasons.get(lane) or gettext("Nothing to show for this lane.")
    return f'<div class="reason">{_escape(said)}</div>'


def _none_here() -> str:
    return f'<div class="reason">{_escape(gettext("none in this lane"))}</div>'


def _feeling_row(rows: pd.DataFrame, lanes: JourneyLanes, stages: Sequence[str]) -> list[str]:
    if lanes.feeling is None or lanes.feeling.empty:
        return [_reason("feeling", lanes)]
    if rows.empty:
        return [_none_here()]
    at = {
        column: row for column, row in zip(_columns(rows, stages), rows.itertuples(), strict=True)
    }
    nobody = f'<span class="empty">{_escape(gettext("nobody"))}</span>'
    cells = [_feeling_cell(at[i]) if i in at else nobody for i in range(len(stages))]
    return [f'<div class="cell feel">{cell}</div>' for cell in cells]


def feeling_words(row: Any) -> list[tuple[str, str]]:
    """A stage's feeling in words, as (what, how many it is of): its score, its good,
    neutral and bad counts, its NPS and its stars with their answers."""
    said = [
        (gettext("feeling {score}").format(score=fmt.feeling_score(row.feeling)), ""),
        (gettext("{count} good").format(count=fmt.people(row.good)), ""),
        (gettext("{count} neutral").format(count=fmt.people(row.neutral)), ""),
        (gettext("{count} bad").format(count=fmt.people(row.bad)), ""),
    ]
    if not fmt.is_missing(row.nps):
        said.append(
            (
                gettext("NPS {nps}").format(nps=fmt.number(row.nps, 0)),
                ngettext("{count} answer", "{count} answers", _count(row.nps_answers)).format(
                    count=fmt.people(row.nps_answers)
                ),
            )
        )
    if not fmt.is_missing(row.stars):
        said.append(
            (
                gettext("★ {stars}").format(stars=fmt.number(row.stars, 1)),
                ngettext("{count} review", "{count} reviews", _count(row.stars_answers)).format(
                    count=fmt.people(row.stars_answers)
                ),
            )
        )
    return said


def _count(value: Any) -> int:
    return 0 if fmt.is_missing(value) else int(value)


def _feeling_cell(row: Any) -> str:
    """The score (green above zero, red below), the good, neutral and bad people as a
    stacked bar and in numbers, then NPS and stars with how many gave them."""
    people = float(row.people) if not fmt.is_missing(row.people) else 0.0
    bar = "".join(
        f'<span class="{mood}" style="width: {100 * float(getattr(row, mood)) / people:.1f}%;'
        f' background: {colour}"></span>'
        for mood, colour in _MOODS
        if people > 0 and not fmt.is_missing(getattr(row, mood))
    )
    counts = gettext("{good} good, {neutral} neutral, {bad} bad of {people}").format(
        good=fmt.people(row.good),
        neutral=fmt.people(row.neutral),
        bad=fmt.people(row.bad),
        people=fmt.headcount(int(people)),
    )
    words = feeling_words(row)
    (top, _), moods, asked = words[0], words[1:4], words[4:]
    feeling = float(row.feeling) if not fmt.is_missing(row.feeling) else 0.0
    colour = _MOODS[0][1] if feeling > 0 else _MOODS[2][1] if feeling < 0 else "#52606d"
    numbers = " · ".join(f'<span class="n">{_escape(text)}</span>' for text, _ in moods)
    lines = [
        f'<span class="score" style="color: {colour}">{_escape(top)}</span>',
        f'<div class="mood" title="{_escape(counts)}">{bar}</div>',
        f"<span>{numbers}</span>",
    ]
    lines += [
        f'<span><span class="n">{_escape(text)}</span> <small>({_escape(of)})</small></span>'
        for text, of in asked
    ]
    return "".join(lines)


def _columns(rows: pd.DataFrame, stages: Sequence[str]) -> list[int | None]:
    """Each row's 0-based stage column: from ``stage_index`` (1-based), else its name."""
    if "stage_index" in rows:
        return [None if fmt.is_missing(i) else int(i) - 1 for i in rows["stage_index"]]
    where = {str(name): number for number, name in enumerate(stages)}
    return [where.get(str(name)) for name in rows["stage"]]


def _cards_row(
    frame: pd.DataFrame | None,
    rows: pd.DataFrame,
    lane: str,
    lanes: JourneyLanes,
    stages: Sequence[str],
) -> list[str]:
    """One cell per stage with the cards of the stage they belong to; cards of no stage
    of the map (a stage the journey no longer has) in one cell across the row."""
    if frame is None or frame.empty:
        return [_reason(lane, lanes)]
    if rows.empty:
        return [_none_here()]
    kind = "pain" if lane == "pains" else "chance"
    cells: list[list[str]] = [[] for _ in stages]
    across: list[str] = []
    for column, row in zip(_columns(rows, stages), rows.itertuples(), strict=True):
        card = _lane_card(row, kind)
        if column is not None and 0 <= column < len(stages):
            cells[column].append(card)
        else:
            across.append(card)
    parts = [f'<div class="cell">{"".join(cards)}</div>' for cards in cells]
    if across:
        parts += [
            '<div class="row-name"></div>',
            f'<div class="cell across">{"".join(across)}</div>',
        ]
    return parts


def _lane_card(row: Any, kind: str) -> str:
    """A pain point's or an opportunity's card: what kind, where, its sentence, people."""
    name = KINDS.get(str(row.kind))
    lines = [f'<span class="kind">{_escape(gettext(name) if name else row.kind)}</span>']
    what = getattr(row, "what", None)
    if isinstance(what, str) and what:
        lines.append(f"<b>{_escape(what)}</b>")
    step = transition(row)
    if " → " in step:  # the card stands in its stage's column: only a step is news
        lines.append(f"<span>{_escape(step)}</span>")
    detail = getattr(row, "detail", None)
    if isinstance(detail, str) and detail:
        lines.append(f'<span class="why">{_escape(detail)}</span>')
    if not fmt.is_missing(getattr(row, "people", None)):
        lines.append(f"<span>{_escape(fmt.headcount(int(row.people)))}</span>")
    return f'<div class="card {kind}">{"".join(lines)}</div>'


def transition(row: Any) -> str:
    """``Subscribe → Convert`` (stage names in the language), or the one stage, or ''."""
    stage = getattr(row, "stage", None)
    to = getattr(row, "to_stage", None)
    names = [language.stage(str(s)) for s in (stage, to) if isinstance(s, str) and s]
    return " → ".join(names)
