"""The watch rules, checked on a schedule while the server runs (``watch: every:``), and
the report written (and sent) on its own schedule (``watch: report:``, see
:mod:`jejak.alerts.reporting`).

A thread checks the rules at the start, then every ``every``, and sends what fired to
each channel once (what was sent is kept in the workspace: see :mod:`jejak.alerts.memory`,
so a restart does not send it again). The analyses read a snapshot, as a request does;
what was sent is written in a writer's turn.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from jejak import alerts
from jejak.alerts import reporting
from jejak.alerts.findings import Findings

log = logging.getLogger(__name__)
REPORT_CHECKS = 15 * 60.0  # seconds between looks at a report schedule without rules


class Watcher:
    """Checks ``state``'s (a ServerState's) watch rules every ``every`` seconds."""

    def __init__(self, state: Any, every: float) -> None:
        self.state, self.every = state, every
        self.rounds = 0  # checks finished (tests wait for them)
        self.ready = threading.Condition()
        self.stopping = False
        self.thread: threading.Thread | None = None

    @classmethod
    def scheduled(cls, state: Any) -> Watcher | None:
        """A watcher when the settings give rules and ``every``, or a report schedule
        (checked every ``every``, else every 15 minutes); otherwise None."""
        watch = state.workspace.settings.watch
        rules = watch.every is not None and bool(watch.rules)
        if not rules and watch.report is None:
            return None
        every = watch.every.total_seconds() if watch.every is not None else REPORT_CHECKS
        return cls(state, every)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="jejak-watch", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Finish the check under way and stop."""
        with self.ready:
            self.stopping = True
            self.ready.notify_all()
        if self.thread is not None:
            self.thread.join()

    def check(self) -> Findings:
        """The rules on the data now (the collector's loads are the workspace's)."""
        watch = self.state.workspace.settings.watch
        with self.state.reading() as source, self.state.workspace.reader() as stored:
            return alerts.check(source, watch, loads=stored.con)

    @contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.state.using(keys=False) as workspace:
            yield workspace.con

    def round(self) -> dict[str, int]:
        """Check the rules and send what fired that was not sent before; write (and send)
        the scheduled report when one is due."""
        watch = self.state.workspace.settings.watch
        sent: dict[str, int] = {}
        if watch.rules and watch.every is not None:
            sent = alerts.notify(self.check().findings, watch, self._writing)
        if watch.report is not None:
            sent["report"] = self.report(datetime.now(UTC))
        return sent

    def report(self, now: datetime) -> int:
        """The scheduled report, if due at ``now``: 1 when written, else 0."""
        watch = self.state.workspace.settings.watch
        zone = self.state.workspace.settings.timezone
        moment = reporting.due(watch.report, now, zone, self._writing)
        if moment is None:
            return 0
        folder = Path(self.state.workspace.path or ".").parent
        with self.state.reading() as source:
            path = reporting.make(source, watch, moment, folder, self._writing)
        log.info("wrote the scheduled report %s", path)
        return 1

    def _run(self) -> None:
        while True:
            try:
                self.round()
            except Exception:  # a failed check is logged; the next one comes on time
                log.exception("could not check the watch rules")
            with self.ready:
                self.rounds += 1
                self.ready.notify_all()
                self.ready.wait_for(lambda: self.stopping, timeout=self.every)
                if self.stopping:
                    return
