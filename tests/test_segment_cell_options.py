"""A cell saved as a segment carries the options of its analysis that change who is in
it: a funnel's order, exclusions, optional steps, per-step gaps and open windows; a
retention's active touchpoint, cohort touchpoint, "on or after" and "at least". Exact
people on a hand-made log, on both engines; from the CLI, the API and the dashboard's
button by the same parameters, each the people the analysis counts in the cell."""

from __future__ import annotations

import json

import pytest

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
