"""What alerts were sent, and where: a small table in the workspace, so a restarted
server (or the next ``jejak watch --notify``) does not send them again.

A firing is a rule and its subject (the week, the day, the campaign); it is remembered
per channel, so a channel that failed tries again at the next check."""

from __future__ import annotations

import duckdb

TABLE = "watch_sent"
TABLE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (rule VARCHAR, subject VARCHAR, channel VARCHAR,"
    " sent_at TIMESTAMPTZ DEFAULT now())"
)


def sent(con: duckdb.DuckDBPyConnection, channel: str) -> set[tuple[str, str]]:
    """The (rule, subject) firings already sent on ``channel``."""
    con.execute(TABLE_SQL)
    rows = con.execute(f"SELECT rule, subject FROM {TABLE} WHERE channel = ?", [channel])
    return {(rule, subject) for rule, subject in rows.fetchall()}


def remember(con: duckdb.DuckDBPyConnection, channel: str, firings: list[tuple[str, str]]) -> None:
    """Keep ``firings`` as sent on ``channel``."""
    if not firings:
        return
    con.execute(TABLE_SQL)
    con.executemany(
        f"INSERT INTO {TABLE} (rule, subject, channel) VALUES (?, ?, ?)",
        [[rule, subject, channel] for rule, subject in firings],
    )
