"""Check every watch rule of the settings now: the findings, fired or not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from jejak.alerts.conversion import check_conversion
from jejak.alerts.findings import Finding, Findings, findings_result
from jejak.alerts.lift import check_lift
from jejak.alerts.rejections import check_rejected
from jejak.model.watch import CampaignLift, ConversionDrop, Rejected, Watch


def aware(moment: datetime | None) -> datetime | None:
    """A naive time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def check(
    source: Any,
    watch: Watch,
    *,
    loads: duckdb.DuckDBPyConnection | None,
    as_of: datetime | None = None,
    now: datetime | None = None,
) -> Findings:
    """Each rule of ``watch`` on ``source`` (a workspace or other :class:`JourneyAnalyses`).

    ``loads``: a connection to the workspace's loads table (the ``rejected`` rules; None:
    they are not checked). ``as_of`` is the data's "now" for the conversion rules (default:
    the latest touchpoint); ``now`` the clock's for the collector (default: the clock).
    """
    zone = source.settings.timezone
    now = aware(now) or datetime.now(UTC)
    findings: list[Finding] = []
    overview: pd.DataFrame | None = None
    for name, rule in watch.rules.items():
        if isinstance(rule, ConversionDrop):
            moment = aware(as_of) or aware(source.as_of())
            if moment is None:  # no touchpoints: nothing to compare
                continue
            findings.append(
                check_conversion(name, rule, source.events(), source.journey, zone, moment)
            )
        elif isinstance(rule, Rejected) and loads is not None:
            findings.append(check_rejected(name, rule, loads, zone, now))
        elif isinstance(rule, CampaignLift):
            if overview is None:
                overview = source.campaigns().table
            findings.extend(check_lift(name, rule, overview))
    meta = {"as_of": aware(as_of), "now": now, "link": watch.link, "fired": 0}
    result = findings_result(findings, meta)
    result.meta["fired"] = len(result.fired)
    return result
