"""Engagement groups on a hand-made log, on both engines."""

from __future__ import annotations

import pytest

import jejak

LOG = """
customer_id,ts,event
a,2026-01-01 10:00:00,content_view
a,2026-01-02 10:00:00,content_view
a,2026-01-03 10:00:00,content_view
a,2026-01-04 10:00:00,order
a,2026-01-05 10:00:00,email_sent
a,2026-01-05 11:00:00,email_open
a,2026-01-05 11:01:00,email_click
a,2026-01-12 10:00:00,email_sent
a,2026-01-12 11:00:00,email_open
b,2026-01-01 10:00:00,product_view
b,2026-01-02 10:00:00,product_view
b,2026-01-03 10:00:00,order
b,2026-01-05 10:00:00,email_sent
b,2026-01-12 10:00:00,email_sent
c,2026-01-01 10:00:00,video_view
c,2026-01-02 10:00:00,product_view
c,2026-01-05 10:00:00,email_sent
c,2026-01-05 12:00:00,email_open
d,2026-01-01 10:00:00,page_view
e,2026-01-01 10:00:00,product_view
e,2026-01-02 10:00:00,product_view
e,2026-01-03 10:00:00,product_view
"""


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def test_groups_by_engagement_share(source):
    result = source.engagement_groups()
    people = result.people.set_index("person_id")
    # a 3 of 4, b 0 of 3, c 1 of 2 (at the threshold: follows), e 0 of 3; d has neither
    assert people["engagement_share"].to_dict() == {"a": 0.75, "b": 0.0, "c": 0.5, "e": 0.0}
    assert people["group"].to_dict() == {
        "a": "follows content",
        "b": "transactional only",
        "c": "follows content",
        "e": "transactional only",
    }
    rows = result.table.set_index("group").to_dict(orient="index")
    follows, transacts = rows["follows content"], rows["transactional only"]
    assert (follows["people"], follows["share"], follows["converted"]) == (2, 0.5, 0.5)
    assert (follows["sent"], follows["open_rate"]) == (3, 1.0)
    assert follows["click_rate"] == pytest.approx(1 / 3)
    assert (transacts["people"], transacts["converted"], transacts["sent"]) == (2, 0.5, 2)
    assert transacts["open_rate"] == 0.0


def test_the_threshold_moves_people(source):
    rows = source.engagement_groups(threshold=0.6).table.set_index("group")
    assert rows["people"].to_dict() == {"follows content": 1, "transactional only": 3}
    with pytest.raises(jejak.JejakError, match="threshold is a share"):
        source.engagement_groups(threshold=0)
