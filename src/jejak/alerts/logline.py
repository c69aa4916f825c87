"""Alerts as lines in the log (the logger ``jejak.alerts``, at WARNING)."""

from __future__ import annotations

import logging

from jejak.alerts.findings import Finding

log = logging.getLogger("jejak.alerts")


def send(findings: list[Finding], link: str | None) -> None:
    """One warning per alert: the rule, what it found, and where to look."""
    for finding in findings:
        log.warning("%s: %s (%s)", finding.rule, finding.message, finding.url(link))
