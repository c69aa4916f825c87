"""A workspace's storage: one DuckDB file of touchpoints, loaded, linked and stitched.

:class:`Storage` holds the schema, the loads, identity files and the stitched table,
without the analyses (see :class:`jejak.store.workspace.Workspace`, which adds them), so
that ``jejak load`` imports only what loading uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from jejak.engine import connection
from jejak.errors import ConfigError, LoadError, WorkspaceError
from jejak.language import gettext
from jejak.model.config import Settings
from jejak.model.touchpoint import FIELDS
from jejak.store import (
    compaction,
    erasure,
    imports,
    kept_pii,
    memory,
    personal,
    progress,
    pruning,
    reasons,
    results,
    spend,
    stitching,
    unsalted,
)
from jejak.store.folders import FolderSummary, touchpoint_files
from jejak.store.identity_files import load_identity_file, load_source_identities
from jejak.store.loading import KEPT_REJECTS, LoadSummary, load_file

if TYPE_CHECKING:
    import ibis
    import pandas as pd

SCHEMA_VERSION = 3  # 2: loads.rows_conflicting; 3: ad_spend.source


def _schema_sql() -> list[str]:
    columns = ", ".join(f"{f.name} {f.sql_type}" for f in FIELDS)
    return [
        f"CREATE TABLE IF NOT EXISTS touchpoints ({columns}, load_id INTEGER)",
        "CREATE TABLE IF NOT EXISTS identity_links (anonymous_id VARCHAR NOT NULL,"
        " customer_id VARCHAR NOT NULL, load_id INTEGER)",
        "CREATE TABLE IF NOT EXISTS loads (load_id INTEGER, file VARCHAR, loaded_at TIMESTAMPTZ,"
        " rows_read BIGINT, rows_stored BIGINT, rows_rejected BIGINT,"
        " rows_repeated BIGINT, rejects_file VARCHAR)",
        # added in version 2; workspaces made before get it here, 0 for their loads
        "ALTER TABLE loads ADD COLUMN IF NOT EXISTS rows_conflicting BIGINT DEFAULT 0",
        "CREATE TABLE IF NOT EXISTS rejected_rows (load_id INTEGER, row BIGINT, field VARCHAR,"
        " reason VARCHAR, record VARCHAR)",
        "CREATE TABLE IF NOT EXISTS jejak_meta (key VARCHAR, value VARCHAR)",
        "CREATE TABLE IF NOT EXISTS segments (name VARCHAR PRIMARY KEY, definition VARCHAR,"
        " saved_at TIMESTAMPTZ)",
        results.TABLE_SQL,
        stitching.STATE_SQL,
        erasure.LOG_SQL,
        spend.TABLE_SQL,
    ]


class Storage:
    """Touchpoints in a DuckDB file: loads, identity links and the stitched table."""

    def __init__(self, path: str | Path | None, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.path = None if path is None else Path(path)
        self.con = connection.connect(self.path)
        self._backend: ibis.BaseBackend | None = None  # made when first asked for
        self._check_or_create_schema()
        try:  # no salt over personal data stored in an older form (see unsalted)
            unsalted.check(self.con, self.settings, self.path)
        except WorkspaceError:
            self.con.close()
            raise
        # the pii: settings the data was stored under, when none are given (see kept_pii)
        self.settings = kept_pii.settled(self.con, self.settings)
        self.settings = personal.salted(self.con, self.settings)  # with pii: made once, kept
        self.snapshot = False  # a reader's view: inside a snapshot's transaction
        if self.path is not None and compaction.marked(self.con):  # a server erased
            results.forget(self.con)  # incl. answers its readers kept from before it
            self.compact()

    @property
    def backend(self) -> ibis.BaseBackend:
        """Ibis over the connection, made when first asked for: loading and stitching
        are SQL, and a load does not import Ibis (see :mod:`jejak.store.stitching`)."""
        if self._backend is None:
            from jejak.engine import duckdb as embedded

            self._backend = embedded.backend(self.con)
        return self._backend

    @backend.setter
    def backend(self, backend: ibis.BaseBackend | None) -> None:
        self._backend = backend

    # -- lifecycle -------------------------------------------------------------------------
    def _check_or_create_schema(self) -> None:
        tables = {r[0] for r in self.con.execute("SHOW TABLES").fetchall()}
        if tables and "touchpoints" not in tables:
            said = gettext(
                "{file}: this DuckDB file is not a jejak workspace (it has no touchpoints"
                " table); give a new file name or the workspace you created with jejak"
            )
            raise WorkspaceError(said.format(file=self.path))
        for sql in _schema_sql():
            self.con.execute(sql)
        spend.upgrade(self.con)  # added in version 3
        version = self.con.execute(
            "SELECT max(CAST(value AS INTEGER)) FROM jejak_meta WHERE key = 'schema_version'"
        ).fetchall()[0][0]
        if version is not None and version > SCHEMA_VERSION:
            said = gettext(
                "{file}: made by a newer jejak (workspace version {version}, this jejak"
                " reads up to {readable}); upgrade jejak: pip install -U jejak"
            )
            raise WorkspaceError(
                said.format(file=self.path, version=version, readable=SCHEMA_VERSION)
            )
        if version is None or version < SCHEMA_VERSION:
            self.con.execute("DELETE FROM jejak_meta WHERE key = 'schema_version'")
            self.con.execute(
                "INSERT INTO jejak_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading ---------------------------------------------------------------------------
    def _next_load_id(self) -> int:
        return self.con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0]

    def load(
        self,
        path: str | Path,
        *,
        skip_invalid: bool = False,
        rejects_path: str | Path | None = None,
        on_progress: progress.ProgressCallback | None = None,
        name: str | None = None,
        format: str | None = None,
        source: str | None = None,
        statuses: bool = False,
        stitch: bool = True,
    ) -> LoadSummary | FolderSummary:
        """Store a file of touchpoints (CSV, TSV, Excel .xlsx, Parquet, JSON Lines; .gz too).

        All or nothing: a file with an invalid row raises :class:`LoadError` and stores
        nothing, unless ``skip_invalid``, which stores the valid rows and writes the
        rejected ones with reasons to ``rejects_path`` (default ``<file>.rejected.csv``);
        the first of them are also kept in the workspace (:meth:`rejected`). A row whose
        event_id an earlier row or a stored touchpoint has with other content is not
        stored (first wins): it is counted as a conflict and written to the rejects file.
        ``name`` is what :meth:`loads` calls the load (default: the file's path).

        ``path`` may be a folder: each touchpoint file in it is loaded (by name, one load
        each; see :func:`~jejak.store.folders.touchpoint_files`), and a file that fails
        does not stop the others; the returned :class:`FolderSummary` tells each.

        ``format`` reads a documented export as touchpoints: ``"ga4"`` (GA4's BigQuery
        export), ``"segment"`` (Segment/RudderStack messages; identify calls become
        identity links), ``"shopify"`` (Shopify's orders CSV); ``"touchpoints"`` a plain
        file. Without it, the file's columns tell (see :mod:`jejak.store.imports`); in a
        folder, each file's own columns, or ``format`` for every file.

        ``source`` names the jejak.yaml source that reads the file (its columns,
        constants and ids; see :mod:`jejak.model.source`); without it, the source whose
        ``files`` pattern matches the file's name, or none (the top-level settings). An
        ``identities_only`` source stores only the links between each row's ids.
        ``statuses`` tells each valid row's fate in the summary (see :class:`LoadSummary`).
        Then the touchpoints are kept stitched to people for the analyses (:meth:`stitch`),
        unless ``stitch`` is False (the collector's groups: the server stitches later, and
        drops the answers kept for older data then; see :func:`results.prune`).
        """
        loaded: LoadSummary | FolderSummary
        try:
            if source is not None:
                self.settings.source(source)  # a ConfigError for an unknown name
            if Path(path).is_dir():
                if rejects_path is not None or name is not None:
                    said = gettext(
                        "{file}: a folder takes no rejects_path or name; each file has its own"
                    )
                    raise LoadError(said.format(file=path))
                imports.check_name(format, Path(path))  # once, not for each file
                loaded = self._load_folder(Path(path), skip_invalid, on_progress, format, source)
            elif (source := source or self.source_for(Path(path))) is not None and (
                self.settings.sources[source].identities_only
            ):
                loaded = load_source_identities(
                    self.con, path, self.settings, source, load_id=self._next_load_id(), name=name
                )
            else:
                loaded = load_file(
                    self.con,
                    path,
                    self.settings,
                    load_id=self._next_load_id(),
                    skip_invalid=skip_invalid,
                    rejects_path=rejects_path,
                    on_progress=on_progress,
                    name=name,
                    format=format,
                    source=source,
                    statuses=statuses,
                )
        finally:
            if stitch:  # else the server tidies once the data settles
                results.prune(self.con)  # answers kept for older data
        if stitch:  # after a large file, stitching too spills rather than swells
            with memory.bounded(self.con, memory.limit_for(Path(path))):
                self.stitch(on_progress)
        return loaded

    def source_for(self, path: Path) -> str | None:
        """The source whose ``files`` match the file's name, or None; a LoadError when
        several do."""
        matched = [n for n, s in self.settings.sources.items() if s.matches(path)]
        if len(matched) > 1:
            names = reasons.joined(f"'{n}'" for n in matched)
            said = gettext(
                "{file}: the file matches the files of sources {names}; make their 'files'"
                " patterns in jejak.yaml differ, or name the source: --source NAME"
            )
            raise LoadError(said.format(file=path, names=names))
        return matched[0] if matched else None

    def _load_folder(
        self,
        folder: Path,
        skip_invalid: bool,
        on_progress: progress.ProgressCallback | None,
        format: str | None = None,
        source: str | None = None,
    ) -> FolderSummary:
        files, left_out = touchpoint_files(folder)
        summary = FolderSummary(str(folder), left_out=[str(p) for p in left_out])
        for path in files:
            try:
                loaded = self.load(
                    path,
                    stitch=False,  # once, for the whole folder
                    skip_invalid=skip_invalid,
                    on_progress=on_progress,
                    format=format,
                    source=source,
                )
            except LoadError as exc:
                summary.failed.append((str(path), str(exc)))
            else:
                assert isinstance(loaded, LoadSummary)
                summary.loaded.append(loaded)
        return summary

    def load_identities(
        self, path: str | Path, *, name: str | None = None, stitch: bool = True
    ) -> int:
        """Store anonymous_id -> customer_id links from a mapping file; returns new links.
        Then the touchpoints are stitched again and answers kept for older data dropped
        (unless ``stitch`` is False: the server does both once the data settles)."""
        try:
            links = load_identity_file(
                self.con, path, self.settings, load_id=self._next_load_id(), name=name
            )
        finally:
            if stitch:
                results.prune(self.con)
        if stitch:
            self.stitch()
        return links

    def load_spend(
        self,
        path: str | Path,
        *,
        channel: str | None = None,
        source: str | None = None,
        currency: str | None = None,
    ) -> spend.SpendSummary:
        """Keep what the ads cost, from an ad platform's export or a plain
        date,channel,campaign,source,spend CSV (see :mod:`jejak.store.spend`); ``channel``
        and ``source``: the touchpoints' channel and traffic source the whole file bought
        (exports name neither)."""
        return spend.load_spend(
            self.con, Path(path), self.settings, channel=channel, source=source,
            currency=currency,
        )  # fmt: skip

    def ad_spend(self) -> pd.DataFrame:
        """The ad spend loaded: day, channel, campaign, source, spend, currency."""
        return self.con.execute(
            f"SELECT day, channel, campaign, source, spend, currency FROM {spend.SPEND_TABLE}"
            f" ORDER BY {spend.KEY}"
        ).df()

    def loads(self) -> pd.DataFrame:
        """Every load so far: file, when, rows read, stored, rejected, repeated within the
        file, rejects file, and rows whose event_id was taken by other content (conflicting)."""
        return self.con.execute("SELECT * FROM loads ORDER BY load_id").df()

    def conflicting_rows(self) -> int:
        """Rows loads refused because their event_id was taken by other content."""
        found = self.con.execute("SELECT coalesce(sum(rows_conflicting), 0) FROM loads")
        return int(found.fetchall()[0][0])

    def rejected(self, load_id: int | None = None, *, limit: int = 100) -> pd.DataFrame:
        """Rejected rows kept in the workspace, newest load first: the load, its file, the
        row (in the file, or the index in a collector batch), field, reason (in the reader's
        language) and the row as it came (JSON)."""
        where = "" if load_id is None else f"WHERE r.load_id = {int(load_id)}"
        found = self.con.execute(
            "SELECT r.load_id, l.file, r.row, r.field, r.reason, r.record"
            " FROM rejected_rows r LEFT JOIN loads l USING (load_id)"
            f" {where} ORDER BY r.load_id DESC, r.row LIMIT {int(limit)}"
        ).df()
        # stored in English (the side file's words); read in the reader's language
        found["reason"] = found["reason"].map(reasons.in_language)
        return found

    def record_rejected(
        self,
        rows: list[dict[str, Any]],
        *,
        name: str,
        received: int,
        load_id: int | None = None,
    ) -> int:
        """Keep rows refused before loading (e.g. a collector batch's malformed events:
        ``row``, ``field``, ``reason``, ``record``) as the load's rejected rows, replacing
        what the load kept; without ``load_id`` a load that stored nothing is recorded.
        ``received`` is how many rows the load was sent. Returns the load id."""
        kept_pii.writing(self.con, self.settings)  # the rows were scrubbed under these
        self.con.execute("BEGIN TRANSACTION")
        try:
            if load_id is None:
                load_id = self._next_load_id()
                self.con.execute(
                    "INSERT INTO loads (load_id, file, loaded_at, rows_read, rows_stored,"
                    " rows_rejected, rows_repeated) VALUES (?, ?, now(), ?, 0, 0, 0)",
                    [load_id, name, received],
                )
            self.con.execute("DELETE FROM rejected_rows WHERE load_id = ?", [load_id])
            if rows:
                self.con.executemany(
                    "INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?)",
                    [
                        [load_id, r["row"], r.get("field"), r["reason"], r.get("record")]
                        for r in rows[:KEPT_REJECTS]
                    ],
                )
            self.con.execute(
                "UPDATE loads SET file = ?, rows_read = ?, rows_rejected = ?,"
                " rejects_file = NULL WHERE load_id = ?",
                [name, received, len(rows), load_id],
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return load_id

    def data_version(self) -> tuple[int, int]:
        """The latest load and the touchpoint count: any load changes them."""
        row = self.con.execute(
            "SELECT (SELECT coalesce(max(load_id), 0) FROM loads),"
            " (SELECT count(*) FROM touchpoints)"
        ).fetchall()[0]
        return int(row[0]), int(row[1])

    def stitch(self, on_progress: progress.ProgressCallback | None = None) -> str:
        """Keep the touchpoints stitched to people for the data as it is, so analyses
        read them instead of stitching again (a load does this; see
        :mod:`jejak.store.stitching`): only what changed since is stitched. Returns
        "kept", "updated" or "built"."""
        version = results.version_of(self.con, "")
        own = not self.snapshot  # a reader's view is inside its snapshot's transaction
        if own:
            self.con.execute("BEGIN TRANSACTION")
        try:
            done = stitching.keep(
                self.con,
                load_id=version.load_id,
                count=version.touchpoints,
                on_progress=on_progress,
            )
        except BaseException:
            if own:
                self.con.execute("ROLLBACK")
            raise
        if own:
            self.con.execute("COMMIT")
        return done

    def touchpoints(self) -> ibis.Table:
        """The stored touchpoints as an Ibis table (canonical columns)."""
        return self.backend.table("touchpoints").drop("load_id")

    def identity_links(self) -> ibis.Table:
        """Links loaded from identity mapping files."""
        return self.backend.table("identity_links").select("anonymous_id", "customer_id", "load_id")

    def as_of(self) -> datetime | None:
        """Time of the latest touchpoint (the data's "now")."""
        return self.con.execute("SELECT max(ts) FROM touchpoints").fetchall()[0][0]

    def count(self) -> int:
        """Number of stored touchpoints."""
        return self.con.execute("SELECT count(*) FROM touchpoints").fetchall()[0][0]

    # -- privacy ---------------------------------------------------------------------------
    def forget(
        self, ids: Iterable[str], *, asked_by: str = "library", compact: bool = True
    ) -> erasure.Erased:
        """Erase the people ``ids`` name from every table (see :mod:`jejak.store.erasure`:
        a customer id, an anonymous id, ``email:...``, or a person id like ``anon:...``;
        an anonymous id linked to a customer erases the customer). ``asked_by`` goes to
        the erasure log. Then the file is rewritten without the erased bytes (see
        :mod:`jejak.store.compaction`), or, with ``compact=False``, marked to be at its
        next opening. An id nothing is stored for is reported, not an error."""
        self.stitch()  # who each id's person is, on the data as it is
        # each id as given, and as it may be stored (pii: hashes it), and an email or a
        # phone wherever it is held (personal properties, rejected rows)
        # (as the data was stored, whatever pii: the workspace was opened with)
        settings = kept_pii.stored_under(self.con, self.settings)
        erased = erasure.forget(self.con, ids, asked_by=asked_by, settings=settings)
        self._after_removal()
        erased.compacted = self._compact_or_mark(compact)
        return erased

    def prune(
        self, *, now: datetime | None = None, asked_by: str = "library", compact: bool = True
    ) -> pruning.Pruned:
        """Remove touchpoints older than ``keep_days`` (jejak.yaml) before ``now`` (default:
        the clock) and what came of them (see :mod:`jejak.store.pruning`); then compact
        the file as :meth:`forget` does."""
        days = self.settings.keep_days
        if days is None:
            raise ConfigError(
                gettext(
                    "no retention limit is set: add 'keep_days: 365' (or another number of"
                    " days) to jejak.yaml, then run jejak prune"
                )
            )
        self.stitch()
        pruned = pruning.prune(self.con, days, now or datetime.now(UTC), asked_by=asked_by)
        self._after_removal()
        pruned.compacted = self._compact_or_mark(compact)
        return pruned

    def compact(self) -> bool:
        """Rewrite the workspace's file without the bytes of deleted rows, reopening its
        connection (readers' cursors on it end); False for a workspace in memory."""
        if self.path is None:
            return False
        compaction.compact(self.con, self.path)
        self.con = connection.connect(self.path)
        self.backend = None  # over the new connection, when asked for
        erasure.compacted(self.con)
        return True

    def _after_removal(self) -> None:
        """Stitch what is left (a Workspace also forgets what it fitted before)."""
        self.stitch()

    def _compact_or_mark(self, compact: bool) -> bool:
        if compact:
            return self.compact()
        if self.path is not None:
            compaction.mark(self.con)
        return False

    def erasures(self) -> pd.DataFrame:
        """The erasure log: when, what (forget or prune), who asked, how many ids and
        people, the rows each table lost (JSON), and when the file was compacted."""
        return self.con.execute(f"SELECT * FROM {erasure.LOG} ORDER BY erased_at").df()
