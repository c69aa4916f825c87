"""The watch rules, checked on a schedule while the server runs (``watch: every:``).

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
from typing import Any

import duckdb

from jejak import alerts
from jejak.alerts.findings import Findings

log = logging.getLogger(__name__)


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
        """A watcher when the settings give rules and ``every``; otherwise None."""
        watch = state.workspace.settings.watch
        if watch.every is None or not watch.rules:
            return None
        return cls(state, watch.every.total_seconds())

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
        """Check the rules and send what fired that was not sent before."""
        findings = self.check()
        watch = self.state.workspace.settings.watch
        return alerts.notify(findings.findings, watch, self._writing)

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
