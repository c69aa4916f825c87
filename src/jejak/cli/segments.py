"""``jejak segments``: list, save, drop and export saved segments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jejak.cli.app import as_step, narrowed_workspace, opened_workspace, out, state
from jejak.cli.helptexts import HelpCommand, HelpGroup
from jejak.cli.output import print_table, write_result
from jejak.language import gettext as _
from jejak.model.funnel import step_text
from jejak.report import formatting as fmt

segments_app = typer.Typer(
    cls=HelpGroup,
    help="Saved segments: list them, save one, export its people as an audience.",
    no_args_is_help=False,
    invoke_without_command=True,
)


@segments_app.callback()
def segments_list(ctx: typer.Context) -> None:
    """Every segment: where it is defined, what it means, how many people are in it.

    Examples: jejak segments | jejak segments save vip --rfm Champions --rfm Loyal |
    jejak segments export vip -o vip.csv | jejak --segment vip stages
    """
    if ctx.invoked_subcommand is not None:
        return
    import pandas as pd

    with opened_workspace() as ws:
        table = ws.segments().table
    if table.empty:
        out.print(
            _(
                "No segments yet. Save one (jejak segments save NAME --had order) or define them"
                " under 'segments:' in jejak.yaml."
            )
        )
        return
    shown = pd.DataFrame(
        {
            _("Segment"): table["segment"],
            _("People"): table["people"].map(fmt.people),
            _("Definition"): table["definition"],
            _("Description"): table["description"].fillna(""),
            _("Saved in"): table["saved_in"],
        }
    )
    print_table(shown, _("Segments"))


@segments_app.command("save", cls=HelpCommand)
def segments_save(
    name: Annotated[str, typer.Argument(help="The segment's name.")],
    had: Annotated[
        str | None, typer.Option(help="Had this: a touchpoint, stage:NAME or field=value.")
    ] = None,
    first: Annotated[
        str | None, typer.Option(help="First touchpoint matches this, e.g. channel=social.")
    ] = None,
    stage: Annotated[
        list[str] | None, typer.Option(help="Current stage is this (repeat for several).")
    ] = None,
    rfm: Annotated[
        list[str] | None, typer.Option(help="RFM segment, e.g. Champions (repeat for several).")
    ] = None,
    engagement: Annotated[
        str | None, typer.Option(help="'follows content' or 'transactional only'.")
    ] = None,
    p_alive_below: Annotated[
        float | None, typer.Option(help="Buyers less likely than this to still be customers.")
    ] = None,
    cluster: Annotated[
        list[int] | None, typer.Option(help="Behavioural cluster number (jejak clusters).")
    ] = None,
    k: Annotated[int | None, typer.Option(help="With --cluster: how many clusters.")] = None,
    funnel: Annotated[
        list[str] | None,
        typer.Option(help="A funnel's steps (repeat in order), with --step: who reached it."),
    ] = None,
    step: Annotated[int | None, typer.Option(help="With --funnel: the step (from 1).")] = None,
    stopped: Annotated[
        bool, typer.Option(help="With --funnel: reached --step and went no further.")
    ] = False,
    window: Annotated[str, typer.Option(help="With --funnel: its window, e.g. 30d.")] = "30d",
    order: Annotated[
        str, typer.Option(help="With --funnel: ordered, strict (nothing between) or any.")
    ] = "ordered",
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="With --funnel: touchpoints that void an attempt between steps."),
    ] = None,
    optional: Annotated[
        list[int] | None,
        typer.Option(help="With --funnel: a step (by number) people may skip; repeat for more."),
    ] = None,
    within: Annotated[
        list[str] | None,
        typer.Option(help="With --funnel: STEP=GAP, at most this long after the step before."),
    ] = None,
    after: Annotated[
        list[str] | None,
        typer.Option(help="With --funnel: STEP=GAP, at least this long after the step before."),
    ] = None,
    open_windows: Annotated[
        str | None,
        typer.Option(
            help="With --funnel: exclude or include people whose window is still open at"
            " the end (as jejak funnel counted them)."
        ),
    ] = None,
    stuck: Annotated[
        str | None,
        typer.Option(
            help="Stuck in a stage over some days: STAGE:DAYS; the recently stuck (past"
            " DAYS within the last WITHIN days): STAGE:DAYS:WITHIN."
        ),
    ] = None,
    retention: Annotated[
        str | None,
        typer.Option(help="A retention cell: COHORT:PERIOD, e.g. 2026-03-01:1 (see --every)."),
    ] = None,
    every: Annotated[str, typer.Option(help="With --retention: week or month.")] = "month",
    active: Annotated[
        str | None,
        typer.Option(help="With --retention: active means this touchpoint (or stage:NAME)."),
    ] = None,
    cohort: Annotated[
        str | None,
        typer.Option(
            help="With --retention: join at the first of this touchpoint (or stage:NAME);"
            " default: as --active."
        ),
    ] = None,
    on_or_after: Annotated[
        bool,
        typer.Option(
            "--on-or-after",
            help="With --retention: active in PERIOD or any later one (unbounded).",
        ),
    ] = False,
    at_least: Annotated[
        int,
        typer.Option(
            help="With --retention: touchpoints in a period that make a person active in it."
        ),
    ] = 1,
    path_after: Annotated[
        str | None,
        typer.Option(help="A node of the paths after this touchpoint (see --position)."),
    ] = None,
    path_before: Annotated[
        str | None,
        typer.Option(help="A node of the paths before this touchpoint (see --position)."),
    ] = None,
    position: Annotated[
        int | None, typer.Option(help="With a path node: its step, as jejak paths numbers them.")
    ] = None,
    touchpoint: Annotated[
        str | None, typer.Option(help="With a path node: its touchpoint (or other).")
    ] = None,
    path_steps: Annotated[int, typer.Option(help="With a path node: the paths' steps.")] = 5,
    path_top: Annotated[
        int, typer.Option(help="With a path node: touchpoints kept by name (jejak paths --top).")
    ] = 10,
    keep_repeats: Annotated[
        bool, typer.Option(help="With a path node: the paths keep repeated touchpoints.")
    ] = False,
    description: Annotated[str | None, typer.Option(help="What the segment is for.")] = None,
    replace: Annotated[bool, typer.Option(help="Overwrite a segment saved before.")] = False,
) -> None:
    """Save a segment in the workspace; every option given must hold. A cell of an
    analysis saves by the same parameters: a funnel's step, the stuck, a retention cell,
    a node of the paths.

    Examples: jejak segments save lapsed-vips --rfm "At risk" --rfm "Can't lose them" |
    jejak segments save dropped --funnel page_view --funnel order --step 1 --stopped |
    jejak segments save stalled --stuck Engagement:14:30 | jejak segments save march-back
    --retention 2026-03-01:1 | jejak segments save kept-buying --retention 2026-03-01:1
    --active order --on-or-after | jejak segments save then-cart --path-after page_view
    --position 2 --touchpoint add_to_cart
    """
    funnel_options = {"order": order, "exclude": exclude, "open_windows": open_windows}
    funnel_options |= {"optional": optional, "within": within, "after": after}
    retained = {"active": active, "cohort": cohort, "on_or_after": on_or_after}
    definition: dict[str, Any] = {
        "had": as_step(had) if had else None,
        "first": as_step(first) if first else None,
        "stage": stage or None,
        "rfm": rfm or None,
        "engagement": engagement,
        "p_alive_below": p_alive_below,
        "cluster": cluster or None,
        "k": k,
        "funnel": _funnel_cell(funnel, step, stopped, window, **funnel_options),
        "stuck": _stuck_cell(stuck),
        "retention": _retention_cell(retention, every, **retained, at_least=at_least),
        "path": _path_cell(
            path_after, path_before, position, touchpoint, path_steps, path_top, keep_repeats
        ),
    }
    definition = {key: value for key, value in definition.items() if value is not None}
    with opened_workspace() as ws:
        segment = ws.save_segment(name, definition, description=description, replace=replace)
        people = ws.segment(name).members().count().to_pyarrow().as_py()
    said = _("Saved segment {name}: {definition} ({people})")
    out.print(
        said.format(name=repr(name), definition=segment.describe(), people=fmt.headcount(people))
    )


@segments_app.command("drop", cls=HelpCommand)
def segments_drop(name: Annotated[str, typer.Argument(help="The segment's name.")]) -> None:
    """Forget a segment saved in the workspace."""
    with opened_workspace() as ws:
        ws.drop_segment(name)
    out.print(_("Dropped segment {name}").format(name=repr(name)))


@segments_app.command("export", cls=HelpCommand)
def segments_export(
    name: Annotated[str, typer.Argument(help="The segment's name.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The audience file: CSV (or .json).")
    ],
) -> None:
    """Write a segment's people (ids, stage, last seen, orders, revenue) for an ad or
    email tool.

    Example: jejak segments export vip -o vip.csv
    """
    with narrowed_workspace() as ws:
        result = ws.audience(name)
    write_result(result, output)


def _funnel_cell(
    steps: list[str] | None,
    step: int | None,
    stopped: bool,
    window: str,
    *,
    order: str,
    exclude: list[str] | None,
    open_windows: str | None,
    optional: list[int] | None,
    within: list[str] | None,
    after: list[str] | None,
) -> dict[str, Any] | None:
    """The ``funnel`` of a definition, from the options as ``jejak funnel`` takes them."""
    from jejak.model.funnel import with_step_options

    if not steps:
        if step is not None or stopped:
            raise typer.BadParameter(_("--step and --stopped go with --funnel"))
        given = exclude or optional or within or after or open_windows or order != "ordered"
        if given:
            raise typer.BadParameter(
                _(
                    "--order, --exclude, --optional, --within, --after and --open-windows"
                    " go with --funnel"
                )
            )
        return None
    if step is None:
        raise typer.BadParameter(_("--funnel needs --step: which step's people to save"))
    parsed = [as_step(s) for s in steps]
    if optional or within or after:
        parsed = with_step_options(parsed, optional, within, after)
    cell = {"steps": parsed, "step": step, "window": window, "order": order}
    if exclude:
        cell["exclusions"] = [as_step(x) for x in exclude]
    if open_windows is not None:
        cell["open_windows"] = open_windows
    # jejak --since/--until funnel counts who entered the first step in those dates
    dates = {"start": state.since, "end": state.until}
    cell |= {key: value for key, value in dates.items() if value}
    return cell | ({"stopped": True} if stopped else {})


def _stuck_cell(given: str | None) -> dict[str, Any] | None:
    if given is None:
        return None
    parts = given.split(":")
    numbers = 0  # DAYS, or DAYS:WITHIN, at the end (a stage's name may hold a colon)
    while numbers < min(2, len(parts) - 1) and _is_number(parts[-1 - numbers]):
        numbers += 1
    stage = ":".join(parts[: len(parts) - numbers])
    if not stage or not numbers:
        raise typer.BadParameter(
            _("--stuck is STAGE:DAYS or STAGE:DAYS:WITHIN, e.g. Engagement:14 or Engagement:14:30")
        )
    cell: dict[str, Any] = {"stage": stage, "days": parts[len(parts) - numbers]}
    if numbers == 2:
        cell["within"] = parts[-1]
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _retention_cell(
    given: str | None,
    every: str,
    *,
    active: str | None,
    cohort: str | None,
    on_or_after: bool,
    at_least: int,
) -> dict[str, Any] | None:
    """The ``retention`` of a definition, from the options as ``jejak retention`` takes
    them (its --cohort is the cell's ``joined``: COHORT in COHORT:PERIOD is a day)."""
    if given is None:
        if active is not None or cohort is not None or on_or_after or at_least != 1:
            raise typer.BadParameter(
                _("--active, --cohort, --on-or-after and --at-least go with --retention")
            )
        return None
    day, _sep, period = given.rpartition(":")
    if not day or not period:
        raise typer.BadParameter(_("--retention is COHORT:PERIOD, e.g. 2026-03-01:1"))
    cell: dict[str, Any] = {"cohort": day, "period": period, "every": every}
    if active is not None:
        cell["active"] = as_step(active)
    if cohort is not None:
        cell["joined"] = as_step(cohort)
    if on_or_after:
        cell["returned"] = "on_or_after"
    return cell | ({"at_least": at_least} if at_least != 1 else {})


def _path_cell(
    after: str | None,
    before: str | None,
    position: int | None,
    touchpoint: str | None,
    steps: int,
    top: int,
    keep_repeats: bool,
) -> dict[str, Any] | None:
    if after is None and before is None:
        if position is not None or touchpoint is not None:
            raise typer.BadParameter(
                _("--position and --touchpoint go with --path-after or --path-before")
            )
        return None
    if after is not None and before is not None:
        raise typer.BadParameter(_("a path node is after one touchpoint or before one, not both"))
    if position is None or touchpoint is None:
        raise typer.BadParameter(
            _("a path node needs --position and --touchpoint: which step, and what was there")
        )
    anchor = {"after": as_step(after)} if after is not None else {"before": as_step(before)}
    cell = {"position": position, "touchpoint": touchpoint, "steps": steps, "top": top}
    return anchor | cell | ({"collapse": False} if keep_repeats else {})


def path_flags(cell: dict[str, Any]) -> list[str]:
    """The options of ``jejak segments save NAME`` that save a node of the paths
    (``cell``: the ``path`` of its segment definition); :func:`_path_cell` reads them back."""
    direction = "after" if "after" in cell else "before"
    flags = [f"--path-{direction}", step_text(cell[direction])]
    flags += ["--position", str(cell["position"]), "--touchpoint", str(cell["touchpoint"])]
    flags += ["--path-steps", str(cell.get("steps", 5)), "--path-top", str(cell.get("top", 10))]
    return flags + ([] if cell.get("collapse", True) else ["--keep-repeats"])
