"""What a check of the watch rules found: one finding per rule and subject."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from jejak.analyses.result import Result, _json_value
from jejak.language import gettext


@dataclass
class Finding:
    """One rule checked on one subject (a week, a day, a campaign): whether it fired, the
    sentence a person reads, the numbers behind it, and the dashboard view that shows it.

    ``subject`` names what fired, so a firing is told once (see :mod:`.memory`)."""

    rule: str
    kind: str
    subject: str
    fired: bool
    message: str
    path: str
    numbers: dict[str, Any] = field(default_factory=dict)

    def url(self, link: str | None) -> str:
        """The dashboard view's address: ``path`` under ``link`` (the dashboard's base)."""
        return f"{link.rstrip('/')}{self.path}" if link else self.path

    def to_dict(self, link: str | None = None) -> dict[str, Any]:
        """JSON-safe, as a webhook receives it."""
        return {
            "rule": self.rule,
            "kind": self.kind,
            "subject": self.subject,
            "fired": self.fired,
            "message": self.message,
            "url": self.url(link),
            "numbers": {k: _json_value(v) for k, v in self.numbers.items()},
        }


def dashboard_path(page: str, **params: str) -> str:
    """``/dashboard/<page>?...`` with the parameters given (empty ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/dashboard/{page}" + (f"?{query}" if query else "")


@dataclass
class Findings(Result):
    """Every rule's findings; ``fired`` those that fired. ``table``: rule, kind, subject,
    fired, message, path."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def fired(self) -> list[Finding]:
        return [f for f in self.findings if f.fired]

    def to_dict(self) -> dict[str, Any]:
        link = self.meta.get("link")
        return super().to_dict() | {"findings": [f.to_dict(link) for f in self.findings]}


def findings_result(findings: list[Finding], meta: dict[str, Any]) -> Findings:
    """The findings as one result."""
    columns = ["rule", "kind", "subject", "fired", "message", "path"]
    table = pd.DataFrame([{c: getattr(f, c) for c in columns} for f in findings], columns=columns)
    return Findings(title=gettext("Watch rules"), table=table, meta=meta, findings=findings)
