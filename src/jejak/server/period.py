"""The dashboard's date filters in words: a browser writes a date input the way its own
locale does (mm/dd/yyyy in an English-US one, whatever the page's language), so the page
says the chosen period in its language under the filters (``1 Mar 2026``, or the ISO
``2026-03-01`` in English: one reading everywhere)."""

from __future__ import annotations

from datetime import datetime

from jejak.language import gettext
from jejak.report import formatting as fmt


def period_words(since: str | None, until: str | None) -> str:
    """``since``/``until`` (the filters' values, YYYY-MM-DD; ``until`` not included, as
    the analyses read it) in words, or "" when neither is set; a value that is not a
    date says how to write one."""
    days = {}
    for name, value in (("since", since), ("until", until)):
        if not value:
            continue
        try:
            days[name] = fmt.day(datetime.fromisoformat(value))
        except ValueError:
            return gettext("{value} is not a date: write it as YYYY-MM-DD").format(value=value)
    if len(days) == 2:
        return gettext("Showing touchpoints from {since} to before {until}").format(**days)
    if "since" in days:
        return gettext("Showing touchpoints from {since} on").format(**days)
    if "until" in days:
        return gettext("Showing touchpoints before {until}").format(**days)
    return ""
