"""Emails and phone numbers as ids: normalised, optionally hashed, and linked.

An email is trimmed and lower-cased; a phone number is written in E.164
(``0812-3456-7890`` read in region ID is ``+6281234567890``) by Google's
libphonenumber rules (the ``phonenumbers`` package). Each becomes a *contact key*,
``email:<value>`` or ``phone:<value>``, where with ``pii:`` the value is the
HMAC-SHA256 of the normalised text under the workspace's salt (see
:mod:`jejak.store.personal`), so the clear value is never stored and the same person
still joins on it.

The keys of one row are stored as identity links, always from the weaker id to the
stronger one (anonymous id < phone < email < customer id), which
:mod:`jejak.store.identity` follows to a person. A touchpoint with neither a customer
nor an anonymous id carries its email key (else its phone key) as its anonymous id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from jejak.model.config import Settings
from jejak.store import personal, reasons
from jejak.store.prefixes import EMAIL_PREFIX, PHONE_PREFIX
from jejak.store.reasons import Reason
from jejak.store.sources import quote

PHONE_FUNCTION = "jejak_e164"
# one at-sign, something before it, a dot after it, no spaces: enough to catch a phone
# number or a name in the email column without refusing unusual but real addresses
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
EMAIL_REASON = Reason(reasons.NOT_AN_EMAIL)


def phone_reason(region: str) -> Reason:
    return Reason(reasons.NOT_A_PHONE, {"region": region})


def e164(text: str | None, region: str) -> str | None:
    """The number in E.164 (``+6281234567890``), or None when it is not a valid number."""
    if text is None:
        return None
    import phonenumbers  # here: a file without phone numbers loads without it

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@contextmanager
def phone_function(
    con: duckdb.DuckDBPyConnection, region: str, needed: bool = True
) -> Iterator[None]:
    """``jejak_e164(text)`` in SQL for the duration of a load, when ``needed`` (a Python
    function makes DuckDB import numpy: a fifth of a second)."""
    if not needed:
        yield
        return
    # each distinct number is parsed once: files repeat the same numbers on many rows
    cache: dict[str, str | None] = {}

    def convert(text: str | None) -> str | None:
        if text is None:
            return None
        if text not in cache:
            cache[text] = e164(text, region)
        return cache[text]

    con.create_function(
        PHONE_FUNCTION, convert, ["VARCHAR"], "VARCHAR", null_handling="special", side_effects=False
    )
    try:
        yield
    finally:
        con.remove_function(PHONE_FUNCTION)


def email_sql(raw: str) -> str:
    """SQL: the normalised email of the text ``raw``, NULL when it is not an address."""
    clean = f"lower(trim({raw}))"
    return f"CASE WHEN regexp_full_match({clean}, {quote(EMAIL_PATTERN)}) THEN {clean} END"


def phone_sql(raw: str) -> str:
    """SQL: the E.164 number of the text ``raw``, NULL when it is not a number."""
    return f"{PHONE_FUNCTION}({raw})"


def key_sql(kind: str, raw: str, settings: Settings) -> str:
    """SQL: the contact key of ``raw`` (``email:...``/``phone:...``), hashed with pii."""
    value = email_sql(raw) if kind == "email" else phone_sql(raw)
    if settings.pii is not None:
        value = personal.hash_sql(value, settings.pii)
    prefix = EMAIL_PREFIX if kind == "email" else PHONE_PREFIX
    return f"{quote(prefix)} || {value}"


def links_sql(table: str, where: str = "", *, anonymous_to_customer: bool = False) -> str:
    """SQL: identity links (anonymous_id -> customer_id, weaker id to stronger) from the
    rows of ``table``, which has customer_id, anonymous_id (the file's own), email_key
    and phone_key. ``where`` narrows the rows (e.g. to valid ones). A touchpoint's
    anonymous and customer ids link at stitching time, from the touchpoints; an
    identities-only file's (``anonymous_to_customer``) are stored."""
    rows = f"(SELECT * FROM {table} {where})"
    pairs = [
        ("email_key", "customer_id", "true"),
        ("phone_key", "customer_id", "true"),
        ("anonymous_id", "customer_id", "true" if anonymous_to_customer else "false"),
        ("phone_key", "email_key", "customer_id IS NULL"),
        ("anonymous_id", "email_key", "customer_id IS NULL"),
        ("anonymous_id", "phone_key", "customer_id IS NULL AND email_key IS NULL"),
    ]
    return " UNION ALL ".join(
        f"SELECT {weak} AS anonymous_id, {strong} AS customer_id FROM {rows} r"
        f" WHERE {weak} IS NOT NULL AND {strong} IS NOT NULL AND {condition}"
        for weak, strong, condition in pairs
    )
