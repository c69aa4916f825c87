"""Commands about the journey: stages, funnel, paths, journey, attribution,
touchpoints, experience and map."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jejak.cli.app import AsJson, Goal, TableFile, as_step, narrowed_workspace, out
from jejak.cli.output import open_windows_line, print_funnel, print_table, write_result
from jejak.language import gettext as _
from jejak.language import localised, ngettext, stage
from jejak.report import formatting as fmt

if TYPE_CHECKING:
    from jejak.analyses.paths import PathFlows

# A funnel's options, as `jejak funnel` and `jejak drivers --funnel` both take them
Window = Annotated[str, typer.Option(help="Conversion window from step 1: 30d, 12h, 45m.")]
Order = Annotated[str, typer.Option(help="ordered, strict (nothing between) or any.")]
Exclude = Annotated[
    list[str] | None,
    typer.Option(help="Touchpoints that void an attempt between the first and last step."),
]
OptionalSteps = Annotated[
    list[int] | None, typer.Option(help="A step (by number) people may skip; repeat for more.")
]
Within = Annotated[
    list[str] | None,
    typer.Option(help="STEP=GAP: at most this long after the step before, e.g. 3=2d."),
]
After = Annotated[
    list[str] | None,
    typer.Option(help="STEP=GAP: at least this long after the step before, e.g. 3=1h."),
]


def stages(
    stuck: Annotated[
        str | None, typer.Option(help="List people whose furthest stage is this one.")
    ] = None,
    days: Annotated[
        float, typer.Option(help="With --stuck: in the stage over this many days.")
    ] = 30,
    within: Annotated[
        float | None,
        typer.Option(
            help="The recently stuck: past the usual days (or --days) within the last this"
            " many days. Default: 30 in the overview, everyone stuck with --stuck.",
            min=0,
        ),
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
    by: Annotated[
        str | None,
        typer.Option(
            help="One funnel per value of the first touchpoint's field (e.g. channel),"
            " or per saved segment: --by segment."
        ),
    ] = None,
) -> None:
    """The stage funnel and who is stuck in each stage, or (with --stuck) who has
    stalled in a stage.

    Examples: jejak stages --by channel | jejak stages --stuck Subscribe --days 30 -o audience.csv
    | jejak stages --stuck Subscribe --days 30 --within 14
    """
    overview = None
    with narrowed_workspace() as ws:
        if stuck:
            result = ws.stuck(stuck, days, within=within)
        else:
            from jejak.analyses.stages import RECENT_DAYS, usual_days

            result = ws.stages(by=by)
            usual = usual_days(result.table) if by is None and not as_json else {}
            recent = RECENT_DAYS if within is None else within
            if usual:  # counted from this funnel's usual days, not a second funnel's
                overview = ws.stuck_by_stage(usual, within=recent)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif stuck:
        print_stuck(result)
        if not output:
            print_table(_labelled(result.table.head(20)), _("First 20 (use -o to export all)"))
    else:
        print_funnel(result)
        if overview is not None:
            print_stuck_by_stage(overview)


def print_stuck(result) -> None:
    """How many people are stuck in the stage, as of when, and since when."""
    from jejak.analyses.stages import past_within

    meta = result.meta
    days = meta["days"]
    said = ngettext(
        "{people} stuck in {stage} for more than {days} day (as of {time})",
        "{people} stuck in {stage} for more than {days} days (as of {time})",
        2 if days != 1 else 1,
    ).format(
        people=fmt.headcount(meta["people"]),
        stage=stage(meta["stage"]),
        days=localised(f"{days:g}"),
        time=fmt.timestamp(meta["as_of"]),
    )
    out.print(past_within(said, meta["within"]))


def print_stuck_by_stage(overview) -> None:
    """Per stage, its stuck and recently stuck, and how to list or save them."""
    within = float(overview.meta["within"])
    shown = fmt.format_table(overview.table, fmt.stuck_columns(within))
    heading = _("Stuck in a stage, as of {time}").format(time=fmt.timestamp(overview.meta["as_of"]))
    print_table(shown, heading)
    from jejak.report.stuck import recently_stuck_note

    if note := recently_stuck_note(overview):
        out.print(note)
    table = overview.table.sort_values(["recently_stuck", "stuck"], ascending=False, kind="stable")
    row = table.iloc[0]
    if not row["stuck"]:
        return
    days = f"{row['days']:.4g}"
    if row["recently_stuck"]:
        said = _(
            "List them: jejak stages --stuck {stage} --days {days} --within {within}."
            " Save them: jejak segments save NAME --stuck {stage}:{days}:{within}"
        )
    else:
        said = _(
            "List them: jejak stages --stuck {stage} --days {days}."
            " Save them: jejak segments save NAME --stuck {stage}:{days}"
        )
    named = shlex.quote(stage(row["stage"]))  # the name shown: --stuck takes it too
    out.print(said.format(stage=named, days=days, within=f"{within:g}"))


def funnel(
    steps: Annotated[
        list[str],
        typer.Argument(help="Touchpoint names in order; stage:NAME for a journey stage."),
    ],
    window: Window = "30d",
    order: Order = "ordered",
    exclude: Exclude = None,
    by: Annotated[
        str | None,
        typer.Option(help="Split by a field of step 1 (e.g. channel), or --by segment."),
    ] = None,
    dropped_at: Annotated[
        int | None, typer.Option(help="List who reached this step (1-based) and not the next.")
    ] = None,
    optional: OptionalSteps = None,
    within: Within = None,
    after: After = None,
    open_windows: Annotated[
        str | None,
        typer.Option(help="exclude or include people whose window is still open at the end."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="The data's end for open windows (default: the latest).")
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """A funnel over touchpoints or stages, or (with --dropped-at) who dropped off where.

    Examples: jejak funnel page_view product_view order --window 7d --by channel |
    jejak funnel stage:Subscribe stage:Convert --dropped-at 1 -o follow_up.csv
    """
    from jejak.model.funnel import with_step_options

    parsed = with_step_options([as_step(s) for s in steps], optional, within, after)
    options = {"window": window, "order": order, "exclusions": exclude or []}
    options |= {"open_windows": open_windows, "as_of": as_of}
    with narrowed_workspace() as ws:
        if dropped_at is not None:
            result = ws.funnel_dropoffs(parsed, dropped_at, **options)
        else:
            result = ws.funnel(parsed, by=by, **options)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif dropped_at is not None:
        what = result.title[0].lower() + result.title[1:]
        out.print(_("{people} {what}").format(people=fmt.headcount(len(result.table)), what=what))
        if not output:
            print_table(_labelled(result.table.head(20)), _("First 20 (use -o to export all)"))
    else:
        from jejak.report.tables import funnel_steps_table

        table = result.table
        groups = table.groupby(by, sort=False) if by else [(None, table)]
        for value, group in groups:
            heading = result.title if value is None else f"{by} = {value}"
            print_table(funnel_steps_table(group), heading)
        if note := open_windows_line(result.meta):
            out.print(note)


def paths(
    after: Annotated[
        str | None, typer.Option(help="Paths from this touchpoint (or stage:NAME).")
    ] = (None),
    before: Annotated[
        str | None, typer.Option(help="Paths up to this touchpoint (or stage:NAME).")
    ] = None,
    to: Annotated[
        str | None, typer.Option(help="Top complete paths to this goal, with conversion.")
    ] = None,
    steps: Annotated[int, typer.Option(help="Touchpoints on a path.")] = 5,
    top: Annotated[
        int, typer.Option(help="Touchpoints kept by name; the rest are grouped as 'other'.")
    ] = 10,
    keep_repeats: Annotated[
        bool, typer.Option(help="Keep a touchpoint repeated right after itself.")
    ] = False,
    nodes: Annotated[
        bool,
        typer.Option(
            help="List each step's touchpoints and their people, with the options that"
            " save them as a segment (jejak segments save NAME ...), instead of the flows."
        ),
    ] = False,
    output: TableFile = None,
) -> None:
    """Where people go after a touchpoint, come from before one, or which paths reach a goal.

    Examples: jejak paths --after page_view | jejak paths --before stage:Convert |
    jejak paths --after page_view --nodes | jejak paths --to order --steps 4
    """
    if nodes and to is not None:
        raise typer.BadParameter(_("--nodes goes with --after or --before"))
    with narrowed_workspace() as ws:
        if to is not None:
            result = ws.top_paths(as_step(to), steps=steps, collapse=not keep_repeats)
        else:
            result = ws.paths(
                after=None if after is None else as_step(after),
                before=None if before is None else as_step(before),
                steps=steps,
                top=top,
                collapse=not keep_repeats,
            )
    if nodes:
        _print_nodes(result, output)
        return
    if output:
        write_result(result, output)
    table = result.table
    if to is not None:
        from jejak.report.tables import top_paths_table

        print_table(top_paths_table(table), result.title)
        return
    from jejak.report.tables import path_touchpoint

    shown = table.assign(
        source=table["source"].map(path_touchpoint),
        target=table["target"].map(path_touchpoint),
        people=table["people"].map(fmt.people),
    )
    shown = shown.groupby("step").head(5)
    title = _("{title}: the 5 largest flows per step").format(title=result.title)
    print_table(shown.rename(columns=fmt.label), title, 3)
    out.print(
        _(
            "--nodes lists each step's touchpoints with the options that save their people"
            " as a segment."
        )
    )


def _print_nodes(flows: PathFlows, output: Path | None) -> None:
    """The paths' nodes (``jejak paths --nodes``), each with the options of ``jejak
    segments save NAME`` that save its people, as the dashboard's node table saves them."""
    import shlex

    import pandas as pd

    from jejak.analyses.result import Result
    from jejak.cli.segments import path_flags

    listed = flows.nodes()
    listed["save"] = [shlex.join(path_flags(segment["path"])) for segment in flows.node_segments()]
    title = _("{title}: each step's touchpoints").format(title=flows.title)
    if output:
        write_result(Result(title=title, table=listed, meta=flows.meta), output)
    shown = pd.DataFrame(
        {
            _("Step"): listed["step"],
            _("Touchpoint"): listed["touchpoint"],
            _("People"): listed["people"].map(fmt.people),
            _("Save with: jejak segments save NAME"): listed["save"],
        }
    )
    print_table(shown, title, 2, words=1)


def journey(
    by: Annotated[
        str | None,
        typer.Option(help="One map per first-touch field value (e.g. channel), or segment."),
    ] = None,
    top: Annotated[int, typer.Option(help="Touchpoints per stage.")] = 6,
    lanes: Annotated[
        bool,
        typer.Option(
            "--lanes/--no-lanes",
            help="With the map's CX lanes: persona, feeling, pain points, opportunities.",
        ),
    ] = True,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the map as CSV, .json or .html.")
    ] = None,
) -> None:
    """The journey map: per stage, the touchpoints people have there and how they fare;
    then who each kind of customer is, how they feel per stage, their pain points and the
    opportunities (--no-lanes: the touchpoints only).

    Example: jejak journey --by channel -o map.html
    """
    with narrowed_workspace() as ws:
        result = ws.journey_map(by=by, top=top, lanes=lanes)
    if output and output.suffix == ".html":
        from jejak.report.html import journey_map_sections, write_report

        write_report(output, journey_map_sections(result), title=result.title)
        out.print(_("Wrote {file}").format(file=output))
    elif output:
        write_result(result, output)
    from jejak.report.tables import journey_map_table

    table = result.table
    groups = table.groupby(by, sort=False) if by else [(None, table)]
    for value, group in groups:
        heading = result.title if value is None else f"{by} = {value}"
        print_table(journey_map_table(group), heading, labels=2)
    if result.lanes is not None:
        _print_lanes(result, by)


def _print_lanes(result, by: str | None) -> None:
    """Per kind of customer: who they are, then their feeling, pain-point and opportunity
    tables; a lane with no rows at all says why, once (and a lane with rows what it
    could not show, when the analysis says so)."""
    from rich.markup import escape

    from jejak.report.tables import journey_feeling_table, journey_lane_table
    from jejak.report.wall_lanes import groups as lane_groups

    lanes = result.lanes
    frames = {
        "feeling": (lanes.feeling, _("How people feel"), journey_feeling_table, 1),
        "pains": (lanes.pains, _("Pain points"), journey_lane_table, 4),
        "opportunities": (lanes.opportunities, _("Opportunities"), journey_lane_table, 4),
    }
    for value in lane_groups(result.table, by, lanes):
        named = "" if value is None else f"{by} = {value}: "
        persona = lanes.personas.get("" if value is None else str(value))
        if persona:
            who = _("Who these people are") if value is None else f"{by} = {value}"
            out.print(f"\n[bold]{escape(who)}:[/bold] {escape(persona)}")
        for frame, name, shown, labels in frames.values():
            if frame is None or frame.empty:
                continue
            rows = (
                frame if not by or by not in frame else frame[frame[by].astype(str) == str(value)]
            )
            if len(rows):
                print_table(shown(rows), f"{named}{name}", labels=labels)
    for lane, (frame, name, _shown, _labels) in frames.items():
        # why a lane is empty, or (a lane with rows) what it could not show
        why = lanes.reasons.get(lane)
        if frame is None or frame.empty:
            why = why or _("Nothing to show for this lane.")
        if why:
            out.print(f"{escape(name)}: {escape(why)}")


def attribution(
    goal: Goal = None,
    by: Annotated[str, typer.Option(help="Credit channels, campaigns, sources, events...")] = (
        "channel"
    ),
    model: Annotated[
        list[str] | None,
        typer.Option(help="Models to compare (repeat); default: all eight."),
    ] = None,
    lookback: Annotated[
        str, typer.Option(help="Touches older than this before a conversion are ignored.")
    ] = "90d",
    half_life: Annotated[str, typer.Option(help="Time decay: a touch this old counts half.")] = (
        "7d"
    ),
    order: Annotated[int, typer.Option(help="Markov order: 1, 2 or 3 touches of memory.")] = 1,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the table as CSV, .json or .html."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Which channels (or campaigns, touchpoints) get the credit for conversions, per model.

    Examples: jejak attribution order --by campaign |
    jejak attribution stage:Subscribe --model markov --model shapley --order 2
    """
    with narrowed_workspace() as ws:
        result = ws.attribution(
            None if goal is None else as_step(goal),
            by=by,
            models=model,
            lookback=lookback,
            half_life=half_life,
            order=order,
        )
    if output and output.suffix == ".html":
        from jejak.report.html import attribution_sections, write_report

        write_report(output, attribution_sections(result), title=result.title)
        out.print(_("Wrote {file}").format(file=output))
    elif output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    from jejak.report.tables import attribution_table

    print_table(attribution_table(result.table, result.meta["models"]), result.title)
    untouched = result.meta["untouched_conversions"]
    if untouched:
        said = ngettext(
            "{count} conversion had no {by} touch and is not shared.",
            "{count} conversions had no {by} touch and are not shared.",
            untouched,
        )
        out.print(said.format(count=fmt.people(untouched), by=by))
    if "last_non_direct" in result.meta["models"]:
        from jejak.report.html import direct_note

        out.print(direct_note(result.meta), highlight=False)


def touchpoints(
    goal: Goal = None,
    by: Annotated[str, typer.Option(help="event (the touchpoint), channel, campaign...")] = (
        "event"
    ),
    effects: Annotated[
        bool, typer.Option(help="Per stage: who moved on with and without each touchpoint.")
    ] = False,
    min_people: Annotated[
        int, typer.Option(help="Effects: fewest people on each side for a verdict.")
    ] = 30,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Which touchpoints come before conversions, and which help people move on.

    Examples: jejak touchpoints order | jejak touchpoints --effects --by channel
    """
    from jejak.report.tables import touchpoint_effect_table, touchpoint_ratio_table

    with narrowed_workspace() as ws:
        if effects:
            result = ws.touchpoint_effects(by=by, min_people=min_people)
        else:
            result = ws.touchpoint_ratios(None if goal is None else as_step(goal), by=by)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
    elif effects:
        print_table(
            touchpoint_effect_table(result.table, result.meta["min_people"]),
            result.title,
            labels=2,
        )
        out.print(
            _(
                "Observational: people who had a touchpoint may differ in other ways too; "
                "test a promising one with a holdout."
            )
        )
    else:
        print_table(touchpoint_ratio_table(result.table), result.title)


def drivers(
    stage: Annotated[
        str | None,
        typer.Option(help="The stage people move on from (default: every stage but the last)."),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="A touchpoint field to test the values of; repeat for more."),
    ] = None,
    prop: Annotated[
        list[str] | None,
        typer.Option("--property", help="A property to test the values of, e.g. size."),
    ] = None,
    min_people: Annotated[int, typer.Option(help="Fewest people on each side for a verdict.")] = 30,
    funnel: Annotated[
        list[str] | None,
        typer.Option(
            help="A funnel's steps instead of a stage, separated by commas (a,b,c) or"
            " repeated; written as for jejak funnel. With --step."
        ),
    ] = None,
    step: Annotated[
        int | None, typer.Option(help="With --funnel: the step (from 1) people move on from.")
    ] = None,
    window: Window = "30d",
    order: Order = "ordered",
    exclude: Exclude = None,
    optional: OptionalSteps = None,
    within: Within = None,
    after: After = None,
    by: Annotated[
        str | None,
        typer.Option(
            help="With --funnel and --group: the funnel split by this field of step 1"
            " (e.g. channel), or by segment, as jejak funnel --by splits it."
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(help="With --by: the group whose drivers to test (a value or a segment)."),
    ] = None,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """What drives people on from a stage (or a funnel's step), and what holds them back:
    every touchpoint, channel and campaign tested at once, corrected for testing many.

    Examples: jejak drivers --stage Engagement | jejak drivers --field channel --property size |
    jejak drivers --funnel page_view,cart_add,order --step 2 --window 7d |
    jejak drivers --funnel page_view,order --step 1 --by channel --group email
    """
    from jejak.analyses.drivers import FIELDS
    from jejak.model.funnel import with_step_options
    from jejak.report.tables import driver_table

    asked = {
        "fields": tuple(field) if field else FIELDS,
        "properties": tuple(prop or ()),
        "min_people": min_people,
    }
    if funnel and stage is not None:
        raise typer.BadParameter(_("give either --stage or --funnel, not both"))
    if funnel and step is None:
        raise typer.BadParameter(_("--funnel needs --step: the step people move on from"))
    if step is not None and not funnel:
        raise typer.BadParameter(_("--step goes with --funnel: the funnel's steps"))
    if (by is not None or group is not None) and not funnel:
        raise typer.BadParameter(_("--by and --group go with --funnel: a split funnel's group"))
    if (by is None) != (group is None):
        said = _("a split funnel's drivers are of one group: give --by and --group")
        raise typer.BadParameter(said)
    with narrowed_workspace() as ws:
        if funnel:
            steps = with_step_options(
                [as_step(s) for s in funnel_steps(funnel)], optional, within, after
            )
            options = {"window": window, "order": order, "exclusions": exclude or []}
            result = ws.funnel_drivers(steps, step, **options, **asked, by=by, group=group)
        else:
            result = ws.drivers(stage=stage, **asked)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    print_table(driver_table(result.table, result.meta["min_people"]), result.title, labels=2)
    if funnel:
        out.print(step_drivers_line(result.meta))
    out.print(
        _(
            "A value drives (or holds back) when its q-value, corrected for the {count}"
            " values tested, is under {level}. Observational: test a promising one with a"
            " holdout."
        ).format(
            count=fmt.people(result.meta["tested"]),
            level=fmt.number(result.meta["q_level"], 2),
        )
    )


def step_drivers_line(meta: dict) -> str:
    """Whom the drivers of a funnel's step compare: the people at it (of one group of a
    split funnel), and who moved on."""
    line = _(
        "{people} reached {step}; {moved} of them went on to {next} within the window."
    ).format(
        people=fmt.headcount(meta["people"]),
        step=stage(meta["label"]),
        moved=fmt.people(meta["moved"]),
        next=stage(meta["next"]),
    )
    if meta.get("group") is None:
        return line
    field = str(meta["by"])
    split = _(
        "The funnel is split by {by}: these drivers are of {group} only; the people counted"
        " here are theirs."
    ).format(by=_(field), group=fmt.split_group(field, meta["group"]))
    return f"{split} {line}"


def funnel_steps(given: list[str]) -> list[str]:
    """A funnel's steps as --funnel takes them: repeated, or separated by commas within
    one (a JSON rule, which may hold commas, is one step)."""
    steps = []
    for text in given:
        if text.strip().startswith("{"):
            steps.append(text)
        else:
            steps += [part.strip() for part in text.split(",") if part.strip()]
    return steps


def experience_command(
    churn_days: Annotated[
        float, typer.Option(help="Buyers with no touchpoint this many days have churned.")
    ] = 90,
    output: TableFile = None,
    as_json: AsJson = False,
) -> None:
    """Experience: where interactions felt bad, and what a bad one does to moving on and
    to churn (rules: experience: in jejak.yaml).

    Example: jejak experience
    """
    import pandas as pd

    from jejak.report.tables import verdict

    with narrowed_workspace() as ws:
        result = ws.experience(churn_days=churn_days)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table, meta = result.table, result.meta
    if table.empty:
        out.print(
            _(
                "No experience signals yet: reviews, NPS or CSAT answers, support tickets, failed"
                " payments... (the rules are under experience: in jejak.yaml)."
            )
        )
        return
    shown = pd.DataFrame(
        {
            _("Stage"): table["stage"].map(stage),
            _("Touchpoint"): table["touchpoint"],
            _("Signals"): table["signals"].map(fmt.people),
            _("Good"): table["good"].map(fmt.people),
            _("Neutral"): table["neutral"].map(fmt.people),
            _("Bad"): table["bad"].map(fmt.people),
            _("Bad share"): table["bad_share"].map(fmt.percent),
        }
    )
    print_table(shown.head(15), result.title, labels=2)
    effects = result.effects[result.effects["experience"] == "bad"]
    if len(effects):
        shown = pd.DataFrame(
            {
                _("Stage"): effects["stage"].map(stage),
                _("People with a bad one"): effects["people_with"].map(fmt.people),
                _("Moving on, with / without"): effects["rate_ratio"].map(
                    lambda v: fmt.number(v, 2) + "x" if pd.notna(v) else "–"
                ),
                _("95% interval"): [
                    _("{low} to {high}").format(low=fmt.number(lo, 2), high=fmt.number(hi, 2))
                    if pd.notna(lo)
                    else "–"
                    for lo, hi in zip(effects["ci_low"], effects["ci_high"], strict=True)
                ],
                _("Verdict"): effects["verdict"].map(verdict),
            }
        )
        print_table(shown, _("After a bad experience (observational)"))
    churn = result.churn.set_index("group")["churn_rate"]
    said = _(
        "Churned within {days} days: {bad} of buyers with a bad experience, {none} without"
        " (difference {difference}, 95% interval {low} to {high}; observational)."
    )
    out.print(
        said.format(
            days=localised(f"{churn_days:g}"),
            bad=fmt.percent(churn.get("bad experience")),
            none=fmt.percent(churn.get("none")),
            difference=fmt.signed_points(meta["churn_difference"]),
            low=fmt.signed_points(meta["churn_difference_low"]),
            high=fmt.signed_points(meta["churn_difference_high"]),
        )
    )


def process_map(
    min_count: Annotated[int, typer.Option(help="Leave out transitions seen fewer times.")] = 1,
    top: Annotated[int, typer.Option(help="How many transitions to print.")] = 20,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write all transitions as CSV (or .json).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """The process map: which touchpoint people do next, how often, how fast.

    Example: jejak map --min-count 50 -o transitions.csv
    """
    with narrowed_workspace() as ws:
        result = ws.process_map(min_count=min_count)
    if output:
        write_result(result, output)
    if as_json:
        out.print_json(data=result.to_dict())
        return
    table = result.table.head(top)
    from jejak.report.tables import transitions_table

    title = _("{title}: the {shown} most frequent of {count} transitions").format(
        title=result.title, shown=fmt.people(len(table)), count=fmt.people(len(result.table))
    )
    print_table(transitions_table(table), title, labels=2)


def _labelled(table):
    """A table of people (ids, stage, times) with headers in words."""
    if "stage" in table:
        table = table.assign(stage=table["stage"].map(stage))
    return fmt.format_table(table, fmt.guess_columns(table))
