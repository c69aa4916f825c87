"""Why a row is refused, in two voices: English as stored (the rejected-rows side file,
``rejected_rows``, the collector's JSON answers) and the reader's language in the message
a person reads.

A reason's message names its field and value itself (``'ts' '2026-13-45' is not a time;
...``), so that a translator has the whole clause: in the stored English the field and
value are left out (the side file has columns for them).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, reduce

from jejak.language import N_, gettext

SUBJECT = "'{field}'{value} "  # what every reason's message starts with, in English
AND = " and "  # between the names of several fields, in a stored reason

EVENT_EMPTY = N_("'{field}'{value} is empty; every touchpoint needs a name such as page_view")
PEOPLE_EMPTY = N_("'{field}'{value} and {others} are all empty; every touchpoint needs one of them")
PERSON_EMPTY = N_(
    "'{field}'{value} and anonymous_id are both empty; every touchpoint needs one of them"
)
TIME_EMPTY = N_("'{field}'{value} is empty; every touchpoint needs a time")
NOT_A_TIME = N_(
    "'{field}'{value} is not a time; use ISO 8601 like 2026-02-01T10:00:00+07:00, or set"
    " ts_format in jejak.yaml"
)
OUT_OF_RANGE = N_(
    "'{field}'{value} is outside {year} to tomorrow; check the year, the time zone or ts_format"
)
NOT_A_DOT_NUMBER = N_(
    "'{field}'{value} is not a number; write digits with a dot for decimals, like 1234.5 or"
    " 1,234.5 (or set decimal and thousands in jejak.yaml)"
)
NOT_A_COMMA_NUMBER = N_(
    "'{field}'{value} is not a number; write digits with a comma for decimals, like 1234,5"
    " or 1.234,5 (or set decimal and thousands in jejak.yaml)"
)
NEGATIVE = N_(
    "'{field}'{value} is negative; only refund touchpoints may be (see roles: refund in jejak.yaml)"
)
TOO_LARGE = N_("'{field}'{value} is implausibly large; check the unit")
OTHER_CURRENCY = N_(
    "'{field}'{value} is not the currency written with the revenue amount; make them agree"
)
NOT_A_CURRENCY = N_("'{field}'{value} is not a 3-letter ISO 4217 code like IDR or USD")
NOT_AN_OBJECT = N_('\'{field}\'{value} is not a JSON object like {{"plan": "pro"}}')
NOT_AN_EMAIL = N_("'{field}'{value} is not an email address; write it like budi@example.com")
NOT_A_PHONE = N_(
    "'{field}'{value} is not a phone number; write it with its country code like +62 812"
    " 3456 7890, or in the {region} way like 0812-3456-7890 (set phone_region in jejak.yaml"
    " for another country)"
)

MESSAGES = (
    EVENT_EMPTY,
    PEOPLE_EMPTY,
    PERSON_EMPTY,
    TIME_EMPTY,
    NOT_A_TIME,
    OUT_OF_RANGE,
    NOT_A_DOT_NUMBER,
    NOT_A_COMMA_NUMBER,
    NEGATIVE,
    TOO_LARGE,
    OTHER_CURRENCY,
    NOT_A_CURRENCY,
    NOT_AN_OBJECT,
    NOT_AN_EMAIL,
    NOT_A_PHONE,
)


@dataclass(frozen=True)
class Reason:
    """One reason a row is refused: its message (an English msgid with ``{field}`` and
    ``{value}``) and the values of its other placeholders. Words among them (``others``,
    several field names) are joined in the reader's language."""

    message: str
    values: dict[str, str | tuple[str, ...]] = field(default_factory=dict)

    def __str__(self) -> str:
        """The reason as stored, in English, without its field and value."""
        return self.message.removeprefix(SUBJECT).format(**self._values(english=True))

    def shown(self) -> str:
        """The reason without its field and value (a table's column has them), in the
        reader's language."""
        translated = gettext(self.message)
        if not translated.startswith(SUBJECT):  # a translation that names them elsewhere
            translated = self.message
        return translated.removeprefix(SUBJECT).format(**self._values())

    def said(self, field: str, value: object) -> str:
        """The reason about ``field`` holding ``value`` (None: empty), in the reader's
        language."""
        shown = "" if value is None else f" {value!r}"
        return gettext(self.message).format(field=field, value=shown, **self._values())

    def _values(self, english: bool = False) -> dict[str, str]:
        return {
            name: value if isinstance(value, str) else joined(value, english)
            for name, value in self.values.items()
        }


def joined(names: Iterable[str], english: bool = False) -> str:
    """``a and b and c`` (in the reader's language unless ``english``)."""
    pair = "{first}" + AND + "{second}" if english else gettext("{first} and {second}")
    return reduce(lambda first, second: pair.format(first=first, second=second), names)


def said(reasons: dict[str, Reason], field: str, value: object, reason: str) -> str:
    """A refused row's ``field``, ``value`` and stored English ``reason``, said in the
    reader's language when it is one of ``reasons`` (else as stored)."""
    known = reasons.get(reason)
    if known is not None:
        return known.said(field, value)
    shown = "" if value is None else f" {value!r}"
    return f"'{field}'{shown} {reason}"


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """A pattern of each reason as stored, its placeholders as named groups."""
    found = []
    for message in MESSAGES:
        pattern = ""
        for text, name, _, _ in string.Formatter().parse(message.removeprefix(SUBJECT)):
            pattern += re.escape(text) + (f"(?P<{name}>.+?)" if name else "")
        found.append((re.compile(pattern), message))
    return tuple(found)


def stored(reason: str) -> Reason | None:
    """The reason a stored English text says (from a side file or ``rejected_rows``), or
    None when it is none of the checks' (a collector's words about a malformed event)."""
    for pattern, message in _patterns():
        if match := pattern.fullmatch(reason):
            values = match.groupdict()
            if "others" in values:
                values["others"] = tuple(values["others"].split(AND))
            return Reason(message, values)
    return None


def in_language(reason: str | None) -> str | None:
    """A stored English reason in the reader's language (as stored when unknown)."""
    known = stored(reason) if isinstance(reason, str) else None
    return reason if known is None else known.shown()
