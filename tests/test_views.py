"""Date ranges and groups of people: every analysis works on a part as on the whole."""

from __future__ import annotations

import pytest

import jejak

JOURNEY = jejak.Journey.model_validate(
    {
        "name": "small",
        "stages": [
            {"name": "Visit", "rules": [{"any": True}]},
            {"name": "Browse", "rules": [{"event": "product_view"}]},
            {"name": "Signup", "rules": [{"event": "signup"}]},
        ],
    }
)

# a1 browses anonymously in January and signs up as c1 in February;
# c2 (acquired by ads) browses in February; c3 (search) only visits in January
LOG = """
customer_id,anonymous_id,ts,event,channel
,a1,2026-01-10 00:00:00,page_view,search
,a1,2026-01-11 00:00:00,product_view,
c1,a1,2026-02-01 00:00:00,signup,
c2,,2026-02-02 00:00:00,page_view,ads
c2,,2026-02-03 00:00:00,product_view,search
c3,,2026-01-05 00:00:00,page_view,search
"""


@pytest.fixture
def shop(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings(journey=JOURNEY))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def reached(source) -> list[int]:
    return source.stages().table["reached"].tolist()


def test_date_range_keeps_people_stitched(shop):
    assert reached(shop) == [3, 2, 1]
    january = shop.between("2026-01-01", "2026-02-01")
    # a1's January browsing counts for c1, who signed up (in February) outside the range
    assert january.current_stages().table["person_id"].tolist() == ["c1", "c3"]
    assert reached(january) == [2, 1, 0]
    assert january.stages().meta["as_of"].isoformat().startswith("2026-01-11")
    assert reached(shop.between(start="2026-02-01")) == [2, 1, 1]


def test_groups_of_people(shop):
    assert reached(shop.only({"channel": "ads"}, first=True)) == [1, 1, 0]  # c2
    assert reached(shop.only({"channel": "search"}, first=True)) == [2, 1, 1]  # c1, c3
    assert reached(shop.only({"channel": "search"})) == [3, 2, 1]  # c2 had a search visit too
    assert reached(shop.only({"stage": "Signup"})) == [1, 1, 1]


def test_filters_compose_with_every_analysis(shop):
    part = shop.between("2026-02-01", "2026-03-01").only("product_view")
    assert part.funnel(["page_view", "product_view"]).table["entered"].tolist() == [1, 1]
    # c1 viewed a product in January, so c1 is in the group; in February c1 only signed up
    sources = set(part.process_map().table["source"])
    assert sources == {"(start)", "page_view", "product_view", "signup"}


def test_bad_dates_say_how_to_write_them(shop):
    with pytest.raises(jejak.ConfigError, match="not a date or time; write it like 2026-03-01"):
        shop.between("last week")


def test_people_are_chosen_on_all_the_data(shop):
    # c1's first touchpoint (a1's January search visit) is outside February, yet c1 was
    # acquired by search whichever way round the filters are written
    one = shop.between("2026-02-01").only({"channel": "search"}, first=True)
    other = shop.only({"channel": "search"}, first=True).between("2026-02-01")
    assert one.current_stages().table["person_id"].tolist() == ["c1"]
    assert other.current_stages().table["person_id"].tolist() == ["c1"]
