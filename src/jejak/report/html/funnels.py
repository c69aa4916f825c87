"""Report sections of a funnel over steps (:mod:`jejak.analyses.funnels`): its chart,
its steps, and how many people may still convert. The dashboard's funnels page shows
the same section."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext, ngettext, stage
from jejak.report import formatting as fmt
from jejak.report.html.page import Section
from jejak.report.tables import funnel_steps_table

DEFAULT_STAGES = 4  # a funnel nobody chose: the journey's first stages
DEFAULT_WINDOW = "30d"


def default_steps(stage_names: list[str]) -> list[str]:
    """The steps of a funnel nobody chose: the journey's first stages (stage:NAME)."""
    return [f"stage:{name}" for name in stage_names[:DEFAULT_STAGES]]


def open_windows_note(result: Any) -> str:
    """How many people's window is still open, and whether the numbers leave them out;
    empty when everyone's window has closed."""
    count = int(result.meta.get("open_people") or 0)
    if not count:
        return ""
    if result.meta.get("open_windows") == "exclude":
        said = ngettext(
            "{count} person still has time to convert: left out of these numbers"
            " until their window closes.",
            "{count} people still have time to convert: left out of these numbers"
            " until their windows close.",
            count,
        )
    else:
        said = ngettext(
            "{count} person still has time to convert: counted here as not converted yet.",
            "{count} people still have time to convert: counted here as not converted yet.",
            count,
        )
    return said.format(count=fmt.people(count))


def range_note(result: Any) -> str:
    """Who a funnel over a date range counts: the people who entered its first step in
    the range, with their later steps after it too; empty without a range."""
    start, end = result.meta.get("start"), result.meta.get("end")
    if start is None and end is None:
        return ""
    if start is not None and end is not None:
        said = gettext(
            "People who entered the first step from {start} and before {end}; their later"
            " steps count even after it, within the window."
        )
    elif start is not None:
        said = gettext("People who entered the first step from {start}.")
    else:
        said = gettext(
            "People who entered the first step before {end}; their later steps count even"
            " after it, within the window."
        )
    return said.format(start=_moment(start), end=_moment(end))


def _moment(value: Any) -> str:
    if value is None:
        return ""
    midnight = value.hour == value.minute == value.second == 0
    return fmt.day(value) if midnight else f"{fmt.day(value)} {value:%H:%M}"  # shop's time


def cell_moment(value: Any, zone: str | None = None) -> str | None:
    """A funnel's start or end as a saved cell writes it: the day (``2026-03-01``) for
    midnight in the workspace's ``zone``, else the moment with its offset."""
    if value is None:
        return None
    midnight = value.hour == value.minute == value.second == value.microsecond == 0
    if midnight and zone and getattr(value.tzinfo, "key", None) == zone:
        return value.date().isoformat()
    return value.isoformat()


def funnel_sections(
    result: Any,
    steps: list[str],
    window: str,
    cells: list[Any] | None = None,
    *,
    exclusions: list[Any] | None = None,
    open_windows: str | None = None,
    zone: str | None = None,
) -> list[Section]:
    """The funnel's section: ``steps`` and ``window`` as the reader gave them (or, for
    a funnel nobody chose, in the reader's words). ``cells``: the steps as definitions
    (with their optional, within and after), so each step's people save as a segment
    (not for a funnel split by a field); the saved cell carries the funnel's
    ``exclusions``, ``open_windows`` and its date range (``start``/``end`` of
    ``result.meta``, days in the workspace's ``zone``), so it holds the people shown."""
    table = funnel_steps_table(result.table)
    saves = None
    if cells is not None and not result.meta.get("by"):
        cell: dict[str, Any] = {
            "steps": cells,
            "window": window,
            "order": result.meta.get("order", "ordered"),
        }
        if exclusions:
            cell["exclusions"] = exclusions
        if open_windows:
            cell["open_windows"] = open_windows
        for key in ("start", "end"):
            if (moment := cell_moment(result.meta.get(key), zone)) is not None:
                cell[key] = moment
        saves = [{"funnel": cell | {"step": int(k)}} for k in result.table["step"]]
    if result.meta.get("by"):
        by = str(result.meta["by"])
        table.insert(0, fmt.label(by), result.table[by].to_numpy())
    notes = [note for note in (range_note(result), open_windows_note(result)) if note]
    shown = steps
    if cells is not None:
        shown = [_with_options(text, cell) for text, cell in zip(steps, cells, strict=True)]
    intro = gettext("Steps: {steps}; within {window}.").format(
        steps=", ".join(shown), window=window
    )
    if exclusions:
        from jejak.model.funnel import step_text

        left_out = gettext("Left out: whoever had {touchpoints} between the first and last step.")
        intro += " " + left_out.format(touchpoints=", ".join(map(step_text, exclusions)))
    return [
        Section(
            heading=result.title,
            intro=intro,
            figures=[result.figure()],
            table=table,
            notes=notes,
            saves=saves,
            saves_dated=saves is not None,
        )
    ]


def _with_options(step: str, cell: Any) -> str:
    """A step as the reader gave it, with its options in words: "add_to_cart
    (optional)", "order (at most 2d after the step before)"."""
    if not isinstance(cell, dict):
        return step
    said = [gettext("optional")] if cell.get("optional") else []
    if cell.get("after") is not None:
        said.append(gettext("at least {gap} after the step before").format(gap=cell["after"]))
    if cell.get("within") is not None:
        said.append(gettext("at most {gap} after the step before").format(gap=cell["within"]))
    return f"{step} ({'; '.join(said)})" if said else step


def step_driver_sections(
    source: Any,
    funnel: Any,
    cells: list[Any],
    window: str,
    order: str = "ordered",
    step: int | None = None,
    group: str | None = None,
    *,
    exclusions: list[Any] | None = None,
    open_windows: str | None = None,
) -> list[Section]:
    """What drives people on from a step of ``funnel`` (the result of ``cells`` within
    ``window``, with its ``exclusions`` and ``open_windows``): ``step``, by default the
    one that loses the most people; none when nobody is lost. A split funnel's drivers
    follow the split: of ``group``, by default the group that loses the most people at
    the step."""
    from jejak.analyses.funnels import biggest_drop, biggest_loss_group
    from jejak.report.html.drivers import driver_sections

    step = biggest_drop(funnel) if step is None else step
    if step is None:
        return []
    options = {"window": window, "order": order, "exclusions": exclusions}
    options["open_windows"] = open_windows
    by = funnel.meta.get("by")
    if not by:
        return driver_sections(source.funnel_drivers(cells, step, **options))
    chosen = group or biggest_loss_group(funnel, step)
    if chosen is None:
        return []
    found = source.funnel_drivers(cells, step, by=by, group=chosen, **options)
    return driver_sections(found, chosen=group is not None)


def default_funnel_sections(source: Any) -> list[Section]:
    """The report's funnel: the journey's first stages within the default window, and
    what drives people on from the step that loses the most."""
    from jejak.model.funnel import parse_step

    steps = default_steps(source.journey.stage_names)
    cells = [parse_step(s) for s in steps]
    result = source.funnel(cells, window=DEFAULT_WINDOW)
    names = [stage(name) for name in source.journey.stage_names[:DEFAULT_STAGES]]
    return funnel_sections(result, names, DEFAULT_WINDOW) + step_driver_sections(
        source, result, cells, DEFAULT_WINDOW
    )
