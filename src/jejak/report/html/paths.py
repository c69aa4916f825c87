"""The report sections of paths (:mod:`jejak.analyses.paths`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext
from jejak.report.html.page import Section


def path_sections(flows: Any, top_paths: Any) -> list[Section]:
    """The report section for paths before a goal and the top complete paths to it."""
    from jejak.report.tables import top_paths_table

    intro = gettext(
        "What people did on their last {steps} touchpoints up to {goal}, step by step (a"
        " touchpoint repeated right after itself counts once; rare ones read 'other'). The"
        " table lists the most common complete paths and how often people on them reached"
        " the goal."
    ).format(steps=flows.meta["steps"], goal=flows.meta["anchor"])
    return [
        Section(
            heading=gettext("Paths to {goal}").format(goal=flows.meta["anchor"]),
            intro=intro,
            figures=[flows.figure()],
            table=top_paths_table(top_paths.table),
        )
    ]
