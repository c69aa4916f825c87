"""Report sections of the stage funnel (:mod:`jejak.analyses.stages`): key numbers,
the funnel and its flows."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext, localised, stage
from jejak.report import formatting as fmt
from jejak.report.figures import stage_flow_figure, stage_funnel_figure
from jejak.report.html.page import Section
from jejak.report.stuck import recently_stuck_note


def stage_sections(funnel: Any) -> list[Section]:
    """The report sections for a stage funnel result (anything with ``table``, ``flows``,
    ``meta`` and ``title`` shaped like ``StageFunnel``)."""
    meta = funnel.meta
    journey = str(meta.get("journey", ""))
    stages = list(meta.get("stages") or funnel.table.sort_values("stage_index")["stage"])
    total = fmt.people(meta.get("people"))
    as_of = fmt.timestamp(meta.get("as_of")) if meta.get("as_of") is not None else None
    scope = (
        gettext("Of the {total} people in the {journey} journey as of {moment}").format(
            total=total, journey=journey, moment=as_of
        )
        if as_of
        else gettext("Of the {total} people in the {journey} journey").format(
            total=total, journey=journey
        )
    )
    funnel_intro = gettext(
        "{scope}, how many ever reached each stage. A person counts at every stage they"
        " entered, so someone who skipped a stage still counts at the later one (see Skipped"
        " into). Conversion to next is the share of a stage's people who also reached the"
        " next stage; the days are measured between entering the two stages."
    ).format(scope=scope)
    flow_intro = gettext(
        "Each band is people moving from a stage to the next stage they reached; a band that"
        " jumps a column is people who skipped stages. Grey bands end at the stage where"
        " people's journeys stop today, the drop-offs worth a campaign."
    )
    return [
        Section(
            heading=funnel.title,
            intro=funnel_intro,
            figures=[stage_funnel_figure(funnel.table, gettext("People who reached each stage"))],
            table=funnel.table.sort_values("stage_index", kind="stable"),
            columns=fmt.STAGE_COLUMNS,
        ),
        Section(
            heading=gettext("Where people went after each stage"),
            intro=flow_intro,
            figures=[
                stage_flow_figure(
                    funnel.flows, stages, gettext("From each stage to the next, or stopped")
                )
            ],
        ),
    ]


def key_number_sections(funnel: Any) -> list[Section]:
    """How many people are on the journey and the share that reached its milestones."""
    table = funnel.table.set_index("stage")
    people = int(funnel.meta["people"])
    rates = [
        gettext("{share} reached {stage}").format(
            share=fmt.percent(int(table.loc[name, "reached"]) / people), stage=stage(name)
        )
        for name in ("Subscribe", "Convert", "Ascend", "Promote")
        if name in table.index and people
    ]
    everyone = gettext("{people} on the journey").format(people=fmt.headcount(people))
    intro = everyone + (": " + ", ".join(rates) if rates else "")
    return [Section(heading=gettext("Key numbers"), intro=intro + ".")]


def stuck_sections(source: Any, funnel: Any) -> list[Section]:
    """Per stage, the people in it for longer than its people who moved on usually took
    (see ``usual_days``): an audience to nudge, and of them the recently stuck, who
    stalled within the last month; on the dashboard each count saves as a segment."""
    from jejak.analyses.stages import usual_days

    days = usual_days(funnel.table)
    if not days:
        return []
    found = source.stuck_by_stage(days)
    table = found.table
    within = float(found.meta["within"])
    cells = []
    for row in table.itertuples(index=False):
        stuck = {"stage": str(row.stage), "days": float(row.days)}
        cell = {"stuck": {"stuck": stuck}} if row.stuck else {}
        if row.recently_stuck:
            cell["recently_stuck"] = {"stuck": stuck | {"within": within}}
        cells.append(cell)
    return [
        Section(
            heading=gettext("Stuck in a stage"),
            intro=gettext(
                "Per stage, the people in it now (their furthest stage) who entered it longer"
                " ago than 90% of the people who moved on from it took, counted to {moment}:"
                " an audience to nudge on. Most of them stalled long ago where the data"
                " spans months; the stuck in the last {days} days passed the usual time"
                " recently, while a nudge may still move them. The journey map's stuck"
                " audiences are counted the same way."
            ).format(moment=fmt.timestamp(found.meta["as_of"]), days=localised(f"{within:g}")),
            table=table,
            columns=fmt.stuck_columns(within),
            cell_saves=cells,
            notes=[note] if (note := recently_stuck_note(found)) else [],
        )
    ]
