"""A person's touchpoints in order: the one definition of "next" every analysis shares.

Touchpoints are ordered by time, then event_id, so two touchpoints in the same second
still have a fixed order on every engine.
"""

from __future__ import annotations

import ibis


def _window(events: ibis.Table) -> ibis.Window:
    return ibis.window(group_by=events.person_id, order_by=[events.ts, events.event_id])


def position(events: ibis.Table) -> ibis.Value:
    """0 for a person's first touchpoint, 1 for the next, ..."""
    return ibis.row_number().over(_window(events))


def following(events: ibis.Table, column: str) -> ibis.Value:
    """``column`` of the person's next touchpoint (NULL after the last one)."""
    return events[column].lead().over(_window(events))
