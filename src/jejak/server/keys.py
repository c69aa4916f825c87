"""API keys: a read key for the JSON API, a write key for the collector.

Keys are random tokens shown once, when made; the workspace keeps only their SHA-256
hashes, and a presented key is compared with each stored hash in constant time. A key is
named by an id (the start of its hash) and an optional label, and can be revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import duckdb
import pandas as pd

from jejak.errors import JejakError

KINDS = ("read", "write")
PREFIX = {"read": "jr_", "write": "jw_"}

ID_CHARS = 8

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS api_keys (kind VARCHAR NOT NULL, hash VARCHAR NOT NULL,"
    " created_at TIMESTAMPTZ);"
    "ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS label VARCHAR"
)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def ensure_keys(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Make a read and a write key when the workspace has none of that kind; returns the
    new keys in plain text (to print once), by kind."""
    con.execute(SCHEMA)
    made = {}
    for kind in KINDS:
        count = con.execute("SELECT count(*) FROM api_keys WHERE kind = ?", [kind])
        if count.fetchall()[0][0] == 0:
            made[kind] = new_key(con, kind)
    return made


def new_key(con: duckdb.DuckDBPyConnection, kind: str, label: str | None = None) -> str:
    """Add a key of ``kind`` (read or write) and return it; it is not stored in plain text.
    ``label`` says what it is for (e.g. "website tracker")."""
    if kind not in KINDS:
        raise JejakError(f"a key is read or write, not {kind!r}")
    con.execute(SCHEMA)
    key = PREFIX[kind] + secrets.token_urlsafe(24)
    con.execute(
        "INSERT INTO api_keys (kind, hash, created_at, label) VALUES (?, ?, current_timestamp, ?)",
        [kind, _hash(key), label],
    )
    return key


def key_id(key: str) -> str:
    """The id ``jejak keys`` shows for ``key``."""
    return _hash(key)[:ID_CHARS]


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
        raise JejakError(f"{which!r}: give a key id from jejak keys (8 characters)")
    rows = con.execute(
        "SELECT kind, hash FROM api_keys WHERE starts_with(hash, ?)", [prefix]
    ).fetchall()
    if not rows:
        raise JejakError(f"no key {which!r}; jejak keys shows the ids")
    if len(rows) > 1:
        raise JejakError(f"{which!r} names {len(rows)} keys; give all 8 characters of the id")
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
    digest = _hash(presented)
    found = False
    for stored in hashes:  # compare with every one, so timing says nothing of the match
        found |= hmac.compare_digest(digest, stored)
    return found
