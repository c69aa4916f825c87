"""API keys: a read key for the JSON API, a write key for the collector.

Keys are random tokens shown once, when made; the workspace keeps only their SHA-256
hashes, and a presented key is compared with each stored hash in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import duckdb

KINDS = ("read", "write")
PREFIX = {"read": "jr_", "write": "jw_"}

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS api_keys (kind VARCHAR NOT NULL, hash VARCHAR NOT NULL,"
    " created_at TIMESTAMPTZ)"
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


def new_key(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    """Add a key of ``kind`` (read or write) and return it; it is not stored in plain text."""
    if kind not in KINDS:
        raise ValueError(f"a key is read or write, not {kind!r}")
    con.execute(SCHEMA)
    key = PREFIX[kind] + secrets.token_urlsafe(24)
    con.execute("INSERT INTO api_keys VALUES (?, ?, current_timestamp)", [kind, _hash(key)])
    return key


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
