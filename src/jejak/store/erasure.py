"""Erasing a person: every row that holds one of their ids, in every table.

A person is who stitching says (see :mod:`jejak.store.identity`): the ids asked for
name people, and each person is erased whole, with every id stitched to them (their
customer id, each device's anonymous id, their email and phone keys). Forgetting an
anonymous id that is linked to a customer forgets the customer: the link says they are
one person, and a request to be forgotten is a person's, not a cookie's; keeping the
customer's journey while dropping the device would keep the person and lose only part
of their data. An anonymous id that several customers claimed (a shared device) goes
with the person it was stitched to; the other customers keep their own touchpoints,
without that device id, and lose their link to it.

An email or a phone asked for names a person also through the touchpoints whose
personal properties hold it (see :mod:`jejak.store.contact_traces`): their people are
erased as if their ids had been asked for.

What is erased, in one transaction:

- ``touchpoints`` of the person; on other people's touchpoints, the person's device id
  (a shared device) and any property whose value names one of the person's ids (a
  referral's ``referrer_id``);
- ``identity_links`` with one of the ids on either side;
- the stitched tables' rows of the person (and on others' rows, what is removed from
  their touchpoints);
- ``rejected_rows`` whose raw record holds one of the ids (a phone however it was
  typed);
- every kept answer in ``results`` (each counted the person);
- saved ``segments`` whose definition names one of the ids.

API keys and dashboard sessions hold hashes of keys and tokens, never a person's id.
The erasure log (``erasures``) records when, who asked (the CLI, the library or an API
key's id) and how many rows each table lost; never the ids, nor a hash of them (a hash
of an id, salted or not, still singles the person out: it is personal data too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from jejak.language import N_, gettext
from jejak.model.config import Settings
from jejak.store import contact_traces, results, stitching
from jejak.store.prefixes import ANONYMOUS_PREFIX, CONTACT_PREFIXES, EMAIL_PREFIX

LOG = "erasures"
LOG_SQL = (
    f"CREATE TABLE IF NOT EXISTS {LOG} (erased_at TIMESTAMPTZ, action VARCHAR,"
    " asked_by VARCHAR, ids_asked INTEGER, people INTEGER, rows VARCHAR,"
    " compacted_at TIMESTAMPTZ)"
)
ASKED, PEOPLE, IDS = "_jejak_asked", "_jejak_people", "_jejak_erased_ids"
NOTHING = N_("nothing stored for this id")
# characters that may continue an id: a match inside a longer id is not the id
_EDGE = r"\w@.+:-"


@dataclass
class Erased:
    """What one erasure removed: per id asked, whether anything was stored for it; the
    people erased; the rows each table lost; whether the file is compacted yet."""

    ids: dict[str, bool]
    people: int
    rows: dict[str, int] = field(default_factory=dict)
    compacted: bool = False
    notes: dict[str, str] = field(default_factory=dict)  # id asked: where it was found

    def said(self, given: str) -> str:
        """What became of one id asked: erased (and where it was found), or nothing."""
        if not self.ids.get(given):
            return gettext(NOTHING)
        note = self.notes.get(given)
        return gettext("erased ({where})").format(where=note) if note else gettext("erased")

    def to_dict(self) -> dict[str, Any]:
        """The API's answer: each id with what was found, the counts, the compaction."""
        return {
            "ids": [
                {
                    "id": i,
                    "found": found,
                    "note": self.notes.get(i, None if found else gettext(NOTHING)),
                }
                for i, found in self.ids.items()
            ],
            "people": self.people,
            "erased": self.rows,
            "compacted": self.compacted,
        }


def forget(
    con: duckdb.DuckDBPyConnection, ids: Iterable[str], *, asked_by: str, settings: Settings
) -> Erased:
    """Erase the people named by ``ids`` (see the module's docstring) in one
    transaction, and log it. Each id is looked for in the forms it may be stored in (a
    phone's contact key in E.164, and hashed under ``pii:``; ``settings`` salted), and
    an email or a phone in personal properties and rejected rows too (see
    :mod:`jejak.store.contact_traces`); each is reported as given. The stitched table
    must be of the data as it is (call :meth:`Storage.stitch` first); it stays so."""
    asked = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    forms = {given: contact_traces.key_forms(given, settings) for given in asked}
    region = settings.phone_region
    contacts = {
        given: contact
        for given in asked
        if (contact := contact_traces.contact_of(given, region)) is not None
    }
    con.execute("BEGIN TRANSACTION")
    try:
        held = {g: contact_traces.in_properties(con, c, settings) for g, c in contacts.items()}
        phoned = {
            given: contact_traces.rejected_with_phones(con, [contact.value], region)
            for given, contact in contacts.items()
            if contact.kind == "phone"
        }
        looked_for = [*asked, *(f for each in forms.values() for f in each)]
        looked_for += [i for each in held.values() for i in each.ids]  # their people
        rejected = sorted({rowid for rows in phoned.values() for rowid in rows})
        erased = _forget(con, looked_for, rejected)
        erased.ids = {
            i: any(erased.ids.get(f, False) for f in [i, *forms[i]])
            or bool(i in held and held[i].touchpoints)
            or bool(phoned.get(i))
            for i in asked
        }
        erased.notes = {i: h.note() for i, h in held.items() if h.touchpoints}
        log(con, "forget", asked_by, len(asked), erased.people, erased.rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return erased


def log(
    con: duckdb.DuckDBPyConnection,
    action: str,
    asked_by: str,
    ids_asked: int,
    people: int,
    rows: dict[str, int],
) -> None:
    """Record an erasure or a prune in the log (no ids: counts only)."""
    con.execute(LOG_SQL)
    con.execute(
        f"INSERT INTO {LOG} VALUES (now(), ?, ?, ?, ?, ?, NULL)",
        [action, asked_by, ids_asked, people, json.dumps(rows)],
    )


def compacted(con: duckdb.DuckDBPyConnection) -> None:
    """Note in the log that the erased rows' bytes are gone from the file."""
    con.execute(LOG_SQL)
    con.execute(f"UPDATE {LOG} SET compacted_at = now() WHERE compacted_at IS NULL")


def _forget(con: duckdb.DuckDBPyConnection, asked: list[str], rejected: list[int]) -> Erased:
    """Erase the people ``asked`` names, and the rejected rows ``rejected`` (rowids)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ASKED} (id VARCHAR)")
    con.executemany(f"INSERT INTO {ASKED} VALUES (?)", [[i] for i in _spellings(asked)])
    people = _people(con)
    found = _found(con, asked)
    ids = [r[0] for r in con.execute(f"SELECT id FROM {IDS}").fetchall()]
    rows: dict[str, int] = {}
    rows["touchpoints"] = _count(
        con,
        f"DELETE FROM touchpoints WHERE customer_id IN (SELECT id FROM {IDS})"
        f" OR (customer_id IS NULL AND anonymous_id IN (SELECT id FROM {IDS}))",
    )
    rows["touchpoints_device_removed"] = _count(
        con,
        f"UPDATE touchpoints SET anonymous_id = NULL WHERE anonymous_id IN (SELECT id FROM {IDS})",
    )
    rows["touchpoints_properties_scrubbed"] = _scrub_properties(con, "touchpoints", ids)
    rows["identity_links"] = _count(
        con,
        f"DELETE FROM identity_links WHERE anonymous_id IN (SELECT id FROM {IDS})"
        f" OR customer_id IN (SELECT id FROM {IDS})",
    )
    # the stitched tables are changed as the touchpoints were, in place: nobody else's
    # person changes (an id whose winning claim was the person's is one of their ids),
    # so stitching the rest again whole would give the same rows
    rows["stitched"] = _count(
        con, f"DELETE FROM {stitching.TABLE} WHERE person_id IN (SELECT id FROM {PEOPLE})"
    )
    con.execute(
        f"UPDATE {stitching.TABLE} SET anonymous_id = NULL"
        f" WHERE anonymous_id IN (SELECT id FROM {IDS})"
    )
    _scrub_properties(con, stitching.TABLE, ids)
    rows["stitched_links"] = _count(
        con,
        f"DELETE FROM {stitching.LINKS} WHERE anonymous_id IN (SELECT id FROM {IDS})"
        f" OR linked_customer_id IN (SELECT id FROM {IDS})",
    )
    version = results.version_of(con, "")
    stitching.removed(con, version.load_id, version.touchpoints)
    rows["rejected_rows"] = _delete_holding(con, "rejected_rows", "record", ids, rejected)
    rows["segments"] = _delete_holding(con, "segments", "definition", ids)
    rows["results"] = results.forget(con)  # every kept answer counted the person
    for table in (ASKED, PEOPLE, IDS):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return Erased(found, people, rows)


def _spellings(asked: list[str]) -> list[str]:
    """Each id asked as it may be stored: as given; a person id ``anon:X`` as ``X``; a
    bare email address as its contact key ``email:...`` (trimmed, lower-cased)."""
    spelled = []
    for given in asked:
        spelled.append(given)
        if given.startswith(ANONYMOUS_PREFIX):
            spelled.append(given.removeprefix(ANONYMOUS_PREFIX))
        elif "@" in given and not given.startswith(CONTACT_PREFIXES):
            spelled.append(EMAIL_PREFIX + given.lower())
    return spelled


def _people(con: duckdb.DuckDBPyConnection) -> int:
    """Make the tables of the people the asked ids name, and of every id of theirs."""
    stitched, links = stitching.TABLE, stitching.LINKS
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {PEOPLE} AS
        SELECT person_id AS id FROM {stitched}
        WHERE customer_id IN (SELECT id FROM {ASKED}) OR anonymous_id IN (SELECT id FROM {ASKED})
           OR person_id IN (SELECT id FROM {ASKED})
        UNION SELECT linked_customer_id FROM {links}
        WHERE anonymous_id IN (SELECT id FROM {ASKED})
           OR linked_customer_id IN (SELECT id FROM {ASKED})
        UNION SELECT s.person_id FROM {stitched} s JOIN identity_links l
          ON s.anonymous_id = l.anonymous_id
        WHERE l.customer_id IN (SELECT id FROM {ASKED})"""  # an email a customer id outranks
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {IDS} AS
        SELECT id FROM {ASKED} UNION SELECT id FROM {PEOPLE}
        UNION SELECT customer_id FROM {stitched}
        WHERE person_id IN (SELECT id FROM {PEOPLE}) AND customer_id IS NOT NULL
        UNION SELECT anonymous_id FROM {stitched}
        WHERE person_id IN (SELECT id FROM {PEOPLE}) AND anonymous_id IS NOT NULL
        UNION SELECT anonymous_id FROM {links}
        WHERE linked_customer_id IN (SELECT id FROM {PEOPLE})"""
    )
    return con.execute(f"SELECT count(*) FROM {PEOPLE}").fetchall()[0][0]


def _found(con: duckdb.DuckDBPyConnection, asked: list[str]) -> dict[str, bool]:
    """Per id asked, whether any table holds it (or a person it names)."""
    found = {}
    for given in asked:
        spellings = _spellings([given])
        marks = ", ".join("?" * len(spellings))
        hit = con.execute(
            f"SELECT EXISTS (SELECT 1 FROM {stitching.TABLE} WHERE customer_id IN ({marks})"
            f" OR anonymous_id IN ({marks}) OR person_id IN ({marks}))"
            f" OR EXISTS (SELECT 1 FROM identity_links WHERE anonymous_id IN ({marks})"
            f" OR customer_id IN ({marks}))"
            f" OR EXISTS (SELECT 1 FROM touchpoints WHERE customer_id IN ({marks})"
            f" OR anonymous_id IN ({marks}))",
            spellings * 7,
        ).fetchall()[0][0]
        found[given] = bool(hit) or bool(_holding(con, "rejected_rows", "record", spellings))
    return found


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return len(con.execute(sql + " RETURNING 1").fetchall())


def _pattern(ids: list[str]) -> re.Pattern[str]:
    """An id as a whole word: not inside a longer id (``c1`` is not in ``c10``)."""
    spelled = sorted({i for i in ids} | {_bare(i) for i in ids}, key=len, reverse=True)
    either = "|".join(re.escape(i) for i in spelled)
    return re.compile(f"(?<![{_EDGE}])(?:{either})(?![{_EDGE}])", re.IGNORECASE)


def _bare(id_: str) -> str:
    """A contact key's value (``email:a@b.id`` -> ``a@b.id``): raw records hold that."""
    for prefix in CONTACT_PREFIXES:
        if id_.startswith(prefix):
            return id_.removeprefix(prefix)
    return id_


def _candidates(
    con: duckdb.DuckDBPyConnection, table: str, column: str, ids: list[str]
) -> list[tuple[int, str]]:
    """Rows whose ``column`` contains one of the ids as text (a quick filter in SQL;
    Python then decides whether it is the id itself)."""
    needles = sorted({i.lower() for i in ids} | {_bare(i).lower() for i in ids})
    if not needles:
        return []
    return con.execute(
        f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL AND EXISTS"
        f" (SELECT 1 FROM unnest(?) n(needle) WHERE contains(lower({column}), n.needle))",
        [needles],
    ).fetchall()


def _holding(con: duckdb.DuckDBPyConnection, table: str, column: str, ids: list[str]) -> list[int]:
    """Rowids of ``table`` whose ``column`` (JSON or text) holds one of the ids."""
    pattern = _pattern(ids)
    return [rowid for rowid, text in _candidates(con, table, column, ids) if pattern.search(text)]


def _delete_holding(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    ids: list[str],
    also: Iterable[int] = (),
) -> int:
    rowids = sorted({*_holding(con, table, column, ids), *also})
    if rowids:
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT unnest(?))", [rowids])
    return len(rowids)


def _scrub_properties(con: duckdb.DuckDBPyConnection, table: str, ids: list[str]) -> int:
    """Drop, from the touchpoints left in ``table``, each property whose value names one
    of the ids (e.g. another customer's ``referrer_id``); returns the rows changed."""
    pattern = _pattern(ids)
    changed = []
    for rowid, text in _candidates(con, table, "properties", ids):
        if not pattern.search(text):
            continue
        try:
            scrubbed = _without(json.loads(text), pattern)
            changed.append((rowid, json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":"))))
        except ValueError:  # not JSON after all: nothing of it can be kept safely
            changed.append((rowid, None))
    if changed:
        con.executemany(
            f"UPDATE {table} SET properties = ? WHERE rowid = ?",
            [[text, rowid] for rowid, text in changed],
        )
    return len(changed)


def _without(value: Any, pattern: re.Pattern[str]) -> Any:
    """``value`` (parsed JSON) without the members whose value names an id."""
    if isinstance(value, dict):
        return {
            k: _without(v, pattern)
            for k, v in value.items()
            if not (isinstance(v, str) and pattern.search(v)) and not pattern.search(k)
        }
    if isinstance(value, list):
        return [
            _without(v, pattern) for v in value if not (isinstance(v, str) and pattern.search(v))
        ]
    return value
