"""Charts of a stage funnel (:mod:`jejak.analyses.stages`): the funnel, the funnel
per group, and the stage-to-stage flows."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.segments import NONE_SEGMENT
from jejak.analyses.stages import (
    STOPPED,  # a flow to it: the journey ends there
    StageFunnel,
)
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import (
    DARK_INK,
    PALETTE,
    STOPPED_COLOR,
    field_name,
    ink,
    layout,
    plain_label,
    rgba,
    stage_color,
)
from jejak.report.figures.flow_layout import FLOW_PAD, flow_labels, flow_places, flow_room
from jejak.report.figures.registry import draws


def stage_funnel_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """How many people reached each stage, top to bottom in journey order.

    Bars are labelled with the count and its share of everyone; the hover adds the
    conversion to the next stage and the median days it took, the questions a marketer
    asks of a drop between two bars.
    """
    rows = table.sort_values("stage_index", kind="stable")
    stages = [language.stage(str(stage)) for stage in rows["stage"]]
    colors = [stage_color(int(index) - 1) for index in rows["stage_index"]]
    text = [
        f"{fmt.people(reached)}  ·  {fmt.percent(share)}"
        for reached, share in zip(rows["reached"], rows["reached_share"], strict=True)
    ]
    hover = [
        "<br>".join(
            [
                f"<b>{plain_label(stage)}</b>",
                gettext("Reached: {people} ({share} of all)").format(
                    people=fmt.people(row.reached), share=fmt.percent(row.reached_share)
                ),
                gettext("Conversion to next: {share}").format(
                    share=fmt.percent(row.conversion_to_next)
                ),
                gettext("Median time to next: {days}").format(
                    days=fmt.days(row.median_days_to_next)
                ),
                gettext("In this stage now: {people}").format(people=fmt.people(row.current)),
            ]
        )
        for stage, row in zip(stages, rows.itertuples(index=False), strict=True)
    ]
    figure = go.Figure(
        go.Funnel(
            y=stages,
            x=[int(value) for value in rows["reached"]],
            text=text,
            textinfo="text",
            textposition="auto",
            insidetextfont=dict(color=[ink(color) for color in colors]),
            outsidetextfont=dict(color=DARK_INK),
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            marker=dict(color=colors),
            connector=dict(fillcolor="#EEF1F4", line=dict(width=0)),
            cliponaxis=False,
        )
    )
    # Category ticks go through Plotly's markup parser too; show the names as typed.
    figure.update_yaxes(
        tickmode="array", tickvals=stages, ticktext=[plain_label(s) for s in stages]
    )
    return layout(figure, title, height=max(300, 90 + 52 * len(stages)))


def stage_funnel_by_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Funnels of several groups (e.g. acquisition channels) as grouped bars per stage.

    The share of each group's own people is what compares across groups of
    different sizes, so bars show it; counts are in the hover.
    """
    figure = go.Figure()
    for position, (value, rows) in enumerate(table.groupby(by, sort=False)):
        group = gettext(NO_SEGMENT) if value == NONE_SEGMENT else str(value)
        rows = rows.sort_values("stage_index", kind="stable")
        stages = [plain_label(language.stage(str(stage))) for stage in rows["stage"]]
        figure.add_trace(
            go.Bar(
                name=plain_label(str(group)),
                y=stages,
                x=list(rows["reached_share"]),
                orientation="h",
                marker=dict(color=PALETTE[position % len(PALETTE)]),
                text=[fmt.percent(v) for v in rows["reached_share"]],
                textposition="outside",
                customdata=[fmt.people(v) for v in rows["reached"]],
                hovertemplate=gettext("{group}: {people} people ({share})").format(
                    group=plain_label(str(group)), people="%{customdata}", share="%{text}"
                )
                + "<extra>%{y}</extra>",
            )
        )
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(
        tickformat=".0%",
        title=gettext("share of the {field}'s people who reached it").format(field=field_name(by)),
    )
    stage_count = table["stage"].nunique()
    groups = table[by].nunique()
    figure = layout(figure, title, height=max(320, 120 + stage_count * (16 * groups + 24)))
    figure.update_xaxes(range=[0, 1.15])  # room for the 100.0% labels
    return figure.update_layout(barmode="group", showlegend=True, legend_title_text=field_name(by))


def stage_flow_figure(flows: pd.DataFrame, stages: Sequence[str], title: str) -> go.Figure:
    """Where people went after each stage: the next stage they reached, or nowhere.

    One node per stage in journey order, and one grey "Stopped at <stage>" node per stage
    where journeys end, so each drop-off shows where it happens. Skips (Engagement straight
    to Convert) are links of their own. Stopping at the last stage drawn is not a drop-off
    (there is nowhere further to go), so it gets no node: the stage's own count says it.
    Stages the flows name but ``stages`` lacks are drawn after the listed ones.
    Links are listed by from-stage in journey order, then to-stage, stops last.
    """
    order = [str(stage) for stage in stages]
    named = pd.concat([flows["from_stage"], flows["to_stage"]]).astype(str)
    order += [s for s in pd.unique(named) if s not in order and s != STOPPED]  # draw, not drop
    position = {stage: i for i, stage in enumerate(order)}
    last_stage = order[-1] if order else None

    links = (
        flows.assign(
            from_stage=flows["from_stage"].astype(str), to_stage=flows["to_stage"].astype(str)
        )
        .groupby(["from_stage", "to_stage"], sort=False)["people"]
        .sum()
        .reset_index()
    )
    is_stop = links["to_stage"] == STOPPED
    links = links[(links["people"] > 0) & ~(is_stop & (links["from_stage"] == last_stage))]
    links = links.assign(
        _from=links["from_stage"].map(position),
        _to=[len(order) if s == STOPPED else position[s] for s in links["to_stage"]],
    ).sort_values(["_from", "_to"], kind="stable")
    is_stop = links["to_stage"] == STOPPED

    # Everyone who reached a stage leaves it by exactly one row (a next stage or a stop),
    # so its outflow is its head count; inflow covers the last stage, which has no rows out.
    outflow = links.groupby("from_stage")["people"].sum()
    inflow = links[~is_stop].groupby("to_stage")["people"].sum()
    stopped = links[is_stop].set_index("from_stage")["people"]

    reached = [int(max(outflow.get(s, 0), inflow.get(s, 0))) for s in order]
    shown = {s: plain_label(language.stage(s)) for s in order}  # the names people read
    labels = [f"{shown[s]} · {fmt.people(n)}" for s, n in zip(order, reached, strict=True)]
    colors = [stage_color(i) for i in range(len(order))]
    sink: dict[str, int] = {}
    for stage in (s for s in order if s in stopped.index):
        sink[stage] = len(labels)
        labels.append(f"{stopped_at(shown[stage])} · {fmt.people(stopped[stage])}")
        colors.append(STOPPED_COLOR)

    sources = [position[s] for s in links["from_stage"]]
    targets = [
        sink[source] if target == STOPPED else position[target]
        for source, target in zip(links["from_stage"], links["to_stage"], strict=True)
    ]
    values = [int(v) for v in links["people"]]
    link_colors = [
        rgba(STOPPED_COLOR, 0.45) if target == STOPPED else rgba(colors[source_at], 0.4)
        for source_at, target in zip(sources, links["to_stage"], strict=True)
    ]
    link_hover = [
        (
            gettext("{stage} → stopped there: {people} people")
            if target == STOPPED
            else gettext("{stage} → {next}: {people} people")
        ).format(stage=shown[source], next=shown.get(target, ""), people=fmt.people(value))
        for source, target, value in zip(
            links["from_stage"], links["to_stage"], values, strict=True
        )
    ]
    drop_offs = [int(stopped[stage]) for stage in sink]
    stop_columns = [position[stage] + 1 for stage in sink]
    above, below = flow_labels(
        [shown[s] for s in order],
        reached,
        [stopped_at(shown[stage]) for stage in sink],
        stop_columns,
        drop_offs,
    )
    top = 48 + 16 * max((a["text"].count("<br>") + 1 for a in above), default=0)
    bottom = 12 + 16 * max((a["text"].count("<br>") + 1 for a in below), default=0)
    drawn = max(300, 64 * len(order) - 40)  # the height the nodes and bands take
    x, y = flow_places(reached, stop_columns, drop_offs, drawn)

    figure = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node=dict(
                # drawn as annotations instead (see flow_labels): plotly's own labels
                # print over each other and over the next column's nodes
                label=[""] * len(labels),
                customdata=labels,
                x=x,
                y=y,
                color=colors,
                align="left",  # each drop-off in the column after its stage (as placed)
                pad=FLOW_PAD,
                thickness=16,
                line=dict(width=0),
                hovertemplate="%{customdata}<extra></extra>",
            ),
            link=dict(
                source=sources,
                target=targets,
                value=values,
                color=link_colors,
                customdata=link_hover,
                hovertemplate="%{customdata}<extra></extra>",
            ),
        )
    )
    figure = layout(figure, title, height=drawn + top + bottom)
    side = int(flow_room(len(order)) / 2) + 4  # the end columns' labels, centred too
    return figure.update_layout(
        annotations=above + below,
        title=dict(y=1, yref="container", yanchor="top", pad=dict(t=12)),
        margin=dict(l=side, r=side, t=top, b=bottom),
    )


NO_SEGMENT = N_("(in no segment)")  # the analysis's group of everyone else, in words


def stopped_at(stage: str) -> str:
    """The drop-off node after ``stage`` (a name as shown)."""
    return gettext("Stopped at {stage}").format(stage=stage)


@draws(StageFunnel)
def _stage_funnel(result: StageFunnel) -> go.Figure:
    """The funnel; one funnel per group, side by side in one chart, when split ``by``."""
    by = result.meta.get("by")
    if by:
        return stage_funnel_by_figure(result.table, by, result.title)
    return stage_funnel_figure(result.table, result.title)


@draws(StageFunnel, "flow")
def _stage_flows(result: StageFunnel) -> go.Figure:
    """Stage-to-stage flows (a Sankey) of everyone; split funnels sum their groups."""
    flows = result.flows
    if result.meta.get("by"):
        flows = flows.groupby(["from_stage", "to_stage"], as_index=False, sort=False)[
            "people"
        ].sum()
    return stage_flow_figure(
        flows, result.meta["stages"], gettext("{title}: flows").format(title=result.title)
    )
