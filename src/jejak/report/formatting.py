"""Numbers as people read them, shared by the CLI table, the HTML report and the figures.

One place decides how a count, a share, a duration or an amount looks, so the same number
never reads differently in two faces. Missing values (None, NaN, NaT, pd.NA) become an en
dash rather than "nan", which means nothing to a marketer. Numbers, money and dates follow
the language of the context (:mod:`jejak.language`): ``1,234.5`` in English,
``1.234,5`` and ``Rp 1.234.567`` in Bahasa Indonesia.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from numbers import Real
from typing import TYPE_CHECKING, Any

from jejak.language import (
    N_,
    amount,
    current,
    gettext,
    localised,
    ngettext,
    stage,
)

# pandas is imported in the functions that meet its values: the CLI imports this module
# at start, and --help need not load pandas
if TYPE_CHECKING:
    import pandas as pd

MISSING = "–"
# between a number and its unit ("+4.2 pts", "3,2 hari"): a narrow cell or line never
# breaks them apart
NO_BREAK = "\u00a0"


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pd.NA: the values a person should see as a dash."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, Real):
        return math.isnan(float(value))
    return False


def number(value: Any, digits: int = 0) -> str:
    """A number with thousands separators and a fixed number of decimals."""
    if is_missing(value):
        return MISSING
    return localised(f"{float(value):,.{digits}f}")


def people(value: Any) -> str:
    """A count of people: ``12345 -> "12,345"``."""
    if is_missing(value):
        return MISSING
    return localised(f"{round(float(value)):,d}")


def headcount(value: int) -> str:
    """``1 person``, ``2,000 people``."""
    return ngettext("{count} person", "{count} people", value).format(count=people(value))


def percent(value: Any, digits: int = 1) -> str:
    """A share between 0 and 1 as a percentage: ``0.1234 -> "12.3%"``."""
    if is_missing(value):
        return MISSING
    return localised(f"{float(value) * 100:,.{digits}f}%")


def signed_points(value: Any, digits: int = 1) -> str:
    """A difference of two shares in percentage points: ``+4.2 pts``, ``-0.5 pts``; one
    that rounds to nothing reads ``+0.0 pts`` (never ``-0.0``)."""
    if is_missing(value):
        return MISSING
    points = localised(f"{round(100 * float(value), digits) + 0.0:+,.{digits}f}")
    return _unbroken(gettext("{points} pts").format(points=points))


def feeling_score(value: Any) -> str:
    """A feeling score (-1..1: good less bad, as a share of people) per 100 people, as
    NPS reads: ``0.45 -> "+45"``, ``-0.2 -> "-20"``, ``0 -> "0"``."""
    if is_missing(value):
        return MISSING
    points = round(float(value) * 100)
    return localised(f"{points:+d}" if points else "0")


def days(value: Any, digits: int = 1) -> str:
    """A duration in days: ``3.25 -> "3.2 days"`` (Python rounds halves to even)."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    one = float(text.replace(",", "")) == 1
    said = ngettext("{days} day", "{days} days", 1 if one else 2).format(days=localised(text))
    return _unbroken(said)


def duration(seconds: Any) -> str:
    """A duration from seconds, in the unit that reads best: ``45 s``, ``3.5 min``, ``2.0 h``,
    ``1.5 days``."""
    if is_missing(seconds):
        return MISSING
    value = float(seconds)
    if abs(value) < 60:
        return _unbroken(gettext("{seconds} s").format(seconds=f"{value:.0f}"))
    if abs(value) < 3_600:
        return _unbroken(gettext("{minutes} min").format(minutes=localised(f"{value / 60:.1f}")))
    if abs(value) < 86_400:
        return _unbroken(gettext("{hours} h").format(hours=localised(f"{value / 3_600:.1f}")))
    return days(value / 86_400)


def _unbroken(said: str) -> str:
    """A number and its unit, with no-break spaces (the unit may be two words)."""
    return said.replace(" ", NO_BREAK)


def money(value: Any, currency: str, digits: int | None = None) -> str:
    """An amount with its currency (:func:`jejak.language.amount`: ``IDR 1,234,500`` in
    English, ``Rp 1.234.500`` in Bahasa Indonesia), a dash where it is missing."""
    if is_missing(value):
        return MISSING
    return amount(value, currency, digits)


def timestamp(value: datetime | date | pd.Timestamp | None) -> str:
    """A moment to the minute, with its UTC offset when known: ``"2026-02-01 10:00 +07:00"``."""
    import pandas as pd

    if value is None or value is pd.NaT:
        return MISSING
    language = current()
    if not isinstance(value, datetime):
        return value.isoformat() if language == "en" else _local_date(value, language)
    if language == "en":
        text = value.strftime("%Y-%m-%d %H:%M")
    else:
        text = f"{_local_date(value, language)} {value.strftime('%H:%M')}"
    offset = value.strftime("%z")
    if offset:
        text += f" {offset[:3]}:{offset[3:]}"
    return text


def day(value: date | datetime | pd.Timestamp) -> str:
    """A calendar day: ``2026-11-30`` in English, ``30 Nov 2026`` in Bahasa Indonesia."""
    language = current()
    if language == "en":
        return value.strftime("%Y-%m-%d")
    return _local_date(value, language)


def month(value: date | datetime | pd.Timestamp) -> str:
    """A calendar month: ``May 2026`` in English, ``Mei 2026`` in Bahasa Indonesia."""
    from babel.dates import format_date

    return format_date(value, "MMM y", locale=current())


def names(items: list[str]) -> str:
    """Names as a sentence lists them: ``A, B, and C`` (``A, B, dan C``)."""
    from babel.lists import format_list

    return format_list(items, locale=current())


def weekday(index: int) -> str:
    """A day of the week by its index, Monday 0: ``Mon`` in English, ``Sen`` in Bahasa
    Indonesia."""
    from babel.dates import get_day_names

    return get_day_names("abbreviated", locale=current())[index]


def when(value: datetime) -> str:
    """A moment as a sentence says it: ``30 Nov 2026, 10:05`` (``30 Mei 2026, 10.05``)."""
    language = current()
    if language == "en":
        return value.strftime("%d %b %Y, %H:%M")
    from babel.dates import format_datetime

    return format_datetime(value, "d MMM y, HH:mm", locale=language)


def _local_date(value: date, language: str) -> str:
    from babel.dates import format_date

    return format_date(value, "d MMM y", locale=language)


@dataclass(frozen=True)
class Column:
    """One column of a table for people: where it comes from, its header, how values read."""

    source: str
    label: str  # in English, marked for the catalogue: shown through gettext
    format: Callable[[Any], str] = str


# The stage funnel as people read it; the CLI table and the HTML report both use this.
STAGE_COLUMNS: tuple[Column, ...] = (
    Column("stage", N_("Stage"), stage),
    Column("reached", N_("Reached"), people),
    Column("reached_share", N_("Share"), percent),
    Column("conversion_to_next", N_("Conversion to next"), percent),
    Column("median_days_to_next", N_("Median days to next"), days),
    Column("p90_days_to_next", N_("90th pct days"), days),
    Column("current", N_("In stage now"), people),
    Column("skipped_into", N_("Skipped into"), people),
)


def stuck_columns(within: float) -> tuple[Column, ...]:
    """The stuck in each stage as people read them (the CLI and the report); ``within``:
    the days the recently stuck passed the usual time in."""
    recent = ngettext(
        "Stuck in the last {days} day", "Stuck in the last {days} days", 1 if within == 1 else 2
    ).format(days=localised(f"{within:g}"))
    return (
        Column("stage", N_("Stage"), stage),
        Column("current", N_("In stage now"), people),
        Column("days", N_("Usual days to move on"), lambda v: days(v, 1)),
        Column("stuck", N_("Stuck"), people),
        Column("recently_stuck", recent, people),
    )


# The headers of common column ids, so that they read in the reader's language; in
# English each is what label() makes of the id. Other ids read as label() makes them.
LABELS: dict[str, str] = {
    "load_id": N_("Load id"),
    "file": N_("File"),
    "loaded_at": N_("Loaded at"),
    "rows_read": N_("Rows read"),
    "rows_stored": N_("Rows stored"),
    "rows_rejected": N_("Rows rejected"),
    "rows_repeated": N_("Rows repeated"),
    "rows_conflicting": N_("Rows conflicting"),
    "person_id": N_("Person id"),
    "customer_id": N_("Customer id"),
    "anonymous_id": N_("Anonymous id"),
    "stage": N_("Stage"),
    "entered_at": N_("Entered at"),
    "days_in_stage": N_("Days in stage"),
    "last_seen": N_("Last seen"),
    "reached_at": N_("Reached at"),
    "step": N_("Step"),
    "source": N_("Source"),
    "target": N_("Target"),
    "people": N_("People"),
    "channel": N_("Channel"),
    "campaign": N_("Campaign"),
    "medium": N_("Medium"),
    "segment": N_("Segment"),
    "event": N_("Event"),
    "id": N_("Id"),
    "kind": N_("Kind"),
    "label": N_("Label"),
    "created_at": N_("Created at"),
}


def label(name: str) -> str:
    """A column name as a header: ``rows_read -> "Rows read"`` (``Baris dibaca``)."""
    if str(name) in LABELS:
        return gettext(LABELS[str(name)])
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def split_group(by: str, group: str) -> str:
    """One group of an analysis split ``by`` a field or by segment, in words:
    ``segment dari iklan`` or ``channel = email``."""
    said = gettext("segment {name}") if by == "segment" else "{by} = {name}"
    return said.format(by=gettext(by), name=group)


def guess_columns(frame: pd.DataFrame) -> list[Column]:
    """Columns for a table nobody described: counts with thousands separators, other
    numbers with two decimals, times to the minute, headers in words."""
    import pandas as pd

    columns = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values) or _is_label(str(name)):
            shown: Callable[[Any], str] = str  # ids, rows, years, hours: no separators
        elif pd.api.types.is_integer_dtype(values):
            shown = people
        elif pd.api.types.is_float_dtype(values):
            shown = _decimal
        elif pd.api.types.is_datetime64_any_dtype(values):
            shown = timestamp
        else:
            shown = str
        columns.append(Column(str(name), label(str(name)), shown))
    return columns


_LABEL_WORDS = ("id", "row", "year", "month", "week", "day", "hour", "step", "index", "rank")


def _is_label(name: str) -> bool:
    """Whether an integer column names things (an id, a row, an hour) rather than counts."""
    return name.lower().split("_")[-1] in _LABEL_WORDS


def _decimal(value: Any) -> str:
    """A measured number: whole when it is whole, else two decimals."""
    number_ = float(value)
    return localised(f"{number_:,.0f}" if number_.is_integer() else f"{number_:,.2f}")


def format_table(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """``frame`` as text for people: the chosen columns, renamed and formatted, in order."""
    import pandas as pd

    cells = [
        [MISSING if is_missing(value) else column.format(value) for value in frame[column.source]]
        for column in columns
    ]
    shown = pd.DataFrame(dict(enumerate(cells)), index=frame.index)
    shown.columns = [gettext(column.label) for column in columns]  # kept even if two read alike
    return shown
