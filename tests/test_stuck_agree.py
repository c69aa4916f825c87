"""The overview's stuck and the journey map's stuck audiences are one definition: in
the stage (their furthest) longer than the usual time to move on from it, the 90th
percentile of the days its people who moved on took, not rounded. On a log where
rounding up to whole days would lose someone, on both engines."""

from __future__ import annotations

import pytest

import jejak
from jejak.analyses.stages import usual_days
from jejak.report.html.stages import stuck_sections
from jejak.report.stuck import recently_stuck_note

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
    cells = section.cell_saves[rows.index("Tertarik")]
    usual = {"stage": "Tertarik", "days": pytest.approx(1.1)}
    assert cells == {
        "stuck": {"stuck": usual},
        "recently_stuck": {"stuck": usual | {"within": 30.0}},
    }
    assert section.cell_saves[rows.index("Kenal")] == {}  # nobody stuck: nothing to save
    ws.save_segment("lama", cells["stuck"])
    members = ws.segment("lama").members().to_pyarrow()["person_id"].to_pylist()
    assert sorted(members) == ["s1", "s2"]
    ws.save_segment("baru", {"stuck": {"stage": "Tertarik", "days": 1.1, "within": 1}})
    members = ws.segment("baru").members().to_pyarrow()["person_id"].to_pylist()
    assert members == ["s1"]
    assert (
        "past it within the last 1 day"
        in ws.segments().table.set_index("segment").loc["baru", "definition"]
    )


def test_the_recently_stuck_passed_the_usual_time_within_the_days_given(source):
    # the usual time in Tertarik is 1.1 days: s1 (1.5 days in) passed it 0.4 days before
    # the data's end, s2 (3 days in) 1.9 days before
    counts = source.stuck_by_stage(within=1).table.set_index("stage")
    assert counts.loc["Tertarik", ["stuck", "recently_stuck"]].tolist() == [2, 1]
    assert counts.loc["Kenal", "recently_stuck"] == 0
    counts = source.stuck_by_stage(within=1.9).table.set_index("stage")
    assert counts.loc["Tertarik", "recently_stuck"] == 2  # 1.9 days ago is within 1.9
    counts = source.stuck_by_stage(within=1.8).table.set_index("stage")
    assert counts.loc["Tertarik", "recently_stuck"] == 1
    recent = source.stuck("Tertarik", 1.1, within=1)
    assert recent.table["person_id"].tolist() == ["s1"]
    assert recent.meta["within"] == 1
    assert recent.title == "Stuck in Tertarik for more than 1.1 days, past it within the last 1 day"
    everyone = source.stuck("Tertarik", 1.1)
    assert everyone.table["person_id"].tolist() == ["s2", "s1"]  # longest in stage first
    # the default: past it within the last 30 days
    assert source.stuck_by_stage().meta["within"] == 30
    assert recently_stuck_note(source.stuck_by_stage()) == ""
    # s1 passed the usual time 0.4 days before the end: nobody within the last 0.3 days
    said = recently_stuck_note(source.stuck_by_stage(within=0.3))
    assert said.startswith("Nobody passed a stage's usual time in the last 0.3 days")
    assert "--within in the CLI, within= in the library and API" in said


def test_the_cli_shows_the_stuck_of_each_stage_and_lists_the_recently_stuck(tmp_path):
    import json

    from invoking import invoke as run

    (tmp_path / "jejak.yaml").write_text(json.dumps(SETTINGS), "utf-8")  # JSON is YAML
    (tmp_path / "log.csv").write_text(LOG, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("stages", "--within", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stuck = done.stdout.split("Stuck in a stage, as of ")[1]
    rows = [line.split("│")[1:-1] for line in stuck.splitlines() if "│" in line]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["Kenal", "1", "0.0\xa0days", "0", "0"],
        ["Tertarik", "2", "1.1\xa0days", "2", "1"],
    ]
    assert "Stuck in the last 1 day" in stuck
    said = " ".join(stuck.split())  # the hint may wrap
    assert "List them: jejak stages --stuck Tertarik --days 1.1 --within 1." in said
    assert "jejak segments save NAME --stuck Tertarik:1.1:1" in said
    done = run("stages", "--stuck", "Tertarik", "--days", "1.1", "--within", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 person stuck in Tertarik for more than 1.1 days (as of" in done.stdout
    assert "past it within the last 1 day" in done.stdout
    assert "s1" in done.stdout and "s2" not in done.stdout
    done = run("stages", "--within", "0.3", cwd=tmp_path)
    assert "Nobody passed a stage's usual time in the last 0.3 days" in done.stdout
    assert "List them: jejak stages --stuck Tertarik --days 1.1." in " ".join(done.stdout.split())
    done = run("stages", "--stuck", "Tertarik", "--days", "1.1", cwd=tmp_path)
    assert "2 people stuck in Tertarik" in done.stdout and "within" not in done.stdout
