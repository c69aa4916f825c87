"""Send what fired, once: to each channel of ``notify:`` the firings it has not had."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import duckdb

from jejak.alerts import logline, mail, memory, webhook
from jejak.alerts.findings import Finding
from jejak.model.watch import Watch

log = logging.getLogger("jejak.alerts")

Connection = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def channels(watch: Watch) -> Iterator[tuple[str, Callable[[list[Finding]], None]]]:
    """The channels ``watch.notify`` names, each with the function that sends to it."""
    notify, link = watch.notify, watch.link
    if notify.log:
        yield "log", lambda found: logline.send(found, link)
    if notify.webhook is not None:
        hook = notify.webhook
        yield "webhook", lambda found: webhook.send(found, hook, link)
    if notify.email is not None:
        email = notify.email
        yield "email", lambda found: mail.send(found, email, link)


def notify(findings: list[Finding], watch: Watch, con: Connection) -> dict[str, int]:
    """Send each fired finding to each channel that has not had it; remember what went.
    ``con`` opens the workspace's connection for one turn (the server's writer's turn).
    A channel that fails is logged and tries again next time. Returns the alerts sent
    per channel."""
    fired = [f for f in findings if f.fired]
    counts: dict[str, int] = {}
    for channel, send in channels(watch):
        with con() as connection:
            done = memory.sent(connection, channel)
        new = [f for f in fired if (f.rule, f.subject) not in done]
        if not new:
            counts[channel] = 0
            continue
        try:
            send(new)
        except Exception:  # one failing channel must not stop the others
            log.exception("could not send %d alert(s) by %s", len(new), channel)
            counts[channel] = 0
            continue
        with con() as connection:
            memory.remember(connection, channel, [(f.rule, f.subject) for f in new])
        counts[channel] = len(new)
    return counts
