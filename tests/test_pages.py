"""The dashboard's pages and the report show the same things: every section a page
shows (its heading, its charts) is in the mailable report too."""

from __future__ import annotations

import pytest

import jejak
from jejak.server.pages import PAGES, build

# pages whose content is the reader's own choice or the workspace's housekeeping
NOT_IN_REPORT = {
    "funnels": "its steps are chosen in the builder; the report has the stage funnel",
    "data": "loads, rejected rows and fields are about the workspace, not the journey",
}
# sections whose rows are buttons that save a segment: the report has their chart
DASHBOARD_ONLY = {
    "Each step of these paths": "the path nodes' rows save a segment; the report has the Sankey",
}


@pytest.fixture(scope="module")
def shop(demo_workspace):
    return demo_workspace(2_000, seed=5)


def test_every_dashboard_section_is_in_the_report(shop, demo_report_sections):
    report = demo_report_sections("en")
    charts = {}
    for section in report:
        charts[section.heading] = charts.get(section.heading, 0) + len(section.figures)
    checked = 0
    for page in PAGES:
        if page.slug in NOT_IN_REPORT:
            continue
        for section in build(page, shop, {}):
            if section.heading in DASHBOARD_ONLY:
                assert section.heading not in charts, "in the report now: drop it from the list"
                continue
            assert section.heading in charts, (page.slug, section.heading, sorted(charts))
            assert charts[section.heading] >= len(section.figures), (page.slug, section.heading)
            checked += 1
    assert checked >= 30  # every page showed its sections (none fell back to a note)


def test_the_funnel_page_reads_for_people(shop):
    page = next(p for p in PAGES if p.slug == "funnels")
    table = build(page, shop, {"step": ["page_view", "order"], "by": "channel"})[0].table
    assert list(table.columns[:3]) == ["Channel", "Step", "Entered"]
    assert table["Of step 1"].str.endswith("%").all()
    assert not table["Median time to next"].str.fullmatch(r"[\d,.]+").any()  # says its unit


def test_retention_and_value_pages_split_by_what_the_reader_picks(shop):
    retention = next(p for p in PAGES if p.slug == "retention")
    kept = build(retention, shop, {"by": "channel", "period": "week"})[0]
    assert kept.heading == "Who kept buying by channel"
    expected = shop.retention(period="week", active="order", by="channel").table
    assert (
        set(kept.table["Channel"]) == set(expected["channel"]) and len(set(expected["channel"])) > 2
    )
    first = expected[expected["period"] == 0].groupby("channel")["cohort_size"].sum()
    shown = kept.table.groupby("Channel")["People"].apply(
        lambda c: sum(int(v.replace(",", "")) for v in c)
    )
    assert shown.to_dict() == first.to_dict()  # every group's buyers, cohort by cohort
    # on or after, without groups: the cohorts, the pooled curve, the trend, the lifecycle
    # and how many days of a week people came
    everyone = build(retention, shop, {"returned": "on_or_after"})
    assert [s.heading for s in everyone][1:3] == [
        "Rolling retention: all cohorts together",
        "Active 1 month after joining, cohort by cohort",
    ]
    assert everyone[-1].heading == "Days active per week"
    unbounded = shop.retention(active="order", returned="on_or_after").curve()
    shown = everyone[1].table["Active"].str.replace(",", "").astype(int).tolist()
    assert shown == unbounded[unbounded["period"] > 0]["active"].tolist()
    value = next(p for p in PAGES if p.slug == "value")
    (by_segment,) = build(value, shop, {"by": "segment"})
    assert "segment" in by_segment.heading
    assert "instagram" in set(by_segment.table.iloc[:, 0])


def test_the_contact_page_splits_messages_as_asked(shop):
    contact = next(p for p in PAGES if p.slug == "contact")
    for by in ("channel", "segment"):
        messages = build(contact, shop, {"by": by})[0]
        assert messages.heading == f"Messages by {by}"
        expected = shop.contact_metrics(by=by).table.head(15)
        assert messages.table[by].tolist() == expected[by].tolist()
        assert messages.columns[0].label == by.capitalize()


def test_amounts_read_in_the_shops_currency(shop, tmp_path, write_file):
    assert shop.currency() == "IDR"  # the simulated shop sells in rupiah
    value = build(next(p for p in PAGES if p.slug == "value"), shop, {})[0]
    cells = value.table["Per buyer"].tolist()
    assert all(c.startswith("IDR ") and "." not in c for c in cells)  # no minor unit
    ws = jejak.Workspace(tmp_path / "mixed.duckdb")
    ws.load(write_file("orders.csv", (
        "customer_id,ts,event,revenue,currency\n"
        "c1,2026-01-01 00:00:00,order,10,usd\n"
        "c2,2026-01-02 00:00:00,order,12,USD\n"
        "c3,2026-01-03 00:00:00,order,9,EUR\n"
        "c4,2026-01-03 00:00:00,page_view,,JPY\n"
    )))  # fmt: skip
    assert ws.currency() is None  # USD and EUR: amounts are not converted, so plain numbers
    assert ws.between("2026-01-03", None).currency() is None  # the shop's, in any scope
    usd = jejak.Workspace(tmp_path / "usd.duckdb")
    usd.load(write_file("usd.csv", (
        "customer_id,ts,event,revenue,currency\n"
        "c1,2026-01-01 00:00:00,order,10,usd\n"
        "c2,2026-01-02 00:00:00,order,12, USD\n"
        "c4,2026-01-03 00:00:00,page_view,,JPY\n"
    )))  # fmt: skip
    assert usd.currency() == "USD"  # codes read alike; a code without revenue is no sign
    plain = jejak.Workspace(tmp_path / "plain.duckdb")
    plain.load(write_file("plain.csv", "customer_id,ts,event,revenue\nc1,2026-01-01,order,5\n"))
    assert plain.currency() is None
