"""Personal data a workspace stored before ``pii:`` hashed it with the workspace's salt.

The salt is made the first time a workspace is opened with ``pii:`` (see
:mod:`jejak.store.personal`). Data stored before then is in one of two older forms, and
hashing what comes next with the salt would give one person two ids (their old rows
and their new ones, never stitched), or leave the clear values beside the hashes:

- the earlier ``pii: hash`` (jejak before the salt) stored an email or phone id as the
  bare SHA-256 of the address or number (``email:<64 hex digits>``), and the Shopify
  import stores a customer as the bare SHA-256 of their email. A bare hash cannot be
  made into a salted one without the address itself, so such a workspace is refused,
  saying how to load the files again into a new one;
- a workspace written without ``pii:`` holds the values in clear: contact keys
  (``email:budi@...``), the personal properties ``pii:`` names, and, with ``ids:
  true``, every id. It is refused too, naming what it holds and the two ways on.

A workspace with nothing personal yet (empty, or only ids that ``pii:`` leaves as they
are) simply gets its salt.

The ``pii:`` settings the data was stored under are kept with the salt, and what comes
next is stored as they say (see :mod:`jejak.store.kept_pii`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jejak.errors import WorkspaceError
from jejak.language import gettext, localised, ngettext
from jejak.model.config import Settings
from jejak.store import members, personal, reasons

# a contact key whose value is a bare SHA-256 (64 lower-case hex digits)
BARE_HASH = r"^(email|phone):[0-9a-f]{64}$"
CONTACT = "(email|phone):"
SHOPIFY_ORDERS = "shopify:%"


def check(con: duckdb.DuckDBPyConnection, settings: Settings, path: Path | None) -> None:
    """A WorkspaceError when ``pii:`` is set and the workspace, without a salt yet, holds
    personal data stored otherwise (see the module's docstring). A workspace with a salt
    keeps the settings its data was stored under (see :mod:`jejak.store.kept_pii`)."""
    if settings.pii is None or _has_salt(con):
        return
    _check_older(con, settings, str(path) if path is not None else gettext("this workspace"))


def _check_older(con: duckdb.DuckDBPyConnection, settings: Settings, where: str) -> None:
    bare = _count(con, BARE_HASH)
    shopify = con.execute(
        "SELECT count(*) FROM touchpoints WHERE event_id LIKE ? AND customer_id IS NOT NULL",
        [SHOPIFY_ORDERS],
    ).fetchall()[0][0]
    if bare or shopify:
        held = [_ids(bare)] if bare else []
        if shopify:
            said = gettext("{count} Shopify orders' customers")
            held.append(said.format(count=_number(shopify)))
        said = gettext(
            "{where}: holds {held} stored as bare SHA-256 hashes (the earlier 'pii: hash', or"
            " a Shopify export loaded without pii:), while pii: now hashes with this"
            " workspace's own secret salt (HMAC-SHA256). A bare hash cannot become a salted"
            " one without the address itself, so old and new rows of one person would never"
            " meet. Load your files again into a new workspace: move {where} aside (it is left"
            " as it is), then run jejak load on the same files (with --identities for"
            " identity files), and jejak forget again anyone erased from the old one"
        )
        raise WorkspaceError(said.format(where=where, held=reasons.joined(held)))
    clear = _in_clear(con, settings)
    if clear:
        said = gettext(
            "{where}: holds {held} in clear, stored before pii: was set in jejak.yaml; hashing"
            " only what comes next would give each of those people two ids. Either load your"
            " files again into a new workspace (move {where} aside, then run jejak load on the"
            " same files, with --identities for identity files), or take pii: out of"
            " jejak.yaml to keep this workspace as it is"
        )
        raise WorkspaceError(said.format(where=where, held=reasons.joined(clear)))


def _has_salt(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM jejak_meta WHERE key = ?", [personal.SALT_KEY]
    ).fetchall()
    return found[0][0] > 0


def _count(con: duckdb.DuckDBPyConnection, pattern: str) -> int:
    """How many distinct contact keys in the touchpoints and links match ``pattern``."""
    return con.execute(
        "SELECT count(DISTINCT id) FROM (SELECT anonymous_id AS id FROM touchpoints"
        " UNION ALL SELECT anonymous_id FROM identity_links"
        " UNION ALL SELECT customer_id FROM identity_links)"
        " WHERE regexp_matches(id, ?)",
        [pattern],
    ).fetchall()[0][0]


def _in_clear(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """What the workspace holds in clear that ``pii:`` would hash, said for a person."""
    pii = settings.pii
    assert pii is not None
    said = []
    keys = _count(con, f"^{CONTACT}")
    if keys:
        said.append(_ids(keys))
    for name in pii.names:
        rows = con.execute(
            f"SELECT count(*) FROM touchpoints WHERE {members.member_sql('properties', name)}"
            " IS NOT NULL"
        ).fetchall()[0][0]
        if rows:
            text = ngettext(
                "'{name}' in {count} touchpoint", "'{name}' in {count} touchpoints", rows
            )
            said.append(text.format(name=name, count=_number(rows)))
    if pii.ids:
        ids = con.execute(
            "SELECT (SELECT count(*) FROM touchpoints) + (SELECT count(*) FROM identity_links)"
        ).fetchall()[0][0]
        if ids:
            text = ngettext(
                "customer and anonymous ids in {count} row (pii: has ids: true)",
                "customer and anonymous ids in {count} rows (pii: has ids: true)",
                ids,
            )
            said.append(text.format(count=_number(ids)))
    return said


def _ids(count: int) -> str:
    said = ngettext("{count} email or phone id", "{count} email or phone ids", count)
    return said.format(count=_number(count))


def _number(value: int) -> str:
    return localised(f"{value:,}")
