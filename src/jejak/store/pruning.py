"""Retention limits: touchpoints older than ``keep_days`` are removed, with what came of them.

``jejak prune`` (:meth:`Storage.prune`) counts the days back from now (the clock, not
the latest touchpoint: a limit promised to customers runs on the calendar) and removes,
in one transaction:

- ``touchpoints`` older than that, and their rows in the stitched tables (stitched
  again whole from what is left);
- ``identity_links`` of people left with no touchpoint, when the link was loaded before
  the cutoff too: a link is personal data (it ties a device to a customer), and once its
  person's touchpoints are gone it stitches nothing; a link loaded within ``keep_days``
  stays, so a CRM list loaded before the touchpoints it joins is not lost;
- ``rejected_rows`` of loads made before the cutoff (they hold raw rows as they came);
- every kept answer in ``results`` (each counted the removed touchpoints).

The loads' list (files, dates, counts) and the erasure log stay: they hold no person's
data. The prune is logged like an erasure (``erasures``, action ``prune``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from jejak.store import erasure, results, stitching


@dataclass
class Pruned:
    """What a prune removed: touchpoints before ``cutoff``, the people left with none,
    the rows each table lost, and whether the file is compacted yet."""

    cutoff: datetime
    keep_days: int
    people: int
    rows: dict[str, int] = field(default_factory=dict)
    compacted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "keep_days": self.keep_days,
            "people": self.people,
            "erased": self.rows,
            "compacted": self.compacted,
        }


def prune(
    con: duckdb.DuckDBPyConnection, keep_days: int, now: datetime, *, asked_by: str
) -> Pruned:
    """Remove what is older than ``keep_days`` before ``now`` (see the module's
    docstring), in one transaction, and log it. The stitched table must be of the data
    as it is (:meth:`Storage.stitch`); afterwards it is stitched again whole."""
    cutoff = now - timedelta(days=keep_days)
    stitched, links = stitching.TABLE, stitching.LINKS
    con.execute("BEGIN TRANSACTION")
    try:
        people = _people(con, cutoff)
        rows: dict[str, int] = {}
        rows["identity_links"] = _count(
            con,
            f"""DELETE FROM identity_links l
            WHERE l.load_id IN (SELECT load_id FROM loads WHERE loaded_at < $cutoff)
              AND NOT EXISTS (
                SELECT 1 FROM {stitched} s
                WHERE s.ts >= $cutoff AND s.person_id = coalesce(
                  (SELECT w.linked_customer_id FROM {links} w
                   WHERE w.anonymous_id = l.anonymous_id), l.customer_id))""",
            cutoff,
        )
        rows["touchpoints"] = _count(con, "DELETE FROM touchpoints WHERE ts < $cutoff", cutoff)
        # stitched again whole from what is left: its old rows are counted, not deleted
        older = con.execute(
            f"SELECT count(*) FROM {stitched} WHERE ts < $cutoff", {"cutoff": cutoff}
        )
        rows["stitched"] = older.fetchall()[0][0]
        con.execute(f"DELETE FROM {stitching.STATE}")
        rows["rejected_rows"] = _count(
            con,
            "DELETE FROM rejected_rows"
            " WHERE load_id IN (SELECT load_id FROM loads WHERE loaded_at < $cutoff)",
            cutoff,
        )
        rows["results"] = results.forget(con)
        erasure.log(con, "prune", asked_by, 0, people, rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Pruned(cutoff, keep_days, people, rows)


def _people(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> int:
    """People whose every touchpoint is older than ``cutoff``."""
    found = con.execute(
        f"SELECT count(*) FROM (SELECT person_id FROM {stitching.TABLE} GROUP BY person_id"
        " HAVING max(ts) < $cutoff)",
        {"cutoff": cutoff},
    )
    return int(found.fetchall()[0][0])


def _count(con: duckdb.DuckDBPyConnection, sql: str, cutoff: datetime) -> int:
    return len(con.execute(sql + " RETURNING 1", {"cutoff": cutoff}).fetchall())


def last_prune(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the workspace was last pruned, or None."""
    found = con.execute(f"SELECT max(erased_at) FROM {erasure.LOG} WHERE action = 'prune'")
    return found.fetchall()[0][0]
