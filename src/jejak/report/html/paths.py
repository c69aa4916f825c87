"""The report sections of paths (:mod:`jejak.analyses.paths`)."""

from __future__ import annotations

from typing import Any

from jejak.report.html.page import Section


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
