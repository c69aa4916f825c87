"""A cell saved as a segment carries the options of its analysis that change who is in
it: a funnel's order, exclusions, optional steps, per-step gaps and open windows; a
retention's active touchpoint, cohort touchpoint, "on or after" and "at least". Exact
people on a hand-made log, on both engines; from the CLI, the API and the dashboard's
button by the same parameters, each the people the analysis counts in the cell."""

from __future__ import annotations

import csv
import html
import json
import re

import pytest

import jejak
from jejak.model.config import parse_settings

# p1..p5 for retention (monthly, active = order), q1..q6 for the funnel page_view >
# add_to_cart > order within 7 days; the data ends on 2 April at 10:00 (p2's order)
LOG = """
customer_id,ts,event,channel
p1,2026-01-05 10:00:00,newsletter_signup,social
p1,2026-01-06 10:00:00,order,social
p1,2026-02-03 10:00:00,order,direct
p1,2026-02-10 10:00:00,order,direct
p1,2026-03-01 10:00:00,page_view,direct
p2,2026-01-10 10:00:00,newsletter_signup,search
p2,2026-02-05 10:00:00,order,search
p2,2026-04-02 10:00:00,order,direct
p3,2025-12-20 10:00:00,page_view,ads
p3,2026-01-15 10:00:00,newsletter_signup,ads
p3,2026-01-20 10:00:00,order,ads
p3,2026-02-02 10:00:00,page_view,direct
p3,2026-03-15 10:00:00,order,direct
p4,2026-01-25 10:00:00,order,social
p4,2026-02-26 10:00:00,order,social
p5,2026-02-01 10:00:00,newsletter_signup,search
p5,2026-03-03 10:00:00,order,search
q1,2026-03-10 10:00:00,page_view,social
q1,2026-03-10 10:10:00,add_to_cart,social
q1,2026-03-10 10:20:00,order,social
q2,2026-03-10 11:00:00,page_view,search
q2,2026-03-10 11:10:00,content_view,search
q2,2026-03-10 11:20:00,add_to_cart,search
q2,2026-03-11 11:00:00,order,search
q3,2026-03-10 12:00:00,page_view,ads
q3,2026-03-11 12:00:00,order,ads
q4,2026-03-10 13:00:00,page_view,social
q4,2026-03-10 13:10:00,add_to_cart,social
q4,2026-03-11 13:00:00,support_ticket,social
q4,2026-03-12 13:00:00,order,social
q5,2026-03-10 14:00:00,page_view,search
q5,2026-03-10 14:10:00,add_to_cart,search
q5,2026-03-14 14:00:00,order,search
q6,2026-03-30 10:00:00,page_view,social
"""
STEPS = ["page_view", "add_to_cart", "order"]
CART = {"event": "add_to_cart", "optional": True}
QUICK = {"event": "order", "within": "2d"}
# each cell: its definition, the options of its analysis (as the analysis spells them)
# that make it, and who is in it
CELLS = {
    # everyone with a page view (p1 and p3 too); q6's window is still open at the end
    "viewed": (
        {"steps": STEPS, "step": 1, "window": "7d"},
        {},
        {"p1", "p3", "q1", "q2", "q3", "q4", "q5", "q6"},
    ),
    "viewed closed": (
        {"steps": STEPS, "step": 1, "window": "7d", "open_windows": "exclude"},
        {"open_windows": "exclude"},
        {"p1", "p3", "q1", "q2", "q3", "q4", "q5"},
    ),
    # q2 looked at content between the view and the cart, q4 wrote in before ordering
    "strict buyers": (
        {"steps": STEPS, "step": 3, "window": "7d", "order": "strict"},
        {"order": "strict"},
        {"q1", "q5"},
    ),
    # q4's support ticket voids its only attempt: it is not in the funnel at all
    "carts no ticket": (
        {"steps": STEPS, "step": 2, "window": "7d", "exclusions": ["support_ticket"]},
        {"exclusions": ["support_ticket"]},
        {"q1", "q2", "q5"},
    ),
    # the cart may be skipped: q3 ordered straight from the view
    "buyers cart or not": (
        {"steps": ["page_view", CART, "order"], "step": 3, "window": "7d"},
        {},
        {"q1", "q2", "q3", "q4", "q5"},
    ),
    # q5 ordered four days after the cart: later than 2 days
    "quick buyers": (
        {"steps": ["page_view", "add_to_cart", QUICK], "step": 3, "window": "7d"},
        {},
        {"q1", "q2", "q4"},
    ),
    # January's first orders: p1, p3 and p4; p1 and p4 ordered in February
    "kept buying": (
        {"cohort": "2026-01-01", "period": 1, "active": "order"},
        {},
        {"p1", "p4"},
    ),
    # p1 ordered twice in February, p4 once
    "kept buying twice": (
        {"cohort": "2026-01-01", "period": 1, "active": "order", "at_least": 2},
        {"at_least": 2},
        {"p1"},
    ),
    # p3 skipped February and ordered in March
    "kept buying since": (
        {"cohort": "2026-01-01", "period": 1, "active": "order", "returned": "on_or_after"},
        {"returned": "on_or_after"},
        {"p1", "p3", "p4"},
    ),
    # January's signups: p1, p2 and p3; p1 and p2 ordered in February (p4 never signed up)
    "signups who bought": (
        {"cohort": "2026-01-01", "period": 1, "active": "order", "joined": "newsletter_signup"},
        {"cohort": "newsletter_signup"},
        {"p1", "p2"},
    ),
}  # fmt: skip


def _definition(cell: dict) -> dict:
    return {"funnel": cell} if "steps" in cell else {"retention": cell}


SETTINGS = "segments:\n" + "".join(
    f"  {json.dumps(name)}: {json.dumps(_definition(cell))}\n"
    for name, (cell, _, _) in CELLS.items()
)


def _analysis_count(source, cell: dict, options: dict) -> int:
    """How many people the analysis itself counts in the cell: its table's number."""
    if "steps" in cell:
        table = source.funnel(cell["steps"], window=cell["window"], **options).table
        return int(table[table["step"] == cell["step"]]["entered"].iloc[0])
    table = source.retention(active=cell["active"], **options).table
    table = table[table["cohort"].dt.strftime("%Y-%m-%d") == cell["cohort"]]
    return int(table[table["period"] == cell["period"]]["active"].iloc[0])


def _audience(source, cell: dict, options: dict) -> set[str]:
    """The cell's people as the analysis lists them."""
    if "steps" in cell:
        found = source.funnel_audience(
            cell["steps"], cell["step"], window=cell["window"], **options
        )
    else:
        asked = {("joined" if k == "cohort" else k): v for k, v in options.items()}
        found = source.retention_audience(
            cell["cohort"], cell["period"], active=cell["active"], **asked
        )
    return set(found.table["person_id"])


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace(parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def test_each_cell_holds_the_people_its_analysis_counts(source):
    from test_segments import _people

    for name, (cell, options, people) in CELLS.items():
        assert _people(source.segment(name)) == people, name
        assert _audience(source, cell, options) == people, name
        assert _analysis_count(source, cell, options) == len(people), name


# each cell's options as `jejak segments save NAME` takes them
FLAGS = {
    "viewed": ["--step", "1"],
    "viewed closed": ["--step", "1", "--open-windows", "exclude"],
    "strict buyers": ["--step", "3", "--order", "strict"],
    "carts no ticket": ["--step", "2", "--exclude", "support_ticket"],
    "buyers cart or not": ["--step", "3", "--optional", "2"],
    "quick buyers": ["--step", "3", "--within", "3=2d"],
    "kept buying": ["--active", "order"],
    "kept buying twice": ["--active", "order", "--at-least", "2"],
    "kept buying since": ["--active", "order", "--on-or-after"],
    "signups who bought": ["--active", "order", "--cohort", "newsletter_signup"],
}


def _cli_flags(name: str) -> list[str]:
    cell = CELLS[name][0]
    if "steps" in cell:
        funnel = [f for step in STEPS for f in ("--funnel", step)]
        return [*funnel, "--window", cell["window"], *FLAGS[name]]
    return ["--retention", f"{cell['cohort']}:{cell['period']}", *FLAGS[name]]


@pytest.fixture
def project(tmp_path):
    """A folder holding a workspace with the log loaded, as `jejak load` leaves it."""
    from invoking import invoke as run

    (tmp_path / "log.csv").write_text(LOG.lstrip(), "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    return tmp_path


def _exported(run, name: str, folder) -> set[str]:
    """A saved segment's people, as `jejak segments export` writes them."""
    done = run("segments", "export", name, "-o", "people.csv", cwd=folder)
    assert done.returncode == 0, done.stderr
    with (folder / "people.csv").open() as handle:
        return {row["person_id"] for row in csv.DictReader(handle)}


def test_each_cell_saves_from_the_cli_by_the_analyses_options(project):
    from invoking import invoke as run

    for name, (_, _, people) in CELLS.items():
        done = run("segments", "save", name, *_cli_flags(name), cwd=project)
        assert done.returncode == 0, (name, done.stdout, done.stderr)
        count = f"({len(people)} {'person' if len(people) == 1 else 'people'})"
        assert done.stdout.strip().endswith(count), (name, done.stdout)
        assert _exported(run, name, project) == people, name
    with jejak.open(project / "jejak.duckdb") as ws:  # as saved, the analysis's own words
        saved = ws.segment_definitions()
    assert saved["kept buying since"].retention.returned == "on_or_after"
    assert saved["signups who bought"].retention.joined.label == "newsletter_signup"
    assert saved["quick buyers"].funnel.steps[2].within.days == 2


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--order", "strict"], "go with --funnel"),
        (["--exclude", "support_ticket"], "go with --funnel"),
        (["--open-windows", "exclude"], "go with --funnel"),
        (["--active", "order"], "go with --retention"),
        (["--at-least", "2"], "go with --retention"),
        (["--on-or-after"], "go with --retention"),
        (["--funnel", "page_view", "--funnel", "order", "--step", "2", "--within", "5=2d"],
         "there is no step 5"),
        (["--funnel", "page_view", "--funnel", "order", "--step", "2", "--order", "sideways"],
         "ordered"),
        (["--retention", "2026-01-01:1", "--at-least", "0"], "greater than or equal to 1"),
        # refused when saved, as the funnel refuses it, not stored to fail when counted
        ([*[f for s in STEPS for f in ("--funnel", s)], "--step", "3", "--order", "strict",
          "--optional", "2"], "optional steps need ordered order"),
    ],
)  # fmt: skip
def test_a_cells_options_without_the_cell_say_so(project, flags, message):
    from invoking import invoke as run

    done = run("segments", "save", "x", *flags, cwd=project)
    said = " ".join(re.sub("[│╭╮╰╯─]", " ", done.stdout + done.stderr).split())  # unboxed
    assert done.returncode in (1, 2) and message in said, said
    assert "No segments yet" in run("segments", cwd=project).stdout  # nothing stored


def _members(ws, name: str) -> set[str]:
    return set(ws.segment(name).members().to_pyarrow()["person_id"].to_pylist())


def test_each_cell_saves_through_the_api_and_the_dashboards_button(project):
    """The API saves each cell by the same definition; the dashboard's "Who kept
    buying" cell (active: a purchase, on or after) holds the people the CLI saves."""
    import httpx

    from invoking import invoke as run
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    flags = ["--retention", "2026-01-01:1", "--active", "order", "--on-or-after"]
    assert run("segments", "save", "from the cli", *flags, cwd=project).returncode == 0
    ws = jejak.Workspace(project / "jejak.duckdb")
    headers = {"Authorization": f"Bearer {ensure_keys(ws.con)['read']}"}
    with running(create_app(ws)) as base:

        def save(name: str, definition: dict) -> dict:
            body = {"name": name, "definition": definition}
            saved = httpx.post(base + "/v1/segments", json=body, headers=headers, timeout=60)
            assert saved.status_code == 201, saved.text
            return saved.json()

        for name, (cell, _, people) in CELLS.items():
            assert save(name, _definition(cell))["people"] == len(people), name
        page = httpx.get(
            base + "/dashboard/retention/content?returned=on_or_after",
            headers=headers,
            timeout=120,
        )
        assert page.status_code == 200, page.text
        held = re.findall(r'data-definition="([^"]*)"', page.text)
        cells = [json.loads(html.unescape(h)).get("retention") for h in held]
        (clicked,) = [c for c in cells if c and (c["cohort"], c["period"]) == ("2026-01-01", 1)]
        assert clicked["returned"] == "on_or_after" and clicked["active"] is not None
        said = save("from the dashboard", {"retention": clicked})
    for name, (_, _, people) in CELLS.items():
        assert _members(ws, name) == people, name
    clicked = _members(ws, "from the dashboard")
    assert clicked == _members(ws, "from the cli") == {"p1", "p3", "p4"}
    assert said["people"] == 3
    ws.close()


def test_cells_saved_before_their_options_existed_mean_what_they_meant(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    # as an older jejak stored them: no order, exclusions, open windows, joined, at_least
    older = {
        "funnel then": {"funnel": {"steps": STEPS, "step": 1, "window": "7d", "stopped": False}},
        "retention then": {
            "retention": {"cohort": "2026-01-01", "period": 1, "every": "month",
                          "active": {"label": "order", "rule": {"event": "order"}},
                          "returned": "on"},
        },
    }  # fmt: skip
    for name, definition in older.items():
        ws.con.execute(
            "INSERT INTO segments VALUES (?, ?, current_timestamp)", [name, json.dumps(definition)]
        )
    loaded = ws.segment_definitions()
    assert loaded["funnel then"].funnel.open_windows is None
    assert loaded["funnel then"].funnel.exclusions == []
    assert loaded["retention then"].retention.at_least == 1
    assert loaded["retention then"].retention.joined is None
    assert _members(ws, "funnel then") == CELLS["viewed"][2]
    assert _members(ws, "retention then") == CELLS["kept buying"][2]


def test_a_cell_says_its_options_in_words():
    from jejak.model.segment import SegmentRule

    def said(definition: dict) -> str:
        return SegmentRule.model_validate(definition).describe()

    # the funnel's defaults: as its cells were always said
    assert said(_definition(CELLS["viewed"][0])) == (
        "reached step 1 of page_view > add_to_cart > order"
    )
    assert said(_definition(CELLS["strict buyers"][0])) == (
        "reached step 3 of page_view > add_to_cart > order in strict order"
    )
    assert said(_definition(CELLS["carts no ticket"][0])).endswith(", voided by support_ticket")
    assert said(_definition(CELLS["viewed closed"][0])).endswith(", open windows left out")
    retention = {"cohort": "2026-01-01", "period": 1, "every": "week", "at_least": 3}
    retention |= {"joined": "newsletter_signup", "active": "order", "returned": "on_or_after"}
    assert said({"retention": retention}) == (
        "joined at their first newsletter_signup in the week of 2026-01-01, active (order, 3+"
        " times a week) 1 week later or after"
    )
    kept = _definition(CELLS["kept buying"][0])
    assert said(kept) == "joined in the month of 2026-01-01, active (order) 1 month later"


def test_a_definition_is_said_in_the_workspaces_language():
    """A saved segment's words (the segments list, jejak segments save) in Indonesian:
    each part of a definition, its stages in the local stage names."""
    from jejak.language import speaking
    from jejak.model.segment import SegmentRule

    def said(definition: dict) -> str:
        with speaking("id"):
            return SegmentRule.model_validate(definition).describe()

    either = {"any": [{"had": "bayar", "stage": ["Convert"]}, {"not": {"rfm": ["Champions"]}}]}
    assert said(either) == (
        "salah satu dari (pernah bayar dan kini di Konversi; bukan (RFM Champions))"
    )
    funnel = {"steps": ["lihat", "bayar"], "step": 2, "order": "strict", "start": "2026-01-01"}
    funnel |= {"exclusions": [{"step": "komplain"}]}
    assert said({"funnel": funnel}) == (
        "mencapai langkah 2 dari lihat > bayar dalam urutan ketat, dibatalkan oleh komplain,"
        " masuk sejak 2026-01-01"
    )
    retention = {"cohort": "2026-01-01", "period": 2, "every": "week", "at_least": 3}
    retention |= {"active": "bayar", "returned": "on_or_after"}
    assert said({"retention": retention}) == (
        "bergabung di minggu 2026-01-01, aktif (bayar, 3+ kali seminggu) 2 minggu kemudian"
        " atau sesudahnya"
    )
    assert said({"stuck": {"stage": "Subscribe", "days": 2.5, "within": 14}}) == (
        "tertahan di Berlangganan lebih dari 2,5 hari, melewatinya dalam 14 hari terakhir"
    )
