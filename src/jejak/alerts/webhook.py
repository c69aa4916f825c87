"""Alerts as JSON POSTs to a webhook: one request per alert (see :meth:`Finding.to_dict`)."""

from __future__ import annotations

import httpx

from jejak.alerts.findings import Finding
from jejak.model.watch import Webhook


def send(findings: list[Finding], hook: Webhook, link: str | None) -> None:
    """POST each alert; an answer that is not 2xx raises :class:`httpx.HTTPError`."""
    with httpx.Client(timeout=hook.timeout) as client:
        for finding in findings:
            client.post(hook.url, json=finding.to_dict(link)).raise_for_status()
