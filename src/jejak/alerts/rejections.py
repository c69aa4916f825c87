"""Rule ``rejected``: the share of events the collector refused today.

Definitions: *today* is the calendar day of ``now`` in the workspace's time zone, from
its 00:00 to ``now``. The collector's loads are those it records (their file starts with
``collector:``: events, identify calls and Segment's calls). The share is the rows
rejected over the rows received, summed over those loads; the rule fires when at least
``min_events`` were received and the share is more than ``above`` percent.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import duckdb

from jejak.alerts.findings import Finding, dashboard_path
from jejak.language import gettext
from jejak.model.watch import Rejected
from jejak.report import formatting as fmt

COLLECTOR_LOADS = "collector:%"


def check_rejected(
    name: str, rule: Rejected, con: duckdb.DuckDBPyConnection, zone: str, now: datetime
) -> Finding:
    """The rule on today's collector loads, up to ``now`` (aware)."""
    local = now.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(local.date(), time(), ZoneInfo(zone)).astimezone(UTC)
    received, rejected = con.execute(
        "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_rejected), 0) FROM loads"
        " WHERE file LIKE ? AND loaded_at >= ? AND loaded_at <= ?",
        [COLLECTOR_LOADS, midnight, now.astimezone(UTC)],
    ).fetchall()[0]
    received, rejected = int(received), int(rejected)
    share = rejected / received if received else float("nan")
    fired = received >= rule.min_events and share > rule.above / 100
    if received:
        message = gettext(
            "The collector rejected {rejected} of the {received} events it was sent on {day}"
            " ({share}; the rule allows {above})"
        )
    else:
        message = gettext("The collector was sent no events on {day}")
    text = message.format(
        rejected=fmt.people(rejected),
        received=fmt.people(received),
        day=fmt.day(local.date()),
        share=fmt.percent(share),
        above=fmt.percent(rule.above / 100),
    )
    numbers = {
        "day": local.date().isoformat(),
        "received": received,
        "rejected": rejected,
        "share": share,
        "above": rule.above / 100,
    }
    return Finding(
        name, rule.kind, local.date().isoformat(), fired, text, dashboard_path("data"), numbers
    )
