"""The dashboard in a real browser (Debian's chromium, headless, driven by Playwright):
every page draws its charts, numbers match the library, filters live in the URL.
Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import jejak
from jejak.report import formatting as fmt
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from jejak.server.pages import PAGES
from serving import Library, running

CHROMIUM = "/usr/bin/chromium"
LABELS = (Path(__file__).parent / "browser" / "labels.js").read_text("utf-8")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WRITE_KEY: list[str] = []  # the site's write key, for a test that sends a batch
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "dashboard"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def site(demo_workspace):
    ws = demo_workspace(2_000, seed=5, writes=True)  # it saves keys and collects a batch
    keys = ensure_keys(ws.con)
    app = create_app(ws)
    with running(app) as base:
        WRITE_KEY.append(keys["write"])
        yield base, keys["read"], Library(app)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(site, browser):
    base, key, _ = site
    # a still loading marker: a spinning one keeps the browser drawing while pages compute
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    tab = context.new_page()
    refused = []  # what the pages' security policy refused (it runs no inline script)
    tab.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    tab.refused = refused
    tab.goto(base + "/dashboard/overview")
    assert "/login" in tab.url  # not signed in yet
    tab.fill("input[name=key]", "wrong")
    tab.click("button[type=submit]")
    tab.wait_for_url("**/login?**")
    assert tab.locator(".error").is_visible()
    tab.fill("input[name=key]", key)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/dashboard/overview")
    yield tab
    context.close()


def _loaded(tab) -> None:
    tab.wait_for_selector("#content[data-state=done], #content[data-state=error]", timeout=90_000)
    assert tab.get_attribute("#content", "data-state") == "done", tab.inner_text("#content")


def test_every_page_draws(site, page):
    base, _, _ = site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    unreadable = []  # labels that meet or are cut (tests/browser/labels.js)
    for entry in PAGES:
        page.goto(f"{base}/dashboard/{entry.slug}")
        _loaded(page)
        text = page.inner_text("#content")
        assert "nothing to show" not in text, (entry.slug, text[:300])
        if entry.slug == "journey-map":  # a wall chart of cards, not a plot
            assert page.locator("#content .wall .card").count() > 0
        elif entry.slug != "data":
            assert page.locator("#content .js-plotly-plot").count() > 0, entry.slug
        page.wait_for_timeout(300)  # a plot's labels are placed after it is drawn
        unreadable += [(entry.slug, f) for f in page.evaluate(LABELS, "#content .js-plotly-plot")]
        page.screenshot(path=str(ARTIFACTS / f"{entry.slug}.png"), full_page=True)
    assert unreadable == []
    page.goto(f"{base}/dashboard/paths")
    _loaded(page)
    assert page.locator(".sankey-node").count() > 0
    assert page.refused == []


def test_the_api_reference_draws_without_a_cdn(site, browser):
    base, _, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    tab = context.new_page()
    asked: list[str] = []
    tab.on("request", lambda request: asked.append(request.url))
    tab.goto(base + "/docs")
    tab.wait_for_selector(".opblock", timeout=30_000)
    assert tab.locator(".opblock").count() >= 25  # every operation of the schema
    assert tab.locator(".btn.authorize").count() == 1  # the bearer scheme
    assert "Send Authorization: Bearer <key>" in tab.inner_text(".info")  # not eaten as HTML
    assert asked and all(url.startswith(base) for url in asked), asked
    context.close()


def test_numbers_match_the_library_and_filters_live_in_the_url(site, page):
    base, _, ws = site
    page.goto(f"{base}/dashboard/overview")
    _loaded(page)
    reached = ws.stages().table.set_index("stage")["reached"]
    assert f"{fmt.people(reached['Awareness'])} people on the journey" in page.inner_text(
        "#content"
    )
    row = page.locator("#content table tbody tr").first
    assert row.locator("td").nth(1).inner_text() == fmt.people(reached["Awareness"])
    page.select_option("select[name=segment]", "instagram")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**segment=instagram**")
    _loaded(page)
    with ws.turn() as own:
        part = own.segment("instagram").stages().table.set_index("stage")["reached"]
    row = page.locator("#content table tbody tr").first
    assert row.locator("td").nth(1).inner_text() == fmt.people(part["Awareness"])
    # the other pages keep the filter
    href = page.get_attribute("nav.pages a[href^='/dashboard/campaigns']", "href")
    assert "segment=instagram" in href


def test_tables_sort_and_the_funnel_builder_takes_steps(site, page):
    base, _, ws = site
    page.goto(f"{base}/dashboard/funnels")
    _loaded(page)
    steps = page.locator("fieldset.steps .step input")
    shown = [steps.nth(i).input_value() for i in range(steps.count())]
    assert shown == [f"stage:{name}" for name in ws.journey.stage_names[:4]]  # the default
    choices = page.locator("#step-choices option")
    offered = {choices.nth(i).get_attribute("value") for i in range(choices.count())}
    assert {"page_view", "order", "stage:Convert"} <= offered  # from the data and journey
    page.locator("fieldset.steps .step .remove").nth(3).click()
    page.locator("fieldset.steps .step .remove").nth(2).click()
    steps.nth(0).fill("page_view")
    steps.nth(1).fill("stage:Subscribe")
    page.click("fieldset.steps .add-step")
    steps.nth(2).fill("order")
    page.fill("input[name=window]", "14d")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**step=order**")
    _loaded(page)
    assert "step=page_view&step=stage%3ASubscribe&step=order" in page.url
    expected = ws.funnel(["page_view", {"stage": "Subscribe"}, "order"], window="14d").table
    cells = page.locator("#content table tbody tr").nth(2).locator("td")
    assert fmt.people(expected.loc[2, "entered"]) in [
        cells.nth(i).inner_text() for i in range(cells.count())
    ]
    # a link written by hand, steps separated by commas, shows the same funnel
    page.goto(f"{base}/dashboard/funnels?steps=page_view,stage:Subscribe,order&window=14d")
    _loaded(page)
    cells = page.locator("#content table tbody tr").nth(2).locator("td")
    assert fmt.people(expected.loc[2, "entered"]) in [
        cells.nth(i).inner_text() for i in range(cells.count())
    ]
    header = page.locator("#content table thead th").first
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert header.get_attribute("aria-sort") == "descending"


def test_a_funnel_steps_people_save_as_a_segment_with_one_click(site, page):
    base, _, ws = site
    page.goto(f"{base}/dashboard/funnels?steps=page_view,order&window=14d")
    _loaded(page)
    expected = ws.funnel_audience(["page_view", "order"], 2, window="14d").table
    page.once("dialog", lambda dialog: dialog.accept("ordered-in-two-weeks"))
    row = page.locator("#content table tbody tr").nth(1)
    row.locator("button.save-segment").click()
    said = row.locator("span.saved")
    said.wait_for(timeout=60_000)
    assert said.inner_text() == (
        f"Saved as ordered-in-two-weeks: {fmt.people(len(expected))} people"
    )
    saved = ws.segment("ordered-in-two-weeks").members().to_pandas()
    assert sorted(saved["person_id"]) == sorted(expected["person_id"])
    # the same name again: the reason in words, not a raw answer
    messages: list[str] = []

    def answer(dialog) -> None:  # the prompt for a name, then the alert saying why not
        messages.append(dialog.message)
        dialog.accept("ordered-in-two-weeks") if len(messages) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.locator("#content table tbody tr").nth(0).locator("button.save-segment").click()
    for _ in range(120):  # the alert comes once the server has answered
        if len(messages) == 2:
            break
        page.wait_for_timeout(250)
    page.remove_listener("dialog", answer)
    assert len(messages) == 2 and "is already saved" in messages[1] and "{" not in messages[1]


def _saved(page, holder, name: str) -> str:
    """Click the "save as segment" button in ``holder`` (a row or a cell), name the
    segment, and read what it says in the button's place."""
    page.once("dialog", lambda dialog: dialog.accept(name))
    holder.locator("button.save-segment").click()
    said = holder.locator("span.saved")
    said.wait_for(timeout=90_000)
    return said.inner_text()


def _section(page, heading: str):
    return page.locator("#content section", has=page.locator("h2", has_text=heading))


def test_every_kind_of_cell_saves_as_a_segment_with_one_click(site, page):
    """A retention cell, the stuck of a stage, an RFM segment and a node of the paths:
    each saved by a click holds the people the analysis counted in it."""
    base, _, ws = site

    def members(name: str) -> int:
        with ws.turn() as opened:
            return int(opened.segment(name).members().count().to_pyarrow().as_py())

    # retention: the second cohort's cell one month on (its period-1 column)
    page.goto(f"{base}/dashboard/retention")
    _loaded(page)
    kept = ws.retention(period="month", active=ws.settings.roles.step("purchase")).table
    second = sorted(kept["cohort"].unique())[1]
    cell = kept[(kept["cohort"] == second) & (kept["period"] == 1)].iloc[0]
    row = _section(page, "Who kept buying").locator("tbody tr").nth(1)
    assert row.locator("td").first.inner_text() == second.strftime("%Y-%m")
    held = row.locator("td").nth(3)
    assert held.locator("button.save-segment").inner_text() == fmt.percent(cell["retention"], 0)
    said = _saved(page, held, "back-one-month")
    assert said == f"Saved as back-one-month: {fmt.people(cell['active'])} people"
    assert members("back-one-month") == cell["active"] > 0
    # the stuck of a stage (on the overview), as ws.stuck finds them
    page.goto(f"{base}/dashboard/overview")
    _loaded(page)
    stuck = ws.stuck_by_stage().table.set_index("stage")
    row = _section(page, "Stuck in a stage").locator("tbody tr").nth(1)
    assert row.locator("td").first.inner_text() == "Engagement"
    expected = len(ws.stuck("Engagement", stuck.loc["Engagement", "days"]).table)
    assert row.locator("td").nth(3).inner_text() == fmt.people(expected)
    said = _saved(page, row.locator("td").nth(3), "stalled-engaged")
    assert said == f"Saved as stalled-engaged: {fmt.people(expected)} people"
    assert members("stalled-engaged") == expected > 0
    # and of them, the recently stuck (past the usual time within the last 30 days)
    recent = len(ws.stuck("Engagement", stuck.loc["Engagement", "days"], within=30).table)
    assert recent == stuck.loc["Engagement", "recently_stuck"]
    assert row.locator("td").nth(4).inner_text() == fmt.people(recent)
    said = _saved(page, row.locator("td").nth(4), "lately-engaged")
    assert said == f"Saved as lately-engaged: {fmt.people(recent)} people"
    assert members("lately-engaged") == recent
    # an RFM segment (on the segments page)
    page.goto(f"{base}/dashboard/segments")
    _loaded(page)
    buyers = ws.rfm().segments().set_index("segment")["buyers"]
    row = _section(page, "RFM").locator("tbody tr", has_text="At risk")
    assert row.locator("td").nth(1).inner_text() == fmt.people(buyers["At risk"])
    said = _saved(page, row, "win-back")
    assert said == f"Saved as win-back: {fmt.people(buyers['At risk'])} people"
    assert members("win-back") == buyers["At risk"]
    # a node of the paths after a touchpoint: its people as the Sankey counts them
    page.goto(f"{base}/dashboard/paths?after=page_view")
    _loaded(page)
    nodes = ws.paths(after="page_view", steps=5).nodes()
    number = int(nodes.index[nodes["step"] == 3][0])  # the table lists them in this order
    node = nodes.iloc[number]
    row = _section(page, "Each step of these paths").locator("tbody tr").nth(number)
    shown = [cell.strip() for cell in row.inner_text().split("\t")][:3]
    assert shown == ["3", str(node["touchpoint"]), fmt.people(node["people"])]
    said = _saved(page, row, "third-step")
    assert said == f"Saved as third-step: {fmt.people(node['people'])} people"
    assert members("third-step") == node["people"] > 0
    # a page narrowed to a segment or dates offers none: a segment holds its people on all
    # the data, so what it saved would not be the number shown
    import httpx

    headers = {"Authorization": f"Bearer {site[1]}"}
    for query in ("segment=instagram", "since=2025-06-01"):
        url = f"{base}/dashboard/retention/content?{query}"
        for _ in range(60):  # a busy server asks to come back (as dashboard.js does)
            narrowed = httpx.get(url, headers=headers, timeout=120)
            if narrowed.status_code not in (429, 503):
                break
            page.wait_for_timeout(1000)
        assert narrowed.status_code == 200 and "Who kept buying" in narrowed.text
        assert "save-segment" not in narrowed.text, query


def test_the_data_page_shows_loads_and_rejected_rows(site, page):
    import httpx

    base, _, _ = site
    batch = [
        {"event_id": "bad-1", "customer_id": "c1", "ts": "next tuesday", "event": "page_view"},
        {"customer_id": "c1", "ts": "2026-01-01T00:00:00Z", "event": "page_view"},
    ]
    headers = {"Authorization": f"Bearer {WRITE_KEY[-1]}"}
    answer = httpx.post(base + "/v1/events", json=batch, headers=headers, timeout=30)
    assert answer.json()["rejected"][0]["field"] == "ts"
    page.goto(f"{base}/dashboard/data")
    _loaded(page)
    rejected = page.locator("section", has=page.locator("h2", has_text="Rejected rows"))
    rows = rejected.locator("tbody tr")
    assert rows.count() == 2
    text = rows.first.inner_text()
    assert "collector: POST /v1/events" in text and "is not a time" in text
    assert "next tuesday" in text  # the event as it was sent
    assert "event_id" in rows.nth(1).inner_text()
    loads = page.locator("section", has=page.locator("h2", has_text="What was loaded"))
    assert loads.locator("tbody tr").count() == 2  # the simulated file, then the batch
    first = loads.locator("tbody tr").first.inner_text()
    assert fmt.people(site[2].loads()["rows_stored"].iloc[0]) in first  # 12,345: for people
    assert "2 loads" in loads.inner_text()
    last = [cell.strip() for cell in loads.locator("tbody tr").nth(1).inner_text().split("\t")]
    # read, stored, rejected, repeated, conflicting, already stored
    assert last[1:] == ["collector: POST /v1/events", last[2], "2", "0", "2", "0", "0", "0"]


def test_an_indonesian_page_says_the_chosen_dates_in_its_own_words(demo_workspace, browser):
    from jejak import language

    ws = demo_workspace(2_000, seed=5, writes=True)
    ws.settings.language = "id"  # as `language: id` in jejak.yaml; read per request
    key = ensure_keys(ws.con)["read"]
    app = create_app(ws)
    with running(app) as base:
        # a browser in English-US writes its date inputs mm/dd/yyyy whatever the page says
        context = browser.new_context(locale="en-US", reduced_motion="reduce")
        tab = context.new_page()
        tab.goto(base + "/login")
        tab.fill("input[name=key]", key)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/dashboard/overview")
        _loaded(tab)
        assert tab.locator("p.period").count() == 0  # no dates chosen: nothing to say
        # the charts' toolbars speak the page's language too (plotly.js's own words)
        tools = tab.evaluate(
            "Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.dataset.title)"
        )
        assert "Unduh grafik sebagai PNG" in tools and "Download plot as a PNG" not in tools
        tab.fill("input[name=since]", "2025-03-01")
        tab.fill("input[name=until]", "2025-11-30")
        tab.click("form.filters button[type=submit]")
        tab.wait_for_url("**until=2025-11-30**")
        _loaded(tab)
        said = tab.inner_text("p.period")
        assert said == "Menampilkan titik kontak dari 1 Mar 2025 sampai sebelum 30 Nov 2025"
        with Library(app).turn() as own:  # the filter works: the library's numbers
            part = own.between("2025-03-01", "2025-11-30").stages().table
            whole = own.stages().table
        with language.speaking("id"):
            reached = fmt.people(part.set_index("stage")["reached"]["Awareness"])
            everyone = fmt.people(whole.set_index("stage")["reached"]["Awareness"])
        assert reached != everyone  # the period leaves people out
        row = tab.locator("#content table tbody tr").first
        assert row.locator("td").nth(1).inner_text() == reached
        tab.goto(base + "/dashboard/overview?until=2025-11-31")  # by hand, not a day
        assert tab.inner_text("p.period") == "2025-11-31 bukan tanggal: tulis sebagai TTTT-BB-HH"
        context.close()


def test_an_empty_workspace_says_how_to_load_data(tmp_path, browser):
    ws = jejak.Workspace(tmp_path / "empty.duckdb")
    key = ensure_keys(ws.con)["read"]
    with running(create_app(ws)) as base:
        context = browser.new_context(reduced_motion="reduce")
        tab = context.new_page()
        tab.goto(base + "/login")
        tab.fill("input[name=key]", key)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/dashboard/overview")
        _loaded(tab)
        text = tab.inner_text("#content")
        assert "No touchpoints yet" in text and "jejak load events.csv" in text
        context.close()
    ws.close()


def test_the_funnel_page_shows_what_drives_people_on_from_a_step(site, page):
    base, _, ws = site
    page.goto(f"{base}/dashboard/funnels?steps=page_view,product_view,order&window=14d")
    _loaded(page)
    steps = ["page_view", "product_view", "order"]
    funnel = ws.funnel(steps, window="14d").table
    lost = funnel["entered"] - funnel["converted_to_next"].fillna(0)
    biggest = int(funnel.loc[lost[:-1].idxmax(), "step"])
    expected = ws.funnel_drivers(steps, biggest, window="14d")
    drivers = page.locator("section", has=page.locator("h2", has_text=expected.title))
    assert drivers.locator(".js-plotly-plot").count() == 1
    said = " ".join(drivers.inner_text().split())
    assert f"{fmt.headcount(expected.meta['people'])} reached" in said
    # a chosen step, from the form's field
    page.fill("input[name=drivers]", "1")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**drivers=1**")
    _loaded(page)
    first = ws.funnel_drivers(steps, 1, window="14d")
    drivers = page.locator("section", has=page.locator("h2", has_text=first.title))
    row = drivers.locator("table tbody tr").first
    top = first.table.iloc[0]
    assert top["value"] in row.inner_text()
    assert fmt.people(top["people_with"]) in row.inner_text()
    # a step with nothing after it says why, below the funnel
    page.goto(f"{base}/dashboard/funnels?steps=page_view,order&window=14d&drivers=2")
    _loaded(page)
    assert "move on from a step 1..1 of this 2-step funnel" in page.inner_text("#content")
    assert page.locator("#content .js-plotly-plot").count() == 1  # the funnel still shows


def test_comparing_segments_that_share_people_says_how_many(site, page):
    base, _, ws = site
    if "ordered" not in ws.segment_definitions():
        ws.save_segment("ordered", {"had": "order"})
    shared = ws.compare("instagram", "ordered").overlap()
    assert shared > 0  # some people first touched on social ordered
    page.goto(f"{base}/dashboard/segments?compare=instagram&against=ordered")
    _loaded(page)
    said = " ".join(page.inner_text("#content").split())
    assert f"{fmt.people(shared)} people are in both instagram and ordered." in said
    assert "The intervals allow for that" in said


def test_a_comparisons_table_fits_an_800_px_window(site, page):
    """Its eight columns once ran 245 px past the page at 800 px: the headers kept one
    line and the type its full size."""
    base, _, _ = site
    page.set_viewport_size({"width": 800, "height": 900})
    try:
        page.goto(f"{base}/dashboard/segments?compare=instagram&against=rest")
        _loaded(page)
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('#content table')).map(t =>"
            " [t.querySelector('th').textContent, t.scrollWidth, t.parentElement.clientWidth])"
        )
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    compared = [w for w in widths if w[0].startswith("Stage")]
    assert len(compared) == 1 and compared[0][1] <= compared[0][2], widths


def test_an_address_that_is_no_page_lists_the_pages(tmp_path, browser):
    # it showed {"detail":"no page 'attribution'"}: raw JSON to a marketer with an old link
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ensure_keys(ws.con)
    with running(create_app(ws)) as base:
        odd = httpx.get(base + "/dashboard/<i>x")
        assert odd.status_code == 404 and "&lt;i&gt;x" in odd.text  # escaped
        context = browser.new_context()
        tab = context.new_page()
        answer = tab.goto(base + "/dashboard/attribution")
        assert answer.status == 404
        assert "There is no page attribution on this dashboard" in tab.inner_text("main")
        tab.click("text=Touchpoints & attribution")
        tab.wait_for_url("**/login?next=%2Fdashboard%2Ftouchpoints")  # then signing in
        context.close()
    ws.close()
