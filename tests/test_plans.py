"""Expressions an analysis builds are remembered per backend, table and parameters."""

from __future__ import annotations

import ibis

import jejak
from jejak.engine.plans import remembered

JOURNEY = {
    "stages": [
        {"name": "Visit", "rules": [{"any": True}]},
        {"name": "Buy", "rules": [{"event": "order"}]},
    ]
}


def counting_builder():
    calls: list[tuple[str, ...]] = []

    @remembered
    def build(events: ibis.Table, journey: jejak.Journey, top: int) -> ibis.Table:
        calls.append((journey.stage_names[-1], str(top)))
        return events.limit(top)

    return build, calls


def test_built_once_per_table_and_equal_parameters(open_workspace):
    ws = open_workspace()
    build, calls = counting_builder()
    first = build(ws.touchpoints(), jejak.Journey.model_validate(JOURNEY), 3)
    # an equal table and an equal journey read again: what was built is answered
    again = build(ws.touchpoints(), jejak.Journey.model_validate(JOURNEY), 3)
    assert again is first
    assert len(calls) == 1
    build(ws.touchpoints(), jejak.Journey.model_validate(JOURNEY), 4)
    other = {"stages": [*JOURNEY["stages"][:1], {"name": "Order", "rules": [{"event": "order"}]}]}
    build(ws.touchpoints(), jejak.Journey.model_validate(other), 3)
    assert calls == [("Buy", "3"), ("Buy", "4"), ("Order", "3")]


def test_each_backend_builds_its_own(open_workspace):
    build, calls = counting_builder()
    journey = jejak.Journey.model_validate(JOURNEY)
    one, two = open_workspace(name="one.duckdb"), open_workspace(name="two.duckdb")
    built = [build(ws.touchpoints(), journey, 3) for ws in (one, two, one)]
    assert len(calls) == 2
    assert built[0] is built[2] and built[0] is not built[1]
    with one.reader() as reader:  # a reader's cursor is a backend of its own
        build(reader.touchpoints(), journey, 3)
    assert len(calls) == 3


def test_a_table_of_no_backend_is_built_each_time():
    build, calls = counting_builder()
    table = ibis.table({"event": "string"}, name="t")
    build(table, jejak.Journey.model_validate(JOURNEY), 3)
    build(table, jejak.Journey.model_validate(JOURNEY), 3)
    assert len(calls) == 2


def test_a_journey_bound_to_other_roles_is_another_parameter(open_workspace):
    # a funnel step names a role, bound through the journey's roles, which its JSON omits
    ws = open_workspace()
    build, calls = counting_builder()
    journey = jejak.Journey.model_validate(JOURNEY)
    shop = jejak.Settings().roles.bind_journey(journey)
    other = jejak.Settings(roles={"purchase": ["buy"]}).roles.bind_journey(journey)
    assert shop.model_dump_json() == other.model_dump_json()
    for bound in (shop, other, shop):
        build(ws.touchpoints(), bound, 3)
    assert len(calls) == 2


def test_tables_and_tuples_are_parameters_by_what_they_hold(open_workspace):
    # another table by what it computes (built again, equal), a tuple by its items
    ws = open_workspace()
    calls = []

    @remembered
    def build(events: ibis.Table, other: ibis.Table, names: tuple) -> ibis.Table:
        calls.append(names)
        return events.join(other, "event").select(*names)

    def other(limit: int) -> ibis.Table:
        return ws.touchpoints().select("event").distinct().limit(limit)

    first = build(ws.touchpoints(), other(3), ("event", "ts"))
    assert build(ws.touchpoints(), other(3), ("event", "ts")) is first
    build(ws.touchpoints(), other(4), ("event", "ts"))
    build(ws.touchpoints(), other(3), ("event",))
    assert calls == [("event", "ts"), ("event", "ts"), ("event",)]
