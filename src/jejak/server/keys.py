"""API keys: a read key for the JSON API, a write key for the collector, an admin key for
what no tracker snippet or dashboard viewer may do (erasing a person, managing keys).

Keys are random tokens shown once, when made; the workspace keeps only their SHA-256
hashes, and a presented key is compared with each stored hash in constant time. A key is
named by an id (the start of its hash) and an optional label, and can be revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pandas as pd

from jejak.errors import JejakError
from jejak.language import gettext

KINDS = ("read", "write", "admin")
MADE_AT_START = ("read", "write")  # an admin key is made only when asked for
PREFIX = {"read": "jr_", "write": "jw_", "admin": "ja_"}

ID_CHARS = 8

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS api_keys (kind VARCHAR NOT NULL, hash VARCHAR NOT NULL,"
    " created_at TIMESTAMPTZ);"
    "ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS label VARCHAR"
)


def hash_of(key: str) -> str:
    """The SHA-256 hash kept for ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


MIN_CHARS = 16
ENV = {"read": "JEJAK_READ_KEY", "write": "JEJAK_WRITE_KEY", "admin": "JEJAK_ADMIN_KEY"}


def given_keys(environ: dict[str, str]) -> dict[str, str]:
    """Keys set by the environment (``JEJAK_READ_KEY``, ``JEJAK_WRITE_KEY``), by kind:
    accepted as they are, never stored."""
    given = {}
    for kind, name in ENV.items():
        value = environ.get(name, "").strip()
        if value and len(value) < MIN_CHARS:
            said = gettext(
                "{name} is {length} characters; a key needs at least {least} (e.g. python -c"
                " 'import secrets; print(secrets.token_urlsafe(24))')"
            )
            raise JejakError(said.format(name=name, length=len(value), least=MIN_CHARS))
        if value:
            given[kind] = value
    if "admin" in given and given["admin"] in (given.get("read"), given.get("write")):
        said = gettext(
            "JEJAK_ADMIN_KEY is the same as another key; an admin key can erase people and"
            " manage keys, so give it a value of its own"
        )
        raise JejakError(said)
    if "read" in given and given["read"] == given.get("write"):
        said = gettext(
            "JEJAK_READ_KEY and JEJAK_WRITE_KEY are the same; the write key sits in your"
            " website's tracker snippet, so anyone could read with it: give two keys"
        )
        raise JejakError(said)
    return given


def ensure_keys(
    con: duckdb.DuckDBPyConnection, given: dict[str, str] | None = None
) -> dict[str, str]:
    """Make a read and a write key when the workspace has none of that kind (and none is
    ``given``); returns the new keys in plain text (to print once), by kind."""
    con.execute(SCHEMA)
    made = {}
    for kind in MADE_AT_START:
        if given and kind in given:
            continue
        count = con.execute("SELECT count(*) FROM api_keys WHERE kind = ?", [kind])
        if count.fetchall()[0][0] == 0:
            made[kind] = new_key(con, kind)
    return made


def new_key(con: duckdb.DuckDBPyConnection, kind: str, label: str | None = None) -> str:
    """Add a key of ``kind`` (read, write or admin) and return it; it is not stored in plain text.
    ``label`` says what it is for (e.g. "website tracker")."""
    if kind not in KINDS:
        said = gettext("a key is read, write or admin, not {kind}")
        raise JejakError(said.format(kind=repr(kind)))
    con.execute(SCHEMA)
    key = PREFIX[kind] + secrets.token_urlsafe(24)
    con.execute(
        "INSERT INTO api_keys (kind, hash, created_at, label) VALUES (?, ?, current_timestamp, ?)",
        [kind, hash_of(key), label],
    )
    return key


def key_id(key: str) -> str:
    """The id ``jejak keys`` shows for ``key``."""
    return hash_of(key)[:ID_CHARS]


def list_keys(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every key: id, kind, label and when it was made (never the key itself)."""
    con.execute(SCHEMA)
    return con.execute(
        f"SELECT left(hash, {ID_CHARS}) AS id, kind, coalesce(label, '') AS label, created_at"
        " FROM api_keys ORDER BY created_at, kind"
    ).df()


def revoke(con: duckdb.DuckDBPyConnection, which: str) -> tuple[str, str]:
    """Remove the key with id ``which`` (or the key ``which`` itself); returns its kind
    and id.
    The server refuses it from its next request."""
    con.execute(SCHEMA)
    which = which.strip()
    prefix = key_id(which) if which.startswith(tuple(PREFIX.values())) else which.lower()
    if len(prefix) < 4:
        said = gettext("{which}: give a key id from jejak keys (8 characters)")
        raise JejakError(said.format(which=repr(which)))
    rows = con.execute(
        "SELECT kind, hash FROM api_keys WHERE starts_with(hash, ?)", [prefix]
    ).fetchall()
    if not rows:
        raise JejakError(
            gettext("no key {which}; jejak keys shows the ids").format(which=repr(which))
        )
    if len(rows) > 1:
        said = gettext("{which} names {count} keys; give all 8 characters of the id")
        raise JejakError(said.format(which=repr(which), count=len(rows)))
    con.execute("DELETE FROM api_keys WHERE hash = ?", [rows[0][1]])
    return rows[0][0], rows[0][1][:ID_CHARS]


def key_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The stored hashes by kind."""
    con.execute(SCHEMA)
    rows = con.execute("SELECT kind, hash FROM api_keys").fetchall()
    return {kind: [h for k, h in rows if k == kind] for kind in KINDS}


def matches(presented: str | None, hashes: list[str]) -> bool:
    """Whether ``presented`` is one of the keys behind ``hashes`` (constant-time compares)."""
    if not presented:
        return False
    digest = hash_of(presented)
    found = False
    for stored in hashes:  # compare with every one, so timing says nothing of the match
        found |= hmac.compare_digest(digest, stored)
    return found


@dataclass(frozen=True)
class Revoked:
    """A revoked key: its kind and id, the keys of that kind still stored, and whether
    one of that kind is given by the environment (still accepted)."""

    kind: str
    id: str
    left: int
    given: bool


class StoredKeys:
    """The keys stored in a workspace, as ``jejak keys`` manages them (and the admin key
    routes of a running server: see :mod:`jejak.server.keyring`). ``given``: the kinds
    that a key from the environment is accepted for, besides the stored ones."""

    def __init__(self, con: duckdb.DuckDBPyConnection, given: Iterable[str] = ()) -> None:
        self.con, self.given = con, set(given)

    def list(self) -> pd.DataFrame:
        """See :func:`list_keys`."""
        return list_keys(self.con)

    def make(self, kind: str, label: str | None = None) -> str:
        """See :func:`new_key`."""
        return new_key(self.con, kind, label)

    def revoke(self, which: str) -> Revoked:
        """See :func:`revoke`."""
        kind, revoked = revoke(self.con, which)
        left = self.con.execute("SELECT count(*) FROM api_keys WHERE kind = ?", [kind])
        return Revoked(kind, revoked, left.fetchall()[0][0], kind in self.given)
