"""The report sections of paths (:mod:`jejak.analyses.paths`)."""

from __future__ import annotations

from typing import Any

from jejak.language import N_, gettext, stage
from jejak.report import formatting as fmt
from jejak.report.html.page import Section
from jejak.report.tables import OTHER, path_touchpoint

NODE_COLUMNS = (
    fmt.Column("step", N_("Step"), fmt.people),
    fmt.Column("touchpoint", N_("Touchpoint"), path_touchpoint),
    fmt.Column("people", N_("People"), fmt.people),
)


def path_sections(flows: Any, top_paths: Any) -> list[Section]:
    """The report section for paths before a goal and the top complete paths to it."""
    from jejak.report.tables import top_paths_table

    intro = gettext(
        "What people did on their last {steps} touchpoints up to {goal}, step by step (a"
        " touchpoint repeated right after itself counts once; rare ones read '{other}')."
        " The table lists the most common complete paths and how often people on them"
        " reached the goal."
    ).format(
        steps=flows.meta["steps"], goal=stage(flows.meta["anchor"]), other=path_touchpoint(OTHER)
    )
    return [
        Section(
            heading=gettext("Paths to {goal}").format(goal=stage(flows.meta["anchor"])),
            intro=intro,
            figures=[flows.figure()],
            table=top_paths_table(top_paths.table),
        )
    ]


def path_node_sections(flows: Any) -> list[Section]:
    """The Sankey's nodes as a table; on the dashboard each row saves its people as a
    segment (by :meth:`~jejak.analyses.paths.PathFlows.node_segments`)."""
    nodes = flows.nodes()
    if nodes.empty:
        return []
    meta = flows.meta
    intro = (
        gettext(
            "The chart's touchpoints step by step: step 1 is {step}; the people are those on"
            " a path through it."
        )
        if meta["direction"] == "after"
        else gettext(
            "The chart's touchpoints step by step: step {last} is {step}; the people are"
            " those on a path through it."
        )
    ).format(step=stage(meta["anchor"]), last=meta["steps"])
    return [
        Section(
            heading=gettext("Each step of these paths"),
            intro=intro,
            table=nodes,
            columns=NODE_COLUMNS,
            saves=flows.node_segments(),
        )
    ]
