"""The report sections of the data check (:mod:`jejak.analyses.checkup`)."""

from __future__ import annotations

from typing import Any

from jejak.report import formatting as fmt
from jejak.report.html.page import Section

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
