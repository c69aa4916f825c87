"""The ``pii:`` settings a workspace's data was stored under, kept with its salt.

Personal data is stored as the settings in use say: hashed under ``pii:``, in clear
without. Stored one way and then the other, one person's email would be in the
workspace twice, hashed and in clear, and their rows never stitched together. So the
settings the data was stored under are kept (``pii_form`` in ``jejak_meta``), and:

- opened with no ``pii:`` at all (a jejak.yaml that lost it, code that opens the file
  bare), the workspace takes the kept settings: what comes next is stored as what came
  before, and an erasure finds a person by the forms they are stored in;
- opened with other ``pii:`` settings (``ids: true`` added, a property listed or no
  longer listed), it takes them when no row holds what the change would store two ways
  (they are kept from then on), and otherwise keeps them as given: the analyses, the
  dashboard, the report, exports, erasure and pruning read as ever, while every write of
  personal data (a load, an identity file, a collector batch) is refused, before
  anything is stored, saying the ``pii:`` to put back (:func:`writing`).

Data stored before the workspace had a salt is :mod:`jejak.store.unsalted`'s concern.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from jejak.errors import PiiSettingsError
from jejak.language import gettext, localised, ngettext
from jejak.model.config import Settings
from jejak.model.privacy import KINDS, PersonalData
from jejak.store import members, personal

FORM_KEY = "pii_form"


def settled(con: duckdb.DuckDBPyConnection, settings: Settings) -> Settings:
    """The settings a workspace opens with: its kept ``pii:`` when ``settings`` have
    none; else ``settings``, kept from now on unless they would store some row's values
    two ways (then every write is refused: see :func:`writing`)."""
    kept = recorded(con)
    pii = settings.pii
    if pii is None:
        if kept is None:
            return settings
        return settings.model_copy(update={"pii": PersonalData.model_validate(kept)})
    if kept != form(pii) and (kept is None or not changed(con, kept, pii)):
        _record(con, pii)
    return settings


def writing(con: duckdb.DuckDBPyConnection, settings: Settings) -> Settings:
    """``settings`` salted, to store personal data with: a :class:`PiiSettingsError`,
    before anything is stored, when the workspace's data was stored under other
    ``pii:`` settings (or hashed, and ``settings`` have none)."""
    kept = recorded(con)
    if kept is not None and (settings.pii is None or form(settings.pii) != kept):
        raise PiiSettingsError(_refusal(con, kept, settings.pii))
    return personal.salted(con, settings)


def stored_under(con: duckdb.DuckDBPyConnection, settings: Settings) -> Settings:
    """``settings`` (salted) with the ``pii:`` the data was stored under: how to find a
    person's rows (to erase them) whatever settings the workspace was opened with."""
    kept = recorded(con)
    if kept is not None and (settings.pii is None or form(settings.pii) != kept):
        settings = settings.model_copy(update={"pii": PersonalData.model_validate(kept)})
    return personal.salted(con, settings)


def form(pii: PersonalData) -> dict[str, Any]:
    """The ``pii:`` settings that decide how values are stored."""
    return {"ids": pii.ids, **{kind: sorted(getattr(pii, kind)) for kind in KINDS}}


def written(kept: dict[str, Any]) -> str:
    """The settings as written in jejak.yaml (flow style, one line)."""
    kinds = ", ".join(f"{kind}: [{', '.join(kept[kind])}]" for kind in KINDS)
    return f"pii: {{{kinds}, ids: {str(kept['ids']).lower()}}}"


def recorded(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The settings the workspace's data was stored under, or None if never kept."""
    found = con.execute("SELECT value FROM jejak_meta WHERE key = ?", [FORM_KEY]).fetchall()
    return json.loads(found[0][0]) if found else None


def _record(con: duckdb.DuckDBPyConnection, pii: PersonalData) -> None:
    con.execute("DELETE FROM jejak_meta WHERE key = ?", [FORM_KEY])
    con.execute("INSERT INTO jejak_meta VALUES (?, ?)", [FORM_KEY, json.dumps(form(pii))])


def changed(con: duckdb.DuckDBPyConnection, kept: dict[str, Any], pii: PersonalData) -> list[str]:
    """What the change from the ``kept`` settings to ``pii`` would store two ways."""
    said = []
    if kept["ids"] != pii.ids:
        rows = con.execute(
            "SELECT (SELECT count(*) FROM touchpoints) + (SELECT count(*) FROM identity_links)"
        ).fetchall()[0][0]
        if rows:
            text = (
                ngettext(
                    "ids: {value}, but ids are in clear in {count} row",
                    "ids: {value}, but ids are in clear in {count} rows",
                    rows,
                )
                if pii.ids
                else ngettext(
                    "ids: {value}, but ids are hashed in {count} row",
                    "ids: {value}, but ids are hashed in {count} rows",
                    rows,
                )
            )
            said.append(text.format(value=str(pii.ids).lower(), count=_number(rows)))
    before = {name: kind for kind in KINDS for name in kept[kind]}
    now = pii.names
    for name in sorted(set(before) | set(now)):
        if before.get(name) == now.get(name):
            continue
        rows = con.execute(
            f"SELECT count(*) FROM touchpoints WHERE {members.member_sql('properties', name)}"
            " IS NOT NULL"
        ).fetchall()[0][0]
        if rows:
            if name not in before:
                text = ngettext(
                    "'{name}' listed as {kind}, but it is in clear in {count} touchpoint",
                    "'{name}' listed as {kind}, but it is in clear in {count} touchpoints",
                    rows,
                )
            elif name in now:
                text = ngettext(
                    "'{name}' listed as {kind}, but it is hashed as {was} in {count} touchpoint",
                    "'{name}' listed as {kind}, but it is hashed as {was} in {count} touchpoints",
                    rows,
                )
            else:
                text = ngettext(
                    "'{name}' no longer listed, but it is hashed as {was} in {count} touchpoint",
                    "'{name}' no longer listed, but it is hashed as {was} in {count} touchpoints",
                    rows,
                )
            said.append(
                text.format(
                    name=name, kind=now.get(name), was=before.get(name), count=_number(rows)
                )
            )
    return said


def _number(value: int) -> str:
    return localised(f"{value:,}")


def _refusal(con: duckdb.DuckDBPyConnection, kept: dict[str, Any], pii: PersonalData | None) -> str:
    found = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    where = found[0][0] if found and found[0][0] else gettext("this workspace")
    if pii is None:
        said = gettext(
            "{where}: nothing was stored: this workspace's personal data is stored hashed"
            " (under pii:), but the settings in use have no pii:, so emails, phones and the"
            " personal properties would be stored in clear beside their hashes and people"
            " no longer joined across the two. Put this back in jejak.yaml: {kept}"
        )
        return said.format(where=where, kept=written(kept))
    changes = changed(con, kept, pii)
    why = f" ({'; '.join(changes)})" if changes else ""
    said = gettext(
        "{where}: nothing was stored: pii: in jejak.yaml is not what this workspace's data"
        " was stored under{why}, so one person's values would be stored two ways. Put pii:"
        " back as it was ({kept}), or load your files again into a new workspace (move"
        " {where} aside, then run jejak load on the same files)"
    )
    return said.format(where=where, why=why, kept=written(kept))
