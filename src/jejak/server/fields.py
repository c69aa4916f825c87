"""The collector's checks of one event's fields, shared by ``/v1/events`` and Segment's
calls: text that UTF-8 can hold within the length limit, and JSON without NaN, Infinity
or nesting too deep for the server, within the properties' limit.

Each check answers why a value is refused (the reason an answer gives with the event's
index and field), or None; the limits are the server's (jejak serve --max-text,
--max-properties).
"""

from __future__ import annotations

import json
import re
from typing import Any

# where a parsed body can hold a lone surrogate: a \\uD800-\\uDFFF escape, or one encoded
# as UTF-8 (json.loads lets it pass); a body without either needs no check per value
MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
NOT_TEXT = "holds a lone surrogate (like \\ud800), which is not text; send UTF-8"
NOT_SCALAR = "must be text (or a number), not a list or an object"
# json.dumps(value, ensure_ascii=False, allow_nan=False), without making an encoder
# each time (that was half of the time to write an event's properties)
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def not_text(value: str) -> bool:
    """Whether the string holds what UTF-8 cannot (a lone surrogate such as \\ud800)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def too_long(length: int, limit: int, option: str) -> str:
    """The reason for a value over a limit, naming the option that sets it."""
    return (
        f"is {length:,} characters, over the {limit:,} this server takes"
        f" (jejak serve {option} sets it)"
    )


def text_problem(value: Any, surrogates: bool, max_text: int) -> str | None:
    """Why ``value`` cannot be a touchpoint's text field, or None. ``surrogates``: whether
    the body may hold a lone surrogate (see :data:`MAYBE_SURROGATE`)."""
    if type(value) is str:  # most values: checked without the conversions below
        if surrogates and not_text(value):
            return NOT_TEXT
        return too_long(len(value), max_text, "--max-text") if len(value) > max_text else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return NOT_SCALAR
    if surrogates and isinstance(value, str) and not_text(value):
        return NOT_TEXT
    length = len(str(value))
    return too_long(length, max_text, "--max-text") if length > max_text else None


def json_text(value: Any, surrogates: bool, plural: bool = False) -> tuple[str | None, str | None]:
    """``value`` as the JSON text stored, and None; or None and why it cannot be stored
    (``plural``: the reason speaks of a field named in the plural, like properties)."""
    try:
        text = _ENCODER.encode(value)
    except ValueError:
        return None, f"{'hold' if plural else 'holds'} NaN or Infinity, which JSON has no room for"
    except RecursionError:
        return None, f"{'are' if plural else 'is'} nested too deeply"
    if surrogates and not_text(text):
        return None, NOT_TEXT
    return text, None


def properties_problem(text: str, max_properties: int) -> str | None:
    """Why properties of this JSON ``text`` are too large, or None."""
    if len(text) <= max_properties:
        return None
    return "as JSON " + too_long(len(text), max_properties, "--max-properties")
