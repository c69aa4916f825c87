"""Work done in the background after new data: the touchpoints stitched to people (see
:mod:`jejak.store.stitching`), then the pages people open first.

The collector and the server's start poke the warmer; once no new data has come for a
moment (``settle`` seconds), it builds the first pages and keeps them, so the first
browser to open them finds them ready, then the pages shown on older data meanwhile.
A busy collector does not keep it computing: it warms at most once per ``interval``
seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from jejak.store import results

FIRST_PAGES = ("overview", "journey-map", "funnels")
log = logging.getLogger(__name__)


class Warmer:
    """Warms ``pages`` of the dashboard over ``state`` (a ServerState) when poked."""

    def __init__(
        self,
        state: Any,
        pages: tuple[str, ...] = FIRST_PAGES,
        settle: float = 2.0,
        interval: float = 60.0,
    ) -> None:
        self.state, self.pages = state, pages
        self.settle, self.interval = settle, interval
        self.poked_at: float | None = None
        self.warmed_at = float("-inf")
        self.rounds = 0  # warm rounds finished (tests wait for them)
        self.ready = threading.Condition()
        self.thread: threading.Thread | None = None
        self.stopping = False
        self.asked: dict[str, Callable[[], Any]] = {}  # questions to answer anew

    def poke(self) -> None:
        """New data (or a start): warm the first pages once things settle."""
        with self.ready:
            self.poked_at = time.monotonic()
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="jejak-warm", daemon=True)
                self.thread.start()
            self.ready.notify()

    def refresh(self, question: str, answer: Callable[[], Any]) -> None:
        """Answer ``question`` anew in the next round (a page shown on older data)."""
        with self.ready:
            self.asked[question] = answer
        self.poke()

    def stop(self) -> None:
        """Finish the page being built and stop (before the workspace closes)."""
        with self.ready:
            self.stopping = True
            self.ready.notify_all()
        if self.thread is not None:
            self.thread.join()

    def _run(self) -> None:
        from jejak.server.dashboard import warm

        while True:
            with self.ready:
                while self.poked_at is None and not self.stopping:
                    self.ready.wait()
                if self.stopping:
                    return
                due = max(self.poked_at + self.settle, self.warmed_at + self.interval)
                if time.monotonic() < due:
                    self.ready.wait(due - time.monotonic())
                    continue
                self.poked_at = None
            try:  # analyses read people's touchpoints stitched once, not on each call
                with self.state.workspace.reader() as view:
                    view.stitch()
            except Exception:
                log.exception("could not keep the stitched touchpoints")
            with self.ready:
                asked, self.asked = self.asked, {}
            tasks = [(slug, lambda slug=slug: warm(self.state, slug)) for slug in self.pages]
            for what, task in [*tasks, *asked.items()]:
                if self.stopping:
                    return
                try:
                    task()
                except Exception:  # a page that fails now fails for its reader, with words
                    log.exception("could not compute %s in the background", what)
            try:  # answers kept for older data go, once the pages have newer ones
                with self.state.using() as workspace:
                    results.prune(workspace.con)
            except Exception:
                log.exception("could not drop the answers kept for older data")
            with self.ready:
                self.warmed_at = time.monotonic()
                self.rounds += 1
                self.ready.notify_all()
