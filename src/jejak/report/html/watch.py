"""The section of the watch rules checked now (:mod:`jejak.alerts`): what fired first,
each with its sentence and a link to the dashboard view that shows it."""

from __future__ import annotations

import html
from typing import Any

from jejak.language import gettext, ngettext
from jejak.report.html.page import Section


def watch_sections(findings: Any) -> list[Section]:
    """One section: every rule's finding, those that fired first; none without rules."""
    found = sorted(findings.findings, key=lambda f: (not f.fired, f.rule, f.subject))
    if not found:
        return []
    fired = sum(f.fired for f in found)
    intro = ngettext(
        "{fired} of {count} watch rule fired on the data as it is.",
        "{fired} of {count} watch rules fired on the data as it is.",
        len(found),
    ).format(fired=fired, count=len(found))
    intro += " " + gettext(
        "Each firing is sent once: by jejak watch --notify, or by jejak serve when watch:"
        " every: is set."
    )
    items, see = [], html.escape(gettext("see it"))
    for finding in found:
        mark = gettext("fired") if finding.fired else gettext("quiet")
        items.append(
            f'<li class="{"fired" if finding.fired else "quiet"}">'
            f"<b>{html.escape(mark)}</b> · <b>{html.escape(finding.rule)}</b>: "
            f"{html.escape(finding.message)} "
            f'<a href="{html.escape(finding.path)}">{see}</a></li>'
        )
    return [
        Section(
            heading=gettext("Watch rules"),
            intro=intro,
            html=f'<ul class="watch">{"".join(items)}</ul>',
        )
    ]
