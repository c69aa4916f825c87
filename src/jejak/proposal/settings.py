"""Settings proposed from the data: ``jejak init --from FILE...``.

Every file is read (:mod:`jejak.proposal.files`), its event names are placed in roles
(:mod:`jejak.proposal.roles`), and the result is a commented jejak.yaml that says what
was guessed and why (:mod:`jejak.proposal.writing`). Nothing is asked: the file is the
answer to check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from jejak.errors import ConfigError
from jejak.language import gettext, localised
from jejak.model.config import DEFAULT_WORKSPACE, Settings, parse_settings
from jejak.model.roles import Roles
from jejak.proposal.files import TABLE, FileProposal, inspect
from jejak.proposal.roles import RoleProposal, Seen, propose_roles
from jejak.store.folders import touchpoint_files
from jejak.store.sources import ident

INDONESIA = "Asia/Jakarta"
SEEN_EVENTS, SEEN_CHANNELS = "_jejak_seen_events", "_jejak_seen_channels"


@dataclass
class SettingsProposal:
    """A jejak.yaml proposed from files: its text, and what it rests on.

    ``files`` keeps each file's own proposal (mapping, dialect, time format), so that
    files of different shapes can become per-file ``sources:`` later.
    """

    files: list[FileProposal]
    roles: RoleProposal
    timezone: str
    timezone_why: str
    journey: str
    workspace: str
    left_out: list[Path] = field(default_factory=list)
    text: str = ""

    @property
    def main(self) -> FileProposal:
        """The file whose shape the settings take: the one with the most rows."""
        return max(self.files, key=lambda f: f.rows)

    @property
    def differing(self) -> list[FileProposal]:
        """Files the settings (made for the main file) do not read."""
        return [f for f in self.files if not f.reads_like(self.main)]

    @property
    def problems(self) -> list[str]:
        return [f"{f.path}: {p}" for f in self.files for p in f.problems]

    @property
    def settings_roles(self) -> Roles:
        """The proposed roles, as the settings will hold them."""
        return Roles.model_validate(self.roles.settings())

    def settings(self) -> Settings:
        """The proposal parsed as jejak.yaml is."""
        return parse_settings(self.text)

    def summary(self) -> list[str]:
        """What was guessed, in a few lines (the CLI prints them)."""
        lines = []
        for f in self.files:
            mapped = ", ".join(f"{k} <- {g.column}" for k, g in f.guesses.items())
            dialect = []
            if f.separator:
                dialect.append(f"separator {f.separator!r}")
            if f.decimal:
                dialect.append(f"decimal {f.decimal!r}, thousands {f.thousands!r}")
            if f.times and f.times.ts_format:
                dialect.append(f"ts_format {f.times.ts_format!r}")
            if f.encoding != "utf-8":
                dialect.append(f"encoding {f.encoding}")
            how = f"; {', '.join(dialect)}" if dialect else ""
            said = gettext("{file}: {count} rows; {mapped}")
            count = localised(f"{f.rows:,}")
            lines.append(said.format(file=f.path, count=count, mapped=mapped) + how)
        placed = [
            f"{role} <- {', '.join(self.roles.names(role))}" for role in sorted(self.roles.roles)
        ]
        if placed:
            lines.append(gettext("roles: {placed}").format(placed="; ".join(placed)))
        if self.roles.not_placed:
            names = ", ".join(s.name for s in self.roles.not_placed)
            lines.append(gettext("not placed: {names}").format(names=names))
        if self.differing:
            names = ", ".join(str(f.path) for f in self.differing)
            said = gettext("differs from {file}: {names} (see the comments)")
            lines.append(said.format(file=self.main.path, names=names))
        left_out = gettext("{file}: left out; not a file jejak reads")
        lines.extend(left_out.format(file=p) for p in self.left_out)
        lines.extend(gettext("problem: {problem}").format(problem=p) for p in self.problems)
        return lines


def _files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    files, left_out = [], []
    for path in map(Path, paths):
        if path.is_dir():
            found, skipped = touchpoint_files(path)
            files += found
            left_out += skipped
        else:
            files.append(path)
    return files, left_out


def propose_settings(
    paths: Iterable[str | Path],
    *,
    timezone: str | None = None,
    journey: str = "value-journey",
    workspace: str = DEFAULT_WORKSPACE,
) -> SettingsProposal:
    """Read the files (or folders) and propose a jejak.yaml for them.

    The proposal maps columns from their names (English or Indonesian) or contents, takes
    the separator, encoding, decimal and thousands marks and time format from the values,
    places event names in roles, and writes it all as a commented jejak.yaml
    (``.text``) that parses with :func:`~jejak.parse_settings`. ``timezone`` (default:
    Asia/Jakarta for Indonesian data, else UTC) is for times written without an offset.
    """
    from jejak.proposal.writing import write

    files, left_out = _files(paths)
    if not files:
        raise ConfigError(
            gettext("no touchpoint files to read; give CSV, TSV, Excel or Parquet files")
        )
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TEMP TABLE {SEEN_EVENTS} (event VARCHAR, person VARCHAR, n BIGINT)")
        con.execute(f"CREATE TEMP TABLE {SEEN_CHANNELS} (channel VARCHAR, n BIGINT)")
        inspected, properties = [], []
        for path in files:
            proposal = inspect(con, path)
            properties += [p for p in _properties(con, proposal) if p not in properties]
            _collect(con, proposal)
            inspected.append(proposal)
        roles = propose_roles(_seen_events(con), _seen_channels(con), properties)
    finally:
        con.close()
    zone, why = _timezone(timezone, inspected, roles)
    result = SettingsProposal(inspected, roles, zone, why, journey, workspace, left_out)
    result.text = write(result)
    return result


def _properties(con: duckdb.DuckDBPyConnection, proposal: FileProposal) -> list[str]:
    """Property names: columns kept in properties, and the keys of a JSON column."""
    names = proposal.extras()
    column = proposal.guesses.get("properties")
    if column is not None:
        keys = con.execute(
            f"SELECT DISTINCT unnest(json_keys(v)) AS k FROM (SELECT CAST({ident(column.column)}"
            f" AS VARCHAR) AS v FROM {TABLE}) WHERE json_valid(v) AND starts_with(v, '{{')"
            " ORDER BY k"
        ).fetchall()
        names += [k for (k,) in keys if k not in names]
    return names


def _collect(con: duckdb.DuckDBPyConnection, proposal: FileProposal) -> None:
    """The file's event names with their people, and its channel values, for the roles."""
    event = proposal.guesses.get("event")
    if event is not None:
        ids = [
            proposal.guesses[f].column
            for f in ("customer_id", "anonymous_id")
            if f in proposal.guesses
        ]
        ids = [f"nullif(trim(CAST({ident(c)} AS VARCHAR)), '')" for c in ids]
        person = f"coalesce({', '.join(ids)})" if ids else "NULL"
        con.execute(
            f"INSERT INTO {SEEN_EVENTS} SELECT trim(CAST({ident(event.column)} AS VARCHAR)) AS e,"
            f" {person}, count(*) FROM {TABLE} WHERE nullif(e, '') IS NOT NULL GROUP BY ALL"
        )
    channel = proposal.guesses.get("channel")
    if channel is not None:
        con.execute(
            f"INSERT INTO {SEEN_CHANNELS} SELECT trim(CAST({ident(channel.column)} AS VARCHAR))"
            f" AS c, count(*) FROM {TABLE} WHERE nullif(c, '') IS NOT NULL GROUP BY ALL"
        )


def _seen_events(con: duckdb.DuckDBPyConnection) -> list[Seen]:
    rows = con.execute(
        f"SELECT event, sum(n), count(DISTINCT person), count(person) FROM {SEEN_EVENTS}"
        " GROUP BY event ORDER BY sum(n) DESC, event"
    ).fetchall()
    return [Seen(e, int(n), int(p) if known else None) for e, n, p, known in rows]


def _seen_channels(con: duckdb.DuckDBPyConnection) -> list[Seen]:
    rows = con.execute(
        f"SELECT channel, sum(n) FROM {SEEN_CHANNELS} GROUP BY channel ORDER BY sum(n) DESC,"
        " channel"
    ).fetchall()
    return [Seen(c, int(n)) for c, n in rows]


def _timezone(given: str | None, files: list[FileProposal], roles: RoleProposal) -> tuple[str, str]:
    if given is not None:
        return given, "as given"
    signs = []
    if any(f.idr for f in files):
        signs.append("amounts in Rupiah")
    words = [g for f in files for g in f.guesses.values() if "Indonesian" in g.why]
    if words or roles.indonesian:
        signs.append("Indonesian column or event names")
    if signs:
        return INDONESIA, (
            f"guessed from {' and '.join(signs)}; Indonesia has three zones: Asia/Jakarta"
            " (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)"
        )
    return "UTC", "nothing in the data says where the shop is; set your shop's zone"
