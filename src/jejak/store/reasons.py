"""Why a row is refused, in two voices: English as stored (the rejected-rows side file,
``rejected_rows``, the collector's JSON answers) and the reader's language in the message
a person reads.

A reason's message names its field and value itself (``'ts' '2026-13-45' is not a time;
...``), so that a translator has the whole clause: in the stored English the field and
value are left out (the side file has columns for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce

from jejak.language import N_, gettext

SUBJECT = "'{field}'{value} "  # what every reason's message starts with, in English

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
    pair = "{first} and {second}" if english else gettext("{first} and {second}")
    return reduce(lambda first, second: pair.format(first=first, second=second), names)


def said(reasons: dict[str, Reason], field: str, value: object, reason: str) -> str:
    """A refused row's ``field``, ``value`` and stored English ``reason``, said in the
    reader's language when it is one of ``reasons`` (else as stored)."""
    known = reasons.get(reason)
    if known is not None:
        return known.said(field, value)
    shown = "" if value is None else f" {value!r}"
    return f"'{field}'{shown} {reason}"
