"""A cell of an analysis saved as a segment by the same parameters: a funnel's step (or
its drop-off), the people stuck in a stage, a retention cell; exact people on a
hand-made log, on both engines, and from the CLI."""

from __future__ import annotations

import pytest

import jejak
from jejak.model.config import parse_settings
from test_segments import LOG, _people

SETTINGS = """
segments:
  reached order:
    funnel: {steps: [page_view, order], step: 2}
  stopped at a view:
    funnel: {steps: [page_view, order], step: 1, stopped: true}
  stuck aware:
    stuck: {stage: Awareness, days: 20}
  back in february:
    retention: {cohort: 2026-01-15, period: 1}
  back since:
    retention: {cohort: 2026-01-15, period: 1, returned: on_or_after}
  social buyers by funnel:
    first: {channel: social}
    funnel: {steps: [page_view, order], step: 2}
"""
MEMBERS = {
    # a, b and f ordered within 30 days of a page view; c, d and e did not
    "reached order": {"a", "b", "f"},
    "stopped at a view": {"c", "d", "e"},
    # c's only touchpoint is a page view on 1 January, 35 days before the data's end
    "stuck aware": {"c"},
    # everyone joined in January; b ordered and e signed up in February
    "back in february": {"b", "e"},
    "back since": {"b", "e"},
    "social buyers by funnel": {"a", "f"},
}


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace(parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def test_each_cell_holds_exactly_its_people(source):
    for name, people in MEMBERS.items():
        assert _people(source.segment(name)) == people, name
    # a segment of a cell filters any analysis, as any segment does
    assert source.segment("reached order").stages().meta["people"] == 3


def test_the_cells_as_people_lists(source):
    reached = source.funnel_audience(["page_view", "order"], 2).table
    assert sorted(reached["person_id"]) == ["a", "b", "f"]
    month = source.retention_audience("2026-01-31", 0).table
    assert sorted(month["person_id"]) == ["a", "b", "c", "d", "e", "f"]
    with pytest.raises(jejak.JejakError, match="step 3 is past the funnel's last"):
        source.funnel_audience(["page_view", "order"], 3)


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"funnel": {"steps": ["page_view", "order"], "step": 3}}, "past the funnel's last"),
        ({"funnel": {"steps": ["page_view", "order"], "step": 2, "stopped": True}},
         "nobody stops at a funnel's last step"),
        ({"stuck": {"stage": "Nowhere", "days": 3}}, "'Nowhere' is not a stage"),
        ({"retention": {"cohort": "2026-01-01", "period": -1}}, "greater than or equal to 0"),
    ],
)  # fmt: skip
def test_bad_cells_say_what_is_wrong(open_workspace, write_file, definition, message):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with pytest.raises(jejak.JejakError, match=message):
        ws.save_segment("bad", definition)


def test_cells_save_from_the_cli(tmp_path):
    from invoking import invoke as run

    (tmp_path / "log.csv").write_text(LOG.lstrip(), "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run(
        "segments", "save", "dropped", "--funnel", "page_view", "--funnel", "order",
        "--step", "1", "--stopped", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Saved segment 'dropped': stopped at step 1 of page_view > order (3 people)" in (
        done.stdout
    )
    done = run("segments", "save", "stalled", "--stuck", "Awareness:20", cwd=tmp_path)
    assert "(1 person)" in done.stdout, done.stderr
    # c, 35 days in Awareness, passed 20 days 15 days ago: within the last 30, not 10
    done = run("segments", "save", "lately", "--stuck", "Awareness:20:30", cwd=tmp_path)
    assert "stuck in Awareness over 20 days, past it within the last 30 days (1 person)" in (
        done.stdout
    ), done.stderr
    done = run("segments", "save", "later", "--stuck", "Awareness:20:10", cwd=tmp_path)
    assert "(0 people)" in done.stdout, done.stderr
    done = run("segments", "save", "x", "--stuck", "Awareness", cwd=tmp_path)
    assert done.returncode == 2 and "--stuck is STAGE:DAYS" in done.stdout + done.stderr
    done = run("segments", "save", "feb", "--retention", "2026-01-01:1", cwd=tmp_path)
    assert "(2 people)" in done.stdout, done.stderr
    done = run("segments", "save", "half", "--funnel", "page_view", cwd=tmp_path)
    assert done.returncode == 2 and "--funnel needs --step" in done.stdout + done.stderr


def test_a_stuck_cell_says_its_days_as_people_read_them():
    from jejak.model.segment import SegmentRule

    def said(days):
        return SegmentRule.model_validate({"stuck": {"stage": "Convert", "days": days}}).describe()

    # a stage's own threshold is its unrounded p90 of days to the next stage
    assert said(41 / 12) == "stuck in Convert over 3.4 days"
    assert said(20) == "stuck in Convert over 20 days"
    assert said(1) == "stuck in Convert over 1 day"
    recent = {"stuck": {"stage": "Convert", "days": 20, "within": 1}}
    assert SegmentRule.model_validate(recent).describe() == (
        "stuck in Convert over 20 days, past it within the last 1 day"
    )


def test_a_cell_saves_through_the_api(tmp_path, write_file):
    import httpx

    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG))
    keys = ensure_keys(ws.con)
    cell = {"funnel": {"steps": ["page_view", "order"], "step": 1, "stopped": True}}
    with running(create_app(ws)) as base:

        def save(body, key="read", **headers):
            if key:
                headers["Authorization"] = f"Bearer {keys[key]}"
            return httpx.post(base + "/v1/segments", json=body, headers=headers, timeout=60)

        saved = save({"name": "dropped", "definition": cell})
        assert saved.status_code == 201, saved.text
        assert saved.json() == {
            "name": "dropped",
            "definition": "stopped at step 1 of page_view > order",
            "people": 3,
        }
        listed = httpx.get(
            base + "/v1/analyses/segments",
            headers={"Authorization": f"Bearer {keys['read']}"},
            timeout=60,
        ).json()["table"]
        assert {"segment": "dropped", "people": 3} in [
            {k: row[k] for k in ("segment", "people")} for row in listed
        ]
        assert save({"name": "dropped", "definition": cell}).status_code == 422  # saved
        bad = save({"name": "x", "definition": {"stuck": {"stage": "Nowhere", "days": 1}}})
        assert bad.status_code == 422 and "'Nowhere' is not a stage" in bad.text
        assert save({"name": "y", "definition": cell}, key="write").status_code == 401
        # a signed-in browser's cookie alone is not enough: another site could send it
        from test_server import _sign_in

        session = _sign_in(base, keys["read"]).cookies["jejak_session"]
        cookies = {"jejak_session": session}
        body = {"name": "z", "definition": cell}
        plain = httpx.post(base + "/v1/segments", json=body, cookies=cookies, timeout=60)
        assert plain.status_code == 403
        asked = httpx.post(
            base + "/v1/segments",
            json=body,
            cookies=cookies,
            headers={"X-Jejak-Request": "1"},
            timeout=60,
        )
        assert asked.status_code == 201, asked.text
    ws.close()


def test_the_stuck_of_each_stage_are_counted_as_stuck_finds_them(source):
    # days in their stage at the data's end (5 February): c 34.9 in Awareness, e 3.8 in
    # Subscribe, a 32.0 and f 25.8 in Convert; nobody is in Excite
    days = {"Awareness": 20, "Subscribe": 4, "Convert": 30, "Excite": 1}
    table = source.stuck_by_stage(days).table
    rows = [(r.stage, r.current, r.days, r.stuck) for r in table.itertuples(index=False)]
    assert rows == [
        ("Awareness", 1, 20, 1),
        ("Subscribe", 1, 4, 0),
        ("Convert", 2, 30, 1),
        ("Excite", 0, 1, 0),
    ]
    for stage, _, limit, stuck in rows:
        assert len(source.stuck(stage, limit).table) == stuck, stage
    # by default, each stage its people who moved on took at most, 90 times in 100
    usual = source.stages().table.set_index("stage")["p90_days_to_next"].dropna()
    found = source.stuck_by_stage().table
    assert list(found["stage"]) == list(usual.index) == ["Awareness", "Engagement", "Subscribe"]
    assert (found["days"].to_numpy() >= usual.to_numpy()).all()
    assert (found["days"].to_numpy() - usual.to_numpy() < 1).all()
