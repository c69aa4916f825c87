"""The report sections of the data check (:mod:`jejak.analyses.checkup`)."""

from __future__ import annotations

from typing import Any

from jejak.language import N_, gettext, stage
from jejak.report import formatting as fmt
from jejak.report.html.page import Section

CHECK_COLUMNS = (
    fmt.Column("kind", N_("Of"), gettext),
    fmt.Column("name", N_("Stage or role"), stage),  # a role's name is none of the stages
    fmt.Column("rule", N_("Matches")),
    fmt.Column("touchpoints", N_("Touchpoints"), fmt.people),
    fmt.Column("people", N_("People"), fmt.people),
)


UNPLACED_COLUMNS = (
    fmt.Column("event", N_("Touchpoint")),
    fmt.Column("touchpoints", N_("Touchpoints"), fmt.people),
    fmt.Column("people", N_("People"), fmt.people),
)


def check_sections(result: Any) -> list[Section]:
    """What jejak makes of the data (``jejak check``): what needs fixing, the matches
    per stage rule and role, and the touchpoints no rule names."""
    findings = result.findings
    notes = [f"{gettext(f.level)}: {f.message}" for f in findings.itertuples() if f.level != "info"]
    sections = [
        Section(
            heading=result.title,
            intro=gettext(
                "{touchpoints} touchpoints of {people}. Each stage rule and event role with the"
                " touchpoints and people it matched: a zero means the shop names that"
                " touchpoint otherwise (set it under roles: in jejak.yaml)."
            ).format(
                touchpoints=fmt.people(result.meta["touchpoints"]),
                people=fmt.headcount(result.meta["people"]),
            ),
            notes=notes,
            notes_title=gettext("What needs a look"),
            table=result.table,
            columns=CHECK_COLUMNS,
        )
    ]
    if len(result.unplaced):
        open_stages = [stage(name) for name in result.meta.get("open_stages", [])]
        intro = (
            gettext(
                "These count in {stages} and in touchpoint analyses (paths, maps,"
                " attribution), but no role gives them a meaning."
            ).format(stages=fmt.names(open_stages))
            if open_stages
            else gettext(
                "These count in no stage, only in touchpoint analyses (paths, maps,"
                " attribution): no role or stage rule gives them a meaning."
            )
        )
        sections.append(
            Section(
                heading=gettext("Touchpoints no role or stage rule names"),
                intro=intro,
                table=result.unplaced,
                columns=UNPLACED_COLUMNS,
            )
        )
    return sections
