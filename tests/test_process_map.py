"""The process map on a hand-written log, on both engines, and against pm4py's DFG."""

from __future__ import annotations

from datetime import datetime

import pytest

import jejak

LOG = """
customer_id,ts,event,order_number
c1,2026-01-01 00:00:00,page_view,
c1,2026-01-01 00:05:00,product_view,
c1,2026-01-01 00:10:00,signup,
c1,2026-01-01 00:20:00,order,1
c2,2026-01-01 00:00:00,page_view,
c2,2026-01-01 00:01:00,product_view,
c2,2026-01-05 00:00:00,page_view,
c3,2026-01-02 00:00:00,product_view,
c3,2026-01-02 00:01:00,page_view,
"""

JOURNEY = jejak.Journey.model_validate(
    {
        "name": "small",
        "stages": [
            {"name": "Visit", "rules": [{"any": True}]},
            {"name": "Signup", "rules": [{"event": "signup"}]},
            {"name": "Buy", "rules": [{"event": "order", "where": {"order_number": 1}}]},
        ],
    }
)


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def edges(result) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (s, t): (n, p)
        for s, t, n, p in result.table[["source", "target", "transitions", "people"]].itertuples(
            index=False
        )
    }


def test_directly_follows_counts(shop):
    result = shop.process_map()
    assert edges(result) == {
        ("(start)", "page_view"): (2, 2),
        ("(start)", "product_view"): (1, 1),
        ("page_view", "product_view"): (2, 2),
        ("product_view", "page_view"): (2, 2),
        ("product_view", "signup"): (1, 1),
        ("signup", "order"): (1, 1),
        ("order", "(end)"): (1, 1),
        ("page_view", "(end)"): (2, 2),
    }
    table = result.table.set_index(["source", "target"])
    # page -> product: 300 s (c1) and 60 s (c2)
    assert table.loc[("page_view", "product_view"), "median_seconds"] == pytest.approx(180)
    assert table.loc[("page_view", "product_view"), "share_of_source"] == pytest.approx(0.5)
    assert result.meta["transitions"] == 12


def test_touchpoints_sit_in_their_stage(shop):
    nodes = shop.process_map().nodes.set_index("touchpoint")
    assert nodes["stage"].to_dict() == {
        "page_view": "Visit",
        "product_view": "Visit",
        "signup": "Signup",
        "order": "Buy",
    }
    assert nodes.loc["page_view", ["occurrences", "people"]].tolist() == [4, 3]


def test_min_count_and_date_range(shop):
    frequent = shop.process_map(min_count=2)
    assert set(edges(frequent)) == {
        ("(start)", "page_view"),
        ("page_view", "product_view"),
        ("product_view", "page_view"),
        ("page_view", "(end)"),
    }
    january_first = shop.process_map(end=datetime(2026, 1, 2))
    assert edges(january_first)[("product_view", "(end)")] == (1, 1)  # c2's later visit is cut
    assert ("product_view", "page_view") not in edges(january_first)


def test_same_counts_as_pm4py(tmp_path):
    import pm4py  # the test oracle (requirements.lock installs it)

    from jejak.simulate import simulate_shop

    files = simulate_shop(customers=1_500, seed=4).write(tmp_path)
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(files["touchpoints"])
        result = ws.process_map()
        log = (
            ws.events()
            .select("person_id", "event", "ts", "event_id")
            .order_by(["person_id", "ts", "event_id"])
            .to_pandas()
        )
    log = log.rename(
        columns={"person_id": "case:concept:name", "event": "concept:name", "ts": "time:timestamp"}
    )
    dfg, starts, ends = pm4py.discover_dfg(log)
    ours = edges(result)
    inner = {k: n for k, (n, _) in ours.items() if "(start)" not in k and "(end)" not in k}
    assert inner == dict(dfg)
    assert {t: n for (s, t), (n, _) in ours.items() if s == "(start)"} == dict(starts)
    assert {s: n for (s, t), (n, _) in ours.items() if t == "(end)"} == dict(ends)
    assert len(inner) > 50  # a real log, not a toy
