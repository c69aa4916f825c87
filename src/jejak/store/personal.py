"""Personal data hashed with the workspace's own secret salt (``pii:`` in jejak.yaml).

A value is normalised (an email trimmed and lower-cased, a phone number written in
E.164, other text trimmed), then stored as its HMAC-SHA256 under the workspace's salt:
64 hex digits. The salt is 32 random bytes made once per workspace and kept in it
(``jejak_meta``), so the same person gives the same hash from every file and from the
collector, and a table of hashes of common emails made elsewhere matches nothing here.

DuckDB has SHA-256 but no HMAC. HMAC is two SHA-256 passes over the key padded to the
block and XORed with two constants (RFC 2104), so with the salt known when the SQL is
written its inner and outer blocks are literals and HMAC is plain SQL, equal to Python's
:mod:`hmac` (a test pins it). ``sha256(salt || value)`` is not HMAC: it is open to
length extension and is no standard keyed hash, and HMAC here costs one more SHA-256
of a short block per value.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from jejak.model.config import Settings
from jejak.model.privacy import PersonalData
from jejak.store import members
from jejak.store.sources import Mapping

SALT_KEY = "pii_salt"
EVERY_COLUMN = "*"  # no column of a rejected row is kept (see private_columns)
BLOCK = 64  # SHA-256's block, in bytes
# what the collector and Segment name the ids (in rejected rows kept as sent)
ID_NAMES = ("customer_id", "anonymous_id", "userId", "anonymousId", "previousId")


def salt(con: duckdb.DuckDBPyConnection) -> str:
    """The workspace's salt (hex), made and kept the first time it is asked for."""
    found = con.execute("SELECT value FROM jejak_meta WHERE key = ?", [SALT_KEY]).fetchall()
    if found:
        return found[0][0]
    made = secrets.token_hex(32)
    con.execute("INSERT INTO jejak_meta VALUES (?, ?)", [SALT_KEY, made])
    return made


def salted(con: duckdb.DuckDBPyConnection, settings: Settings) -> Settings:
    """``settings`` whose ``pii`` knows the workspace's salt (unchanged without pii)."""
    if settings.pii is None or settings.pii._salt is not None:
        return settings
    pii = settings.pii.model_copy()
    pii._salt = salt(con)
    return settings.model_copy(update={"pii": pii})


def _key(pii: PersonalData) -> bytes:
    if pii._salt is None:  # a bug, not a user's mistake: the salt is read at every door
        raise RuntimeError("personal data hashed before the workspace's salt was read")
    return bytes.fromhex(pii._salt)


def hash_text(value: str, pii: PersonalData) -> str:
    """The HMAC-SHA256 (hex) of an already normalised value."""
    return hmac.new(_key(pii), value.encode("utf-8"), hashlib.sha256).hexdigest()


def hash_sql(value: str, pii: PersonalData) -> str:
    """SQL: the HMAC-SHA256 (hex) of the text ``value`` (NULL stays NULL)."""
    key = _key(pii).ljust(BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    return f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode({value}))))"


def id_sql(value: str, settings: Settings) -> str:
    """SQL: a customer or anonymous id as stored: hashed with ``ids: true``."""
    pii = settings.pii
    return value if pii is None or not pii.ids else hash_sql(value, pii)


def hashed_id(value: str | None, settings: Settings) -> str | None:
    """A customer or anonymous id as stored (trimmed; hashed with ``ids: true``), e.g. to
    find a person given by their id (``settings`` salted)."""
    if value is None:
        return None
    pii = settings.pii
    return value if pii is None or not pii.ids else hash_text(value, pii)


def stored_forms(given: str, settings: Settings) -> list[str]:
    """The ways an id someone gives (a customer or anonymous id, a bare email address,
    ``email:...``, ``phone:...``) may be stored under ``pii:`` (``settings`` salted):
    hashed ids with ``ids: true``, and hashed contact keys. Nothing without ``pii:``."""
    from jejak.store.prefixes import EMAIL_PREFIX, PHONE_PREFIX

    pii = settings.pii
    if pii is None:
        return []
    forms = [hashed_id(given, settings) or given] if pii.ids else []
    if given.startswith(PHONE_PREFIX):
        phone = _normalised(given.removeprefix(PHONE_PREFIX), "phone", settings)
        forms.append(PHONE_PREFIX + hash_text(phone, pii))
    elif given.startswith(EMAIL_PREFIX) or "@" in given:
        email = _normalised(given.removeprefix(EMAIL_PREFIX), "email", settings)
        forms.append(EMAIL_PREFIX + hash_text(email, pii))
    return [form for form in forms if form != given]


def _normalised_sql(value: str, kind: str) -> str:
    if kind == "email":
        return f"lower(trim({value}))"
    if kind == "phone":  # jejak_e164 is there while a load checks its rows
        from jejak.store.contacts import phone_sql

        return f"coalesce({phone_sql(f'trim({value})')}, trim({value}))"
    return f"trim({value})"


def column_sql(name: str, value: str, settings: Settings) -> str:
    """SQL: the value of a file's column ``name`` as its property keeps it: hashed when
    ``pii:`` names it (a personal column costs one HMAC, not a pass over JSON)."""
    pii = settings.pii
    if pii is None or name not in pii.names:
        return value
    text = f"CAST({value} AS VARCHAR)"
    return hash_sql(_normalised_sql(text, pii.names[name]), pii)


def properties_sql(properties: str, settings: Settings) -> str:
    """SQL: the JSON text ``properties`` with each personal property's value hashed."""
    pii = settings.pii
    if pii is None or not pii.names:
        return properties
    hashed = {
        name: hash_sql(_normalised_sql(members.member_sql(properties, name), kind), pii)
        for name, kind in pii.names.items()
    }
    # a property that is absent stays so (its hash is NULL: see jejak.store.members)
    patched = members.patched_sql(properties, hashed)
    return f"CASE WHEN {properties} IS NULL THEN NULL ELSE {patched} END"


def _normalised(value: str, kind: str, settings: Settings) -> str:
    if kind == "email":
        return value.strip().lower()
    if kind == "phone":
        from jejak.store.contacts import e164

        return e164(value.strip(), settings.phone_region) or value.strip()
    return value.strip()


def _as_text(value: Any) -> str | None:
    """A JSON value as DuckDB's ``->>`` gives it."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def hashed_properties(properties: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The properties with each personal one hashed, as :func:`properties_sql` does."""
    pii = settings.pii
    if pii is None:
        return properties
    names = pii.names
    found = {name: properties[name] for name in names if name in properties}
    if not found:
        return properties
    # DuckDB's json_merge_patch moves the members it sets to the end, in the patch's
    # order: so here too, or a collected event would not equal itself checked by the SQL
    out = {name: value for name, value in properties.items() if name not in found}
    for name, value in found.items():
        text = _as_text(value)
        if text is not None:
            out[name] = hash_text(_normalised(text, names[name], settings), pii)
    return out


def hashed_event(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A collected event (fields as text, properties as JSON text) as it is stored:
    ids hashed with ``ids: true``, personal properties hashed."""
    pii = settings.pii
    if pii is None:
        return event
    out = dict(event)
    for name in ("customer_id", "anonymous_id"):
        if out.get(name) is not None and pii.ids:
            out[name] = hash_text(out[name].strip(), pii)
    if out.get("properties"):
        properties = json.loads(out["properties"])
        hashed = hashed_properties(properties, settings)
        if hashed is not properties:
            out["properties"] = json.dumps(hashed, ensure_ascii=False)
    return out


def scrubbed(record: Any, settings: Settings) -> Any:
    """A record as it came (a rejected event, a Segment call), for keeping: every
    member named as personal, at any depth, and with ``ids: true`` every id, hashed."""
    pii = settings.pii
    if pii is None:
        return record
    names = pii.names
    if isinstance(record, list):
        return [scrubbed(item, settings) for item in record]
    if not isinstance(record, dict):
        return record
    out = {}
    for name, value in record.items():
        text = _as_text(value) if not isinstance(value, dict | list) else None
        if name in names and text is not None:
            out[name] = hash_text(_normalised(text, names[name], settings), pii)
        elif name in ID_NAMES and pii.ids and text is not None:
            out[name] = hash_text(text.strip(), pii)
        else:
            out[name] = scrubbed(value, settings)
    return out


def private_columns(
    settings: Settings, mapping: Mapping, contacts: dict[str, str], export: bool = False
) -> tuple[str, ...]:
    """A file's columns left out of the rejected rows kept in the workspace: its email
    and phone ids, its personal columns, and with ``ids: true`` its id columns. Of a
    documented ``export``'s records (nested JSON: a Segment call's traits) none is
    kept (:data:`EVERY_COLUMN`): the side file has them."""
    if settings.pii is None:
        return ()
    if export:
        return (EVERY_COLUMN,)
    found = [*contacts.values(), *(c for c in mapping.extras if c in settings.pii.names)]
    if settings.pii.ids:
        found += [mapping.fields[f] for f in ("customer_id", "anonymous_id") if f in mapping.fields]
    return tuple(dict.fromkeys(found))


@contextmanager
def phone_numbers(con: duckdb.DuckDBPyConnection, settings: Settings) -> Iterator[None]:
    """The SQL phone normalisation, while personal phone properties may be hashed."""
    if settings.pii is None or not settings.pii.phone:
        yield
        return
    from jejak.store.contacts import phone_function

    with phone_function(con, settings.phone_region):
        yield
