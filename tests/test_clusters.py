"""Behavioural clusters: exact groups and words on a hand-made log (both engines), and the
planted content followers found on the simulated shop."""

from __future__ import annotations

import pandas as pd
import pytest

import jejak
from jejak.analyses.clusters import fit_clusters
from jejak.errors import JejakError


def _log() -> str:
    rows = ["customer_id,ts,event,channel,revenue,properties"]
    for i in range(6):  # readers from Instagram: content, never buy
        p = f"r{i}"
        rows.append(f"{p},2026-01-01 10:0{i}:00,page_view,social,,")
        rows += [f"{p},2026-01-0{d} 10:00:00,content_view,social,," for d in range(2, 7)]
    for i in range(6):  # buyers from search: product, three orders, a 10 on NPS
        p = f"b{i}"
        rows.append(f"{p},2026-01-01 11:0{i}:00,page_view,search,,")
        rows.append(f"{p},2026-01-02 10:00:00,product_view,search,,")
        for n, day in enumerate((3, 10, 20), start=1):
            props = '"{""order_number"": ' + str(n) + "}" + '"'
            rows.append(f"{p},2026-01-{day:02d} 10:00:00,order,direct,300,{props}")
        rows.append(f'{p},2026-01-21 10:00:00,nps_response,email,,"{{""score"": 10}}"')
    for i in range(6):  # one ad click, nothing more
        rows.append(f"a{i},2026-01-01 12:0{i}:00,page_view,ads,,")
    return "\n".join(rows) + "\n"


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace()
    ws.load(write_file("log.csv", _log()))
    return on_engine(ws)


def test_three_kinds_of_people_make_three_described_clusters(source):
    result = source.clusters(k=3)
    people = result.people.set_index("person_id")["cluster"]
    groups = {p[0]: set(people[people.index.str.startswith(p[0])]) for p in ("r", "b", "a")}
    assert all(len(clusters) == 1 for clusters in groups.values())  # each kind is one cluster
    assert len({c for clusters in groups.values() for c in clusters}) == 3
    table = result.table.set_index("cluster")
    words = {kind: table.loc[groups[kind].pop(), "description"] for kind in ("r", "b", "a")}
    assert words == {
        "r": "mostly social, stalls at Engagement, reads content, no purchases",
        "b": "mostly search, stalls at Advocate, little content, high spend, high NPS",
        "a": "mostly ads, stalls at Awareness, little content, no purchases",
    }
    assert table["people"].tolist() == [6, 6, 6]
    assert table["share"].sum() == pytest.approx(1.0)
    buyers = table[table["description"].str.contains("high spend")].iloc[0]
    assert (buyers["buyers"], buyers["revenue"], buyers["nps"]) == (1.0, 900.0, 10.0)
    assert result.meta["k"] == 3 and result.meta["people"] == 18


def test_k_is_chosen_when_not_given_and_clusters_repeat(source):
    first, again = source.clusters(), source.clusters()
    assert 3 <= first.meta["k"] <= 8
    pd.testing.assert_frame_equal(first.people, again.people)


def test_bad_k_is_refused(source):
    with pytest.raises(JejakError, match="k is a number of clusters"):
        source.clusters(k=0)
    with pytest.raises(JejakError, match="only 18 people to cluster"):
        source.clusters(k=40)


def test_a_cluster_of_the_planted_content_followers(tmp_path):
    from jejak.simulate import simulate_shop

    shop = simulate_shop(customers=6_000, seed=11)
    ws = jejak.open(":memory:")
    ws.load(shop.write(tmp_path)["touchpoints"])
    result = ws.clusters()
    people = shop.people().to_pandas()
    ids = people["customer_id"].fillna("anon:" + people["anonymous_id"])
    follower = pd.Series(shop.journeys.follower, index=ids)
    clusters = result.people.set_index("person_id")["cluster"]
    purity = follower.reindex(clusters.index).groupby(clusters).mean()
    readers = result.table.set_index("cluster")["description"].str.contains("reads content")
    # the clusters that read content are the planted followers, and only they
    assert readers.any()
    assert (purity[readers[readers].index] > 0.9).all()
    assert (purity[readers[~readers].index] < 0.4).all()


def test_one_fit_serves_until_the_data_changes(open_workspace, write_file, monkeypatch):
    """The clusters and the journey map's personas read one fit, in each language, while
    the data stays the same; another k is another fit, and a load makes a new one."""
    from jejak import language
    from jejak.analyses import journeys

    fits = []

    def counted(*args, **options):
        fits.append(options["k"])
        return fit_clusters(*args, **options)

    monkeypatch.setattr(journeys, "fit_clusters", counted)
    ws = open_workspace()
    ws.load(write_file("log.csv", _log()))
    first = ws.clusters()
    assert "behavioural cluster" in ws.journey_map(min_people=1).lanes.personas[""]
    with language.speaking("id"):
        said = ws.clusters().table["description"]
    assert said.str.startswith("kebanyakan dari ").all()  # described anew in the language
    assert fits == [None]
    ws.clusters(k=3)
    assert fits == [None, 3]
    ws.load(
        write_file(
            "more.csv", "customer_id,ts,event,channel\nn1,2026-02-01 10:00:00,page_view,ads\n"
        )
    )
    assert ws.clusters().meta["people"] == first.meta["people"] + 1 == 19
    assert fits == [None, 3, None]


def test_a_parts_fit_serves_each_request_for_it_until_the_data_changes(
    open_workspace, write_file, monkeypatch
):
    """A segment's or date range's clusters (its journey map's personas) are fitted once
    while the data stays the same, though every request cuts the part anew; each part has
    its own fit, the whole its own, and a load makes new ones."""
    from jejak.analyses import journeys

    fits = []

    def counted(events, *args, **options):
        fits.append(int(events.person_id.nunique().to_pyarrow().as_py()))
        return fit_clusters(events, *args, **options)

    monkeypatch.setattr(journeys, "fit_clusters", counted)
    settings = jejak.Settings(segments={"readers": {"first": {"channel": "social"}}})
    ws = open_workspace(settings)
    ws.load(write_file("log.csv", _log()))
    for _ in range(2):
        readers = ws.segment("readers").clusters()
        assert readers.meta["people"] == 6
        ws.segment("readers").journey_map(min_people=1)
        ws.between("2026-01-01", "2026-01-02").clusters()
    assert fits == [6, 18]  # the readers', then everyone's of the first day
    ws.clusters()
    assert fits == [6, 18, 18]  # the whole's own
    for _ in range(2):  # a part of a part: the buyers' first day
        assert ws.between("2026-01-01", "2026-01-02").only("order").clusters().meta["people"] == 6
    assert fits == [6, 18, 18, 6]
    ws.load(
        write_file(
            "more.csv", "customer_id,ts,event,channel\nn1,2026-02-01 10:00:00,page_view,social\n"
        )
    )
    assert ws.segment("readers").clusters().meta["people"] == 7
    assert fits[-1] == 7
