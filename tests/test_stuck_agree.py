"""The overview's stuck and the journey map's stuck audiences are one definition: in
the stage (their furthest) longer than the usual time to move on from it, the 90th
percentile of the days its people who moved on took, not rounded. On a log where
rounding up to whole days would lose someone, on both engines."""

from __future__ import annotations

import pytest

import jejak
from jejak.analyses.stages import usual_days
from jejak.report.html.stages import stuck_sections

SETTINGS = {
    "journey": {
        "name": "toko",
        "stages": [
            {"name": "Kenal", "rules": [{"any": True}]},
            {"name": "Tertarik", "rules": [{"event": "lihat_produk"}]},
            {"name": "Daftar", "rules": [{"event": "daftar"}]},
        ],
    }
}
# p1-p4 sign up 12 hours after looking, p5 36 hours after: the usual time in Tertarik
# is 0.5 + 0.6 x (1.5 - 0.5) = 1.1 days (interpolated). The data ends on 6 March at
# 00:00 (e's visit): s1 has been in Tertarik 1.5 days, s2 3 days, so both are stuck
# (rounded up to 2 days, s1 would not be). Nobody left Daftar: no usual time, no stuck.
LOG = """customer_id,ts,event
p1,2026-03-01 00:00:00,lihat_produk
p1,2026-03-01 12:00:00,daftar
p2,2026-03-01 00:00:00,lihat_produk
p2,2026-03-01 12:00:00,daftar
p3,2026-03-01 00:00:00,lihat_produk
p3,2026-03-01 12:00:00,daftar
p4,2026-03-01 00:00:00,lihat_produk
p4,2026-03-01 12:00:00,daftar
p5,2026-03-01 00:00:00,lihat_produk
p5,2026-03-02 12:00:00,daftar
s1,2026-03-04 12:00:00,lihat_produk
s2,2026-03-03 00:00:00,lihat_produk
e,2026-03-06 00:00:00,kunjungi
"""


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def test_the_overview_and_the_journey_map_count_the_same_stuck(source):
    usual = usual_days(source.stages().table)
    assert usual == pytest.approx({"Kenal": 0.0, "Tertarik": 1.1})
    overview = source.stuck_by_stage().table.set_index("stage")
    assert overview.loc["Tertarik", ["current", "stuck"]].tolist() == [2, 2]
    assert overview.loc["Tertarik", "days"] == pytest.approx(1.1)
    assert overview.loc["Kenal", "stuck"] == 0  # e is 0 days in, not over 0
    shown = stuck_sections(source, source.stages())[0].table.set_index("stage")
    assert shown["stuck"].to_dict() == overview["stuck"].to_dict()
    people = source.stuck("Tertarik", overview.loc["Tertarik", "days"]).table["person_id"]
    assert sorted(people) == ["s1", "s2"]
    lanes = source.journey_map(min_people=1).lanes.opportunities
    stuck = lanes[lanes["kind"] == "stuck"].set_index("stage")
    assert stuck["people"].to_dict() == {"Tertarik": 2}
    assert stuck.loc["Tertarik", "value"] == pytest.approx(1.1)
    assert "longer than 1.1 days" in stuck.loc["Tertarik", "detail"]


def test_the_stuck_saved_from_the_overview_are_the_ones_it_counted(open_workspace, write_file):
    ws = open_workspace(jejak.Settings.model_validate(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    section = stuck_sections(ws, ws.stages())[0]
    rows = list(section.table["stage"])
    cell = section.saves[rows.index("Tertarik")]
    assert cell == {"stuck": {"stage": "Tertarik", "days": pytest.approx(1.1)}}
    ws.save_segment("lama", cell)
    members = ws.segment("lama").members().to_pyarrow()["person_id"].to_pylist()
    assert sorted(members) == ["s1", "s2"]
