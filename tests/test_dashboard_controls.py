"""The dashboard's Funnels and Retention pages take the options the library and the CLI
take: a funnel's exclusions, open windows, optional steps and per-step gaps; a
retention's "at least", cohort touchpoint and active touchpoint. Counted by hand on a
small log; each save button carries the options, so its segment holds exactly the
people of the cell shown (on a dated funnel page, with the page's dates); a bad value
says what is wrong in the page. The report shows retention "on or after" beside it."""

from __future__ import annotations

import html
import json
import re

import pytest

from jejak.model.config import parse_settings
from jejak.server.pages import PAGES, build
from test_segment_cell_options import LOG

# the log's times are the shop's, in its zone: the dated page's cells keep plain days
SETTINGS = "timezone: Asia/Jakarta\n"
FUNNELS = next(p for p in PAGES if p.slug == "funnels")
RETENTION = next(p for p in PAGES if p.slug == "retention")
# page_view > add_to_cart > order within 7 days. Page views: p1, p3 (no cart, no order
# within a week), q1..q6; carts: q1, q2, q4, q5; orders after them: the same four (q5's
# four days after its cart). q6's view is on 30 March, its window still open on 2 April.
BASE = {"step": ["page_view", "add_to_cart", "order"], "window": "7d"}
WITHOUT = ["8", "4", "4"]
EVERY_VIEW = {"p1", "p3", "q1", "q2", "q3", "q4", "q5"}
# each option: the page's parameters, the Entered column, a step, its people, and what
# the step's save button carries (a path into its cell, and the value there)
OPTIONS = {
    # q4 wrote a support ticket between its cart and its order: out of the funnel
    "exclude": (
        {"exclude": "support_ticket"},
        ["7", "3", "3"],
        2,
        {"q1", "q2", "q5"},
        (("exclusions",), ["support_ticket"]),
    ),
    # the cart may be skipped: q3 ordered straight from its view; a step with options
    # leaves q6 (window still open) out of the rates
    "optional": (
        {"optional": "2"},
        ["7", "4", "5"],
        3,
        {"q1", "q2", "q3", "q4", "q5"},
        (("steps", 1), {"event": "add_to_cart", "optional": True}),
    ),
    # at most 2 days from cart to order: q5 took four
    "within": (
        {"step_within": "3=2d"},
        ["7", "4", "3"],
        3,
        {"q1", "q2", "q4"},
        (("steps", 2), {"event": "order", "within": "2d"}),
    ),
    # at least a day from cart to order: q1 (10 minutes) and q2 (23 h 40) were quicker
    "after": (
        {"step_after": "3=1d"},
        ["7", "4", "2"],
        3,
        {"q4", "q5"},
        (("steps", 2), {"event": "order", "after": "1d"}),
    ),
    # q6, whose window is still open, left out
    "open windows left out": (
        {"open_windows": "exclude"},
        ["7", "4", "4"],
        1,
        EVERY_VIEW,
        (("open_windows",), "exclude"),
    ),
    # with an optional step q6 is left out unless asked for
    "open windows counted": (
        {"optional": "2", "open_windows": "include"},
        ["8", "4", "5"],
        1,
        EVERY_VIEW | {"q6"},
        (("open_windows",), "include"),
    ),
}


@pytest.fixture
def ws(open_workspace, write_file):
    opened = open_workspace(parse_settings(SETTINGS))
    opened.load(write_file("log.csv", LOG))
    return opened


def _entered(section) -> list[str]:
    return section.table["Entered"].tolist()


def _at(cell: dict, path: tuple) -> object:
    for key in path:
        cell = cell[key]
    return cell


def _members(ws, name: str) -> set[str]:
    return set(ws.segment(name).members().to_pyarrow()["person_id"].to_pylist())


def test_the_funnel_page_without_options_counts_as_before(ws):
    (funnel, *_) = build(FUNNELS, ws, BASE)
    assert _entered(funnel) == WITHOUT
    cell = funnel.saves[0]["funnel"]
    assert set(cell) == {"steps", "step", "window", "order"}  # nothing it was not given


@pytest.mark.parametrize("option", OPTIONS)
def test_each_funnel_option_counts_and_saves_the_people_of_the_step(ws, option):
    params, entered, step, people, (path, carried) = OPTIONS[option]
    funnel = build(FUNNELS, ws, BASE | params)[0]
    assert funnel.heading == "Funnel: page_view → add_to_cart → order"
    assert _entered(funnel) == entered != WITHOUT
    definition = funnel.saves[step - 1]
    cell = definition["funnel"]
    assert cell["step"] == step and _at(cell, path) == carried
    ws.save_segment(option, definition)
    assert _members(ws, option) == people
    assert len(people) == int(entered[step - 1])


def test_the_funnel_page_says_its_options_in_words(ws):
    sections = build(FUNNELS, ws, BASE | {"exclude": "support_ticket", "optional": "2"})
    assert sections[0].intro == (
        "Steps: page_view, add_to_cart (optional), order; within 7d. Left out: whoever had"
        " support_ticket between the first and last step."
    )
    gaps = build(FUNNELS, ws, BASE | {"step_within": "3=2d", "step_after": "3=1h"})[0]
    assert "order (at least 1h after the step before; at most 2d after the step before)" in (
        gaps.intro
    )


def test_the_drivers_on_the_page_are_of_the_funnel_with_its_options(ws):
    params = BASE | {"exclude": "support_ticket", "drivers": "1"}
    drivers = build(FUNNELS, ws, params)[1]
    expected = ws.funnel_drivers(BASE["step"], 1, window="7d", exclusions=["support_ticket"])
    without = ws.funnel_drivers(BASE["step"], 1, window="7d")
    assert expected.meta["people"] == 7 != without.meta["people"]
    assert drivers.heading == expected.title
    assert "7 people reached" in " ".join(drivers.intro.split())


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"optional": "two"}, "optional steps 'two': give the steps' numbers, like 2 or 2, 4"),
        ({"step_within": "3=2x"}, "within '3=2x': '2x' is not a duration; write it like 2d"),
        ({"step_after": "5=1h"}, "there is no step 5 in a funnel of 3 steps"),
        ({"step_within": "3"}, "within '3': give the step's number and the gap, like 3=2d"),
        ({"optional": "3"}, "the last step cannot be optional"),
        ({"optional": "2", "order": "strict"}, "optional steps need ordered order"),
        ({"open_windows": "sometimes"}, "open_windows"),
    ],
)
def test_a_bad_funnel_option_says_what_is_wrong(ws, params, message):
    (said,) = build(FUNNELS, ws, BASE | params)
    assert said.heading == "Funnels: nothing to show"
    assert message in said.intro and said.table is None


def _retention(ws, params: dict):
    kept = build(RETENTION, ws, params)[0]
    rows = kept.table.astype(str).values.tolist()
    return kept, [[value for value in row if value not in ("", "nan")] for row in rows]


def test_the_retention_page_counts_at_least_joined_and_active(ws):
    # first orders: January p1, p3, p4; February p2; March p5 and q1..q5
    kept, rows = _retention(ws, {})
    assert kept.heading == "Who kept buying"
    assert rows[0] == ["2026-01", "3", "100%", "67%", "33%", "0%"]  # p1, p4; p3
    # twice in a month: only p1 ordered twice in February; nobody twice in January
    twice, rows = _retention(ws, {"at_least": "2"})
    assert rows[0] == ["2026-01", "3", "0%", "33%", "0%", "0%"]
    assert "Active in a month means order at least 2 times in it." in twice.intro
    # cohorts of signups (p1, p2, p3 in January; p5 in February), active with an order:
    # p2's order of 2 April falls in January's period 3
    joined, rows = _retention(ws, {"joined": "newsletter_signup"})
    assert joined.heading == "Who came back"
    assert rows == [
        ["2026-01", "3", "67%", "67%", "33%", "33%"],
        ["2026-02", "1", "0%", "100%", "0%"],
    ]
    assert "their first newsletter_signup, and the share active (order)" in joined.intro
    # active with a page view, joined at the first one: p3 in December, came back in
    # February; everyone else's first view is in March
    viewed, rows = _retention(ws, {"active": "page_view"})
    assert "their first page_view, and the share active (page_view)" in viewed.intro
    assert rows == [
        ["2025-12", "1", "100%", "0%", "100%", "0%", "0%"],
        ["2026-03", "7", "100%", "0%"],
    ]


@pytest.mark.parametrize(
    ("params", "cohort", "period", "carried", "people"),
    [
        ({"at_least": "2"}, "2026-01-01", 1, {"at_least": 2}, {"p1"}),
        ({"joined": "newsletter_signup"}, "2026-01-01", 1, {"joined": "newsletter_signup"},
         {"p1", "p2"}),
        ({"joined": "newsletter_signup"}, "2026-01-01", 3, {"joined": "newsletter_signup"},
         {"p2"}),
        # March's first views: p1 (first seen in January) and q1..q6
        ({"active": "page_view"}, "2026-03-01", 0, {"active": "page_view"},
         {"p1", "q1", "q2", "q3", "q4", "q5", "q6"}),
        ({"at_least": "2", "returned": "on_or_after"}, "2026-01-01", 1,
         {"at_least": 2, "returned": "on_or_after"}, {"p1"}),
    ],
)  # fmt: skip
def test_a_retention_cell_saves_with_the_pages_options(ws, params, cohort, period, carried, people):
    kept = build(RETENTION, ws, params)[0]
    cells = [row for row in kept.cell_saves if str(period) in row]
    (definition,) = [
        row[str(period)] for row in cells if row[str(period)]["retention"]["cohort"] == cohort
    ]
    assert carried.items() <= definition["retention"].items()
    ws.save_segment("cell", definition)
    assert _members(ws, "cell") == people
    without = {k: v for k, v in definition["retention"].items() if k not in carried}
    ws.save_segment("without", {"retention": without})
    assert _members(ws, "without") != people  # the options made the difference


def test_a_bad_retention_option_says_what_is_wrong(ws):
    for value in ("twice", "0"):
        (said,) = build(RETENTION, ws, {"at_least": value})
        assert said.heading == "Retention: nothing to show"
        assert "at_least is how many touchpoints in a period make a person active" in said.intro
    (said,) = build(RETENTION, ws, {"joined": '{"event": '})
    assert "is not a JSON rule" in said.intro


def test_the_report_shows_retention_on_or_after_beside_it(ws):
    from jejak.report.html import customer_sections

    sections = customer_sections(ws)  # the report's part with retention
    headings = [s.heading for s in sections]
    at = headings.index("Who kept buying")
    later = sections[at + 1]
    assert later.heading == "Who kept buying, in the period or later"
    assert "Counted on or after" in later.intro and later.figures
    # January's buyers p1, p3, p4 all ordered again in February or later (p3 in March)
    rows = later.table.astype(str).values.tolist()
    assert [v for v in rows[0] if v] == ["2026-01", "3", "100%", "100%", "33%", "0%"]
    assert headings.count("Rolling retention: all cohorts together") == 1  # not repeated


def test_the_pages_controls_and_a_dated_funnels_saves_through_the_server(ws):
    import httpx

    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    ws.save_segment("buyers", {"had": "order"})
    headers = {"Authorization": f"Bearer {ensure_keys(ws.con)['read']}"}
    steps = "steps=page_view,add_to_cart,order&window=7d"

    def get(base: str, path: str) -> str:
        for _ in range(60):  # a busy server asks to come back
            answer = httpx.get(base + path, headers=headers, timeout=120)
            if answer.status_code not in (429, 503):
                break
        assert answer.status_code == 200, answer.text
        return answer.text

    def saved(text: str) -> list[dict]:
        held = re.findall(r'data-definition="([^"]*)"', text)
        return [json.loads(html.unescape(h)) for h in held]

    with running(create_app(ws)) as base:
        form = get(base, "/dashboard/funnels")
        chosen = get(base, "/dashboard/funnels?exclude=support_ticket&open_windows=include")
        retention_form = get(base, "/dashboard/retention?at_least=2")
        dated = get(base, f"/dashboard/funnels/content?{steps}&since=2026-03-10&until=2026-03-20")
        narrowed = get(base, f"/dashboard/funnels/content?{steps}&since=2026-03-10&segment=buyers")
        kept = get(base, "/dashboard/retention/content?since=2026-03-10")
        bad = get(base, f"/dashboard/funnels/content?{steps}&step_within=3%3D2x")
    # the options fold under "More options", open when one is set
    assert "<summary>More options</summary>" in form and '<details class="more">' in form
    assert '<details class="more" open>' in chosen
    assert 'name="exclude" value="support_ticket"' in chosen
    assert '<option value="include" selected>counted</option>' in chosen
    assert '<option value="" selected>automatic</option>' in form
    assert 'placeholder="e.g. 3=2d"' in form
    assert '<details class="more" open>' in retention_form
    assert 'name="joined"' in retention_form and 'name="active"' in retention_form
    # dated: the steps save with the page's dates; q1..q5 viewed in the range, not p1
    # (1 March) nor q6 (30 March)
    cells = [d["funnel"] for d in saved(dated)]
    assert [c["step"] for c in cells] == [1, 2, 3]
    assert {(c["start"], c["end"]) for c in cells} == {("2026-03-10", "2026-03-20")}
    ws.save_segment("viewed in range", {"funnel": cells[0]})
    assert _members(ws, "viewed in range") == {"q1", "q2", "q3", "q4", "q5"}
    # a segment's page, and another page's cells, hold their people on all the data
    assert "save-segment" not in narrowed and "Funnel: page_view" in narrowed
    assert "save-segment" not in kept and "Who kept buying" in kept
    assert "within '3=2x': '2x' is not a duration; write it like 2d" in html.unescape(bad)
    assert "Traceback" not in bad
