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
    done = run("segments", "save", "feb", "--retention", "2026-01-01:1", cwd=tmp_path)
    assert "(2 people)" in done.stdout, done.stderr
    done = run("segments", "save", "half", "--funnel", "page_view", cwd=tmp_path)
    assert done.returncode == 2 and "--funnel needs --step" in done.stdout + done.stderr
