"""Dashboard sessions: signing in with the read key starts one; the cookie never holds
the key.

A session is a random token the browser keeps (HttpOnly, SameSite=Strict, Secure
behind https); the workspace keeps only its SHA-256 hash, the hash of the read key it
was started with, and when it ends. A session ends when it expires, when its browser
signs out, or when its key is revoked. The table is made when the server starts
(``ServerState``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import duckdb

from jejak.server.keys import hash_of

SESSION_HOURS = 12
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS dashboard_sessions (hash VARCHAR NOT NULL,"
    " key_hash VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL,"
    " ends_at TIMESTAMPTZ NOT NULL)"
)


def start(con: duckdb.DuckDBPyConnection, key: str, hours: float = SESSION_HOURS) -> str:
    """A new session for the read ``key`` (already checked); its token, to set as the
    cookie. Sessions ended already are dropped meanwhile."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    con.execute("DELETE FROM dashboard_sessions WHERE ends_at <= ?", [now])
    con.execute(
        "INSERT INTO dashboard_sessions VALUES (?, ?, ?, ?)",
        [hash_of(token), hash_of(key), now, now + timedelta(hours=hours)],
    )
    return token


def end(con: duckdb.DuckDBPyConnection, token: str) -> None:
    """End the session of ``token`` (signing out)."""
    con.execute("DELETE FROM dashboard_sessions WHERE hash = ?", [hash_of(token)])


def key_of(con: duckdb.DuckDBPyConnection, token: str | None) -> str | None:
    """The hash of the key the session of ``token`` was started with, while it lasts."""
    if not token:
        return None
    found = con.execute(
        "SELECT key_hash FROM dashboard_sessions WHERE hash = ? AND ends_at > ?",
        [hash_of(token), datetime.now(UTC)],
    ).fetchall()
    return found[0][0] if found else None
