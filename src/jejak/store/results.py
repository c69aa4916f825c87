"""Results kept in the workspace: each answer per data version, settings and question.

An answer (the API's JSON, a dashboard page's HTML) is kept under a key naming the
question (what was asked, with its parameters) and the version it was computed on: the
latest load, the touchpoint count, the settings and the saved segments. A load, a
collector batch, a settings change or a saved segment makes a new version, so an answer
kept for the old one is never served for it; the next one is computed afresh.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import duckdb

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS results (question VARCHAR, version VARCHAR,"
    " computed_at TIMESTAMPTZ, touchpoints BIGINT, load_id INTEGER, body VARCHAR,"
    " settings VARCHAR)"
)


@dataclass(frozen=True)
class Version:
    """What an answer was computed on: the latest load, the touchpoint count, and a
    digest of the settings and saved segments."""

    load_id: int
    touchpoints: int
    settings: str

    @property
    def key(self) -> str:
        return f"{self.load_id}:{self.touchpoints}:{self.settings}"


@dataclass(frozen=True)
class Kept:
    """An answer and when, and on which data, it was computed."""

    body: str
    computed_at: datetime
    touchpoints: int
    load_id: int
    fresh: bool  # computed for this request (False: served as kept)
    stale: bool = False  # kept for older data (newer touchpoints came in since)

    def headers(self) -> dict[str, str]:
        """HTTP headers saying when and on which data the answer was computed."""
        return {
            "X-Jejak-Computed-At": self.computed_at.isoformat(timespec="seconds"),
            "X-Jejak-Data": f"load {self.load_id}, {self.touchpoints} touchpoints",
            "X-Jejak-Cache": "miss" if self.fresh else "stale" if self.stale else "hit",
        }


def digest(*parts: str) -> str:
    """A short, stable digest of texts (settings, segment definitions)."""
    hashed = hashlib.sha256("\x1f".join(parts).encode("utf-8"))
    return hashed.hexdigest()[:16]


def version_of(con: duckdb.DuckDBPyConnection, settings_digest: str) -> Version:
    """The workspace's data version now, with the settings' digest."""
    load_id, touchpoints = con.execute(
        "SELECT (SELECT coalesce(max(load_id), 0) FROM loads), (SELECT count(*) FROM touchpoints)"
    ).fetchall()[0]
    return Version(int(load_id), int(touchpoints), settings_digest)


def find(con: duckdb.DuckDBPyConnection, question: str, version: Version) -> Kept | None:
    """The answer kept for ``question`` on ``version``, or None."""
    row = con.execute(
        "SELECT body, computed_at, touchpoints, load_id FROM results"
        " WHERE question = ? AND version = ? ORDER BY computed_at DESC LIMIT 1",
        [question, version.key],
    ).fetchall()
    if not row:
        return None
    body, computed_at, touchpoints, load_id = row[0]
    return Kept(body, computed_at, touchpoints, load_id, fresh=False)


def find_recent(
    con: duckdb.DuckDBPyConnection, question: str, version: Version, seconds: float
) -> Kept | None:
    """The newest answer kept for ``question`` with the same settings and segments, on
    older data, computed within ``seconds``; or None."""
    row = con.execute(
        "SELECT body, computed_at, touchpoints, load_id FROM results WHERE question = ?"
        " AND settings = ? AND computed_at >= now() - to_microseconds(CAST(? AS BIGINT))"
        " ORDER BY computed_at DESC LIMIT 1",
        [question, version.settings, int(seconds * 1e6)],
    ).fetchall()
    if not row:
        return None
    body, computed_at, touchpoints, load_id = row[0]
    return Kept(body, computed_at, touchpoints, load_id, fresh=False, stale=True)


def keep(con: duckdb.DuckDBPyConnection, question: str, version: Version, body: str) -> Kept:
    """Keep an answer computed now on ``version`` (readers only add answers, so they
    never conflict; :func:`prune` drops those of older versions)."""
    computed_at = con.execute("SELECT now()").fetchall()[0][0]
    con.execute(
        "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            question,
            version.key,
            computed_at,
            version.touchpoints,
            version.load_id,
            body,
            version.settings,
        ],
    )
    return Kept(body, computed_at, version.touchpoints, version.load_id, fresh=True)


def prune(con: duckdb.DuckDBPyConnection) -> None:
    """Keep only each question's newest answer (a writer's job, after a load): older
    data's answers are served only as the newest there is, while a new one is computed."""
    con.execute(
        "DELETE FROM results r WHERE computed_at"
        " < (SELECT max(computed_at) FROM results n WHERE n.question = r.question)"
    )


def forget(con: duckdb.DuckDBPyConnection) -> int:
    """Drop every kept answer (the next ones are computed afresh); returns how many."""
    return len(con.execute("DELETE FROM results RETURNING 1").fetchall())
