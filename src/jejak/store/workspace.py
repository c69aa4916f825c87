"""A workspace: one DuckDB file holding a business's touchpoints, and the journey over them.

Its storage (loads, identities, the stitched table) is :class:`~jejak.store.storage.Storage`;
the workspace adds the analyses, kept answers and segments.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis

from jejak.analyses.journeys import JourneyAnalyses
from jejak.analyses.segments import check_stages
from jejak.engine.kept_plans import code_digest
from jejak.errors import ConfigError
from jejak.language import gettext
from jejak.model.config import Settings, load_settings, workspace_path
from jejak.model.segment import Segment, check_name
from jejak.store import pruning, readers, results, spend, stitching
from jejak.store.storage import Storage

if TYPE_CHECKING:
    from jejak.alerts import Findings

_VERSIONS_SQL = (  # the data's version and stitching.current's, in one query
    "SELECT (SELECT coalesce(max(load_id), 0) FROM loads), (SELECT count(*) FROM touchpoints),"
    f" (SELECT max(version) FROM {stitching.STATE})"
)


class Workspace(Storage, JourneyAnalyses):
    """Touchpoints in a DuckDB file, read through the journey in ``settings``.

    Open one with :func:`jejak.open`. Analyses return :class:`~jejak.analyses.result.Result`
    objects with ``.table``, ``.figure()`` and ``.to_dict()``.
    """

    def __init__(self, path: str | Path | None, settings: Settings | None = None) -> None:
        super().__init__(path, settings)
        self._fitted: dict[Any, Any] = {}  # shared with its readers (see reader)
        # the stitched table's Ibis expression, with the backend and data version it is
        # of: asking DuckDB for its schema again on every analysis costs more than some
        # analyses take on a small log
        self._stitched: tuple[ibis.BaseBackend, str, ibis.Table] | None = None
        self._readers = readers.Readers()  # idle cursors for reader(), with their memos

    def _after_removal(self) -> None:
        """After an erasure or a prune: nothing fitted on the data before is kept."""
        self._fitted.clear()
        super()._after_removal()

    @contextmanager
    def reader(self) -> Iterator[Workspace]:
        """This workspace on a DuckDB cursor of its own, for one thread: a snapshot of
        the data committed when it starts, so every number it answers is of the same
        data, and it never waits for a write (MVCC). What one reader fits (segment
        members, clusters) the others reuse while the data is the same; the cursors,
        with what their backends built and compiled, are kept for the next readers (see
        :mod:`jejak.store.readers`)."""
        kept = self._readers.take(self.con)
        view = copy.copy(self)
        view.con, view.backend, view._stitched = kept.cursor, kept.backend, kept.stitched
        view.snapshot = True
        try:
            kept.cursor.execute("BEGIN TRANSACTION")
            try:
                yield view
            except BaseException:
                kept.cursor.execute("ROLLBACK")
                raise
            kept.cursor.execute("COMMIT")  # readers only add kept answers: nothing conflicts
        except BaseException:
            kept.close()  # what it registered went with its transaction: not kept
            raise
        kept.stitched = view._stitched
        self._readers.give_back(kept, self.con)  # (compaction may have replaced it)

    # -- kept answers ----------------------------------------------------------------------
    def version(self) -> results.Version:
        """The version answers are kept for: the data (latest load, touchpoint count),
        the settings, the saved segments, the ad spend and jejak's own code (an answer
        kept by another release of jejak may be shaped or worded otherwise)."""
        saved = self.con.execute("SELECT name, definition FROM segments ORDER BY name")
        segments = "\x1e".join(f"{n}={d}" for n, d in saved.fetchall())
        paid = spend.version(self.con)  # ad spend loaded since changes spend and return
        return results.version_of(
            self.con,
            results.digest(self.settings.model_dump_json(), segments, paid, code_digest()),
        )

    def answered(
        self, question: str, compute: Callable[[], str], *, stale_seconds: float = 0.0
    ) -> results.Kept:
        """The answer kept for ``question`` on the data, settings and segments as they
        are now, or ``compute()``'s, kept for the next time (see :mod:`.results`).
        ``stale_seconds``: an answer on older data computed that recently will do (it
        says so: ``Kept.stale``)."""
        version = self.version()
        kept = results.find(self.con, question, version)
        if kept is None and stale_seconds > 0:
            kept = results.find_recent(self.con, question, version, stale_seconds)
        if kept is None:
            kept = results.keep(self.con, question, version, compute())
        return kept

    def empty_reason(self) -> str | None:
        """Why the workspace holds no touchpoint: nothing loaded yet, or all pruned."""
        if self.count():
            return None
        pruned = pruning.last_prune(self.con)
        if pruned is None:
            return gettext(
                "no touchpoints yet: load a file (jejak load FILE) or send events to jejak serve"
            )
        days = self.settings.keep_days
        kept = (
            gettext("the last {days} days (keep_days)").format(days=days) if days else "keep_days"
        )
        return gettext(
            "no touchpoints left: jejak prune on {day} kept only {kept}, and every touchpoint"
            " was older; load newer touchpoints, or raise keep_days in jejak.yaml before loading"
            " older ones"
        ).format(day=f"{pruned:%Y-%m-%d}", kept=kept)

    def __repr__(self) -> str:
        return f"<jejak.Workspace {self.path or ':memory:'} journey={self.journey.name}>"

    # -- segments --------------------------------------------------------------------------
    def segment_definitions(self) -> dict[str, Segment]:
        """Segments from jejak.yaml, then those saved in this workspace (a name in both is
        the jejak.yaml one: the file is what the team reads)."""
        saved = self.con.execute("SELECT name, definition FROM segments ORDER BY name").fetchall()
        stored = {name: Segment.model_validate_json(text) for name, text in saved}
        return {
            **self.settings.segments,
            **{k: v for k, v in stored.items() if k not in self.settings.segments},
        }

    def _saved_in(self, name: str) -> str:
        return "jejak.yaml" if name in self.settings.segments else "workspace"

    def save_segment(
        self,
        name: str,
        definition: dict[str, Any] | Segment,
        *,
        description: str | None = None,
        replace: bool = False,
    ) -> Segment:
        """Save a segment by name in this workspace (see :mod:`jejak.model.segment` for
        what a definition holds); ``replace=True`` overwrites one saved before."""
        check_name(name)
        if name in self.settings.segments:
            said = gettext(
                "segment {name} is defined in jejak.yaml; change it there or pick another name"
            )
            raise ConfigError(said.format(name=repr(name)))
        segment = _segment(name, definition, description)
        if segment.stuck is not None:  # saved by the stage's own name, not as shown
            segment.stuck.stage = self.journey.own_name(segment.stuck.stage)
        check_stages(name, segment, self.journey)
        exists = self.con.execute("SELECT count(*) FROM segments WHERE name = ?", [name])
        if exists.fetchall()[0][0] and not replace:
            said = gettext(
                "segment {name} is already saved; replace it (--replace) or pick another name"
            )
            raise ConfigError(said.format(name=repr(name)))
        text = segment.model_dump_json(exclude_none=True, by_alias=True)
        self.con.execute(
            "INSERT OR REPLACE INTO segments VALUES (?, ?, current_timestamp)", [name, text]
        )
        return segment

    def drop_segment(self, name: str) -> None:
        """Forget a segment saved in this workspace."""
        if name in self.settings.segments:
            said = gettext("segment {name} is defined in jejak.yaml; remove it there")
            raise ConfigError(said.format(name=repr(name)))
        gone = self.con.execute("DELETE FROM segments WHERE name = ? RETURNING name", [name])
        if not gone.fetchall():
            said = gettext("no segment named {name} is saved in this workspace")
            raise ConfigError(said.format(name=repr(name)))

    # -- watch rules -----------------------------------------------------------------------
    def watch(self, *, as_of: datetime | None = None, now: datetime | None = None) -> Findings:
        """Check the ``watch:`` rules now: every finding, fired or not (see
        :mod:`jejak.alerts`). ``as_of``: the data's "now" (default: the latest
        touchpoint); ``now``: the clock's, for the collector's rejections today."""
        from jejak import alerts

        return alerts.check(self, self.settings.watch, loads=self.con, as_of=as_of, now=now)

    def notify(self, findings: Findings) -> dict[str, int]:
        """Send what fired to the ``watch.notify`` channels, each firing once per channel
        (remembered in the workspace); the alerts sent per channel."""
        from jejak import alerts

        return alerts.notify(findings.findings, self.settings.watch, lambda: nullcontext(self.con))

    # -- tables ----------------------------------------------------------------------------
    def events(self) -> ibis.Table:
        """Touchpoints stitched to people: the table kept for the data as it is, or
        stitched now when it is of older data (see :mod:`jejak.store.stitching`)."""
        # the data version and the stitched table's, in this snapshot, asked in one query
        load_id, count, stitched = self.con.execute(_VERSIONS_SQL).fetchall()[0]
        version = stitching.version_key(int(load_id), int(count))
        if stitched != version:
            return super().events()
        kept = self._stitched
        if kept is None or kept[0] is not self.backend or kept[1] != version:
            kept = self._stitched = (self.backend, version, self.backend.table(stitching.TABLE))
        return kept[2]


def open_workspace(
    path: str | Path | None = None, settings: Settings | str | Path | None = None
) -> Workspace:
    """Open (or create) a workspace.

    ``path`` is the DuckDB file (None: the one named in settings, default jejak.duckdb);
    ``settings`` is a :class:`Settings`, a path to jejak.yaml, or None for defaults.
    """
    folder = Path(".")
    if isinstance(settings, str | Path):
        folder = Path(settings).parent
        settings = load_settings(settings)
    settings = settings or Settings()
    if path is None:
        path = workspace_path(settings, folder)
    return Workspace(path if str(path) != ":memory:" else None, settings)


def _segment(name: str, definition: dict[str, Any] | Segment, description: str | None) -> Segment:
    """A definition from the API or the command line, validated; errors name the key."""
    from pydantic import ValidationError

    if isinstance(definition, Segment):
        data = definition.model_dump(exclude_none=True, by_alias=True)
    elif isinstance(definition, dict):
        data = dict(definition)
    else:
        said = gettext("segment {name}: a definition is a mapping like {{'had': 'order'}}")
        raise ConfigError(said.format(name=repr(name)))
    if description is not None:
        data["description"] = description
    try:
        return Segment.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = gettext(
                "unknown key; use had, first, stage, rfm, engagement, p_alive_below,"
                " cluster (with k), any, not or description"
            )
        said = (
            gettext("segment {name} '{key}': {problem}")
            if where
            else gettext("segment {name}: {problem}")
        )
        raise ConfigError(said.format(name=repr(name), key=where, problem=message)) from None
