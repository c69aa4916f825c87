"""Every chart of the report as a reader sees it, drawn by chromium: no two labels of a
chart meet, and none is cut by its chart or its plot area. Measured on the rendered SVG
text boxes (rotation kept), at a desktop window and at a narrow one (charts are shown
smaller there, whole), on the demo shop's whole report and on names long enough to wrap.
A number keeps its unit on its line in a table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from jejak import language
from jejak.report import Section, render_report
from jejak.report.figures import (
    CHART_WIDTH,
    process_map_figure,
    stage_flow_figure,
    value_by_figure,
)

CHROMIUM = "/usr/bin/chromium"
LABELS = (Path(__file__).parent / "browser" / "labels.js").read_text("utf-8")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

# Indonesian names as a shop would write them, longer than any the simulator uses
STAGES = [
    "Kenal merek kami",
    "Ikut berinteraksi",
    "Berlangganan buletin",
    "Membeli pertama kali",
    "Senang dan puas",
    "Membeli lagi lebih banyak",
    "Merekomendasikan",
    "Mempromosikan toko",
]


def _long_names() -> list[Section]:
    """The charts whose labels are placed by jejak, drawn with long names."""
    people = [20_000, 11_049, 5_747, 2_823, 1_760, 793, 364, 161]
    flows = [(a, b, n) for a, b, n in zip(STAGES, STAGES[1:], people[1:], strict=False)]
    flows += [(s, "(stopped)", n - m) for s, n, m in zip(STAGES, people, people[1:], strict=False)]
    flow = stage_flow_figure(
        pd.DataFrame(flows, columns=["from_stage", "to_stage", "people"]), STAGES, "Alur"
    )
    names = [
        ("lihat_halaman_produk", 1),
        ("baca_ulasan_pelanggan", 1),
        ("klik_iklan_instagram", 1),
        ("daftar_buletin_mingguan", 2),
        ("buka_email_promosi", 2),
        ("ikut_webinar_gratis", 3),
        ("pesanan_pertama_selesai", 4),
        ("tiket_bantuan_pelanggan", 5),
        ("undang_teman_belanja", 7),
    ]
    nodes = pd.DataFrame(
        {
            "touchpoint": [n for n, _ in names],
            "occurrences": [9_000 - 900 * i for i in range(len(names))],
            "people": [5_000 - 500 * i for i in range(len(names))],
            "stage": [STAGES[i - 1] for _, i in names],
            "stage_index": [i for _, i in names],
        }
    )
    edges = pd.DataFrame(
        {
            "source": [n for n, _ in names[:-1]],
            "target": [n for n, _ in names[1:]],
            "transitions": [100] * (len(names) - 1),
            "people": [90] * (len(names) - 1),
            "median_seconds": [3_600.0] * (len(names) - 1),
            "share_of_source": [0.5] * (len(names) - 1),
        }
    )
    pmap = process_map_figure(nodes, edges, ["(before any stage)", *STAGES], "Peta proses")
    value = pd.DataFrame(
        {
            "channel": ["Instagram dan TikTok berbayar", "Pencarian organik Google", "x"],
            "buyers": [12_162, 45, 3],
            "expected_revenue": [5_840_861_400.0, 597_777_000.0, 1_000.0],
            "revenue_per_buyer": [36_054_700.0, 13_283_900.0, 333.0],
        }
    )
    with language.speaking("id"):  # the longest amounts: rupiah, with their sign
        bars = value_by_figure(value, "channel", "Nilai per saluran", currency="IDR")
    return [Section(heading="Nama panjang", figures=[flow, pmap, bars])]


def _opened(html: Path, browser, width: int):
    """A tab showing ``html`` in a window ``width`` wide, every chart drawn."""
    tab = browser.new_page(viewport={"width": width, "height": 900})
    tab.goto(html.as_uri(), wait_until="load", timeout=120_000)
    tab.wait_for_function(
        "document.querySelectorAll('div.jejak-chart:not([data-drawn])').length === 0",
        timeout=120_000,
    )
    tab.wait_for_timeout(300)  # the last chart's labels are placed after it is drawn
    return tab


def _problems(html: Path, browser, width: int) -> tuple[int, list[dict]]:
    tab = _opened(html, browser, width)
    charts = tab.locator("div.jejak-chart").count()
    found = tab.evaluate(LABELS)
    tab.close()
    return charts, found


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo_report(demo_report_sections, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("visual") / "report.html"
    path.write_text(render_report(demo_report_sections("en"), "Demo"), "utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 800])
def test_no_label_of_the_demo_report_meets_another_or_is_cut(demo_report, browser, width):
    charts, found = _problems(demo_report, browser, width)
    assert charts >= 20
    assert found == []


# Each chart's place and the chart as shown, the chart's scale, and how far its place
# scrolls when asked to (none: a chart is never cut and scrolled)
_CHART_BOXES = """
Array.from(document.querySelectorAll("figure.chart")).map(place => {
  const chart = place.querySelector("div.jejak-chart");
  const box = place.getBoundingClientRect(), shown = chart.getBoundingClientRect();
  place.scrollLeft = 100;
  return {place: [box.left, box.right, box.bottom], chart: [shown.left, shown.right,
    shown.bottom], scale: shown.width / chart.offsetWidth, scrolled: place.scrollLeft};
})
"""


@pytest.mark.parametrize("width", [1280, 800])
def test_charts_fit_the_window_instead_of_scrolling(demo_report, browser, width):
    """At 800 px a chart is drawn as wide as at its narrowest (its labels were placed for
    that) and shown smaller, whole; at 1280 px it is drawn at its place's width, unscaled.
    Hovering still finds a bar of a chart shown smaller."""
    tab = _opened(demo_report, browser, width)
    page = tab.evaluate("[document.documentElement.scrollWidth, document.body.clientWidth]")
    charts = tab.evaluate(_CHART_BOXES)
    bar = tab.locator("figure.chart g.point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.wait_for_timeout(300)
    hover = tab.evaluate(
        "Array.from(document.querySelectorAll('g.hoverlayer')).map(g => g.textContent).join('')"
    )
    tab.close()
    assert page[0] <= page[1]  # the page does not scroll sideways
    assert len(charts) >= 20
    for chart in charts:
        left, right, bottom = chart["place"]
        shown_left, shown_right, shown_bottom = chart["chart"]
        assert abs(shown_left - left) < 1 and shown_right <= right + 1 and chart["scrolled"] == 0
        assert abs(shown_bottom - bottom) < 1  # its place is as high as the chart shown
        if width == 1280:
            assert chart["scale"] == 1 and abs(shown_right - right) < 1
        else:
            assert chart["scale"] == pytest.approx((right - left) / CHART_WIDTH, abs=0.001)
    assert hover  # the mouse reads through the scale


@pytest.fixture(scope="module")
def indonesian_report(demo_report_sections, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("visual-id") / "laporan.html"
    with language.speaking("id"):  # the page's own words too
        path.write_text(render_report(demo_report_sections("id"), "Laporan demo"), "utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 800])
def test_no_label_of_the_indonesian_report_meets_another_or_is_cut(
    indonesian_report, browser, width
):
    charts, found = _problems(indonesian_report, browser, width)
    assert charts >= 20
    assert found == []


# The lines each table cell holding a number and its unit ("+0,0 poin", "3,2 hari") takes
_NUMBER_CELL_LINES = r"""
Array.from(document.querySelectorAll("td"))
  .filter(td => /^[-+]?\d[\d.,]*[ \u00a0](poin|hari|jam|mnt|dtk)$/.test(td.textContent))
  .map(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    return [td.textContent, new Set(Array.from(range.getClientRects(), r => r.top)).size];
  })
"""


def test_a_number_keeps_its_unit_on_its_line_in_a_narrow_window(indonesian_report, browser):
    """The segment comparisons' Difference ("+0,0 poin") and the durations ("3,2 hari")
    once broke before their unit in an 800 px window."""
    tab = _opened(indonesian_report, browser, 800)
    cells = tab.evaluate(_NUMBER_CELL_LINES)
    tab.close()
    assert len([text for text, _ in cells if text.endswith("poin")]) >= 10
    assert len([text for text, _ in cells if text.endswith("hari")]) >= 5
    assert [text for text, lines in cells if lines != 1] == []


def test_a_segment_comparisons_table_fits_an_800_px_window(demo_report, browser):
    """Its eight columns (what, each side's share and count, the difference, its
    interval, whether it is clear) once scrolled sideways in their own box, the last
    column cut off, at 800 px."""
    tab = _opened(demo_report, browser, 800)
    widths = tab.evaluate(
        "Array.from(document.querySelectorAll('section')).filter(s =>"
        " (s.querySelector('h2') || {}).textContent.includes('compared with everyone else'))"
        ".map(s => { const t = s.querySelector('table');"
        " return [t.scrollWidth, t.parentElement.clientWidth]; })"
    )
    tab.close()
    # the one segment of the shop's settings against everyone else: on the stage funnel,
    # the journey map, the process map and the paths
    assert len(widths) == 4
    assert all(table <= box for table, box in widths), widths


def _english_words() -> list[str]:
    """The catalogue's English sentences and labels (two words or more) whose Indonesian
    reads otherwise: none may show in an Indonesian page."""
    from babel.messages.pofile import read_po

    with language.catalogue_path("id").open("rb") as file:
        catalogue = read_po(file, locale="id")
    words = []
    for message in catalogue:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for source in sources:
            # the fixed words around the placeholders, as a reader would see them
            for piece in re.split(r"\{[^}]*\}", source):
                piece = piece.strip(" .,:;()")
                if len(piece.split()) >= 2 and all(piece not in text for text in texts):
                    words.append(piece)
    return sorted(set(words), key=len, reverse=True)


def test_the_indonesian_report_shows_no_english_words(indonesian_report, browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto(indonesian_report.as_uri(), wait_until="load", timeout=120_000)
    tab.wait_for_function(
        "document.querySelectorAll('div.jejak-chart:not([data-drawn])').length === 0",
        timeout=120_000,
    )
    shown = tab.evaluate(
        "document.body.innerText + '\\n' + Array.from(document.querySelectorAll('svg text'))"
        ".map(t => t.textContent).join('\\n')"
    )
    # the charts' toolbars (plotly.js's own words, shown as a button's tooltip)
    tools = tab.evaluate(
        "Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.dataset.title)"
    )
    shown += "\n" + "\n".join(tools)
    lang = tab.evaluate("document.documentElement.lang")
    tab.close()
    assert lang == "id" and not errors
    english = [words for words in _english_words() if words in shown]
    assert not english, english[:20]
    for indonesian in ("Angka kunci", "Corong tahap", "orang"):
        assert indonesian in shown
    assert len(tools) >= 20 and "Unduh grafik sebagai PNG" in tools


@pytest.mark.parametrize("width", [1280, 800])
def test_long_names_wrap_instead_of_meeting(browser, tmp_path, width):
    path = tmp_path / "long.html"
    path.write_text(render_report(_long_names(), "Nama panjang"), "utf-8")
    charts, found = _problems(path, browser, width)
    assert charts == 3
    assert found == []


def test_the_check_finds_labels_that_meet_and_labels_cut(browser, tmp_path):
    """The check itself: two bars' labels printed over each other, a label past the end
    of the plot area (clipped there), and a rotated pair that do not touch."""
    meeting = go.Figure(
        go.Scatter(x=[0, 0.02], y=[0, 0], mode="text", text=["pertama", "kedua"])
    ).update_xaxes(range=[-1, 1])
    cut = go.Figure(
        go.Bar(
            x=[10],
            y=["a"],
            orientation="h",
            text=["label yang terpotong di sini"],
            textposition="outside",
            cliponaxis=True,
        )
    ).update_xaxes(range=[0, 10.5])
    cut.update_layout(margin=dict(r=400))  # past the plot area, still inside the chart
    hours = go.Figure(go.Heatmap(z=[list(range(24))], x=[f"{h:02d}:00" for h in range(24)]))
    hours.update_xaxes(tickangle=-90)
    path = tmp_path / "bad.html"
    path.write_text(render_report([Section("x", figures=[meeting, cut, hours])], "x"), "utf-8")
    _, found = _problems(path, browser, 1280)
    kinds = sorted((f["chart"], f["kind"]) for f in found)
    assert (0, "overlap") in kinds
    assert (1, "clipped by the plot area") in kinds
    assert not [f for f in found if f["chart"] == 2]  # 24 upright hours side by side


@pytest.mark.parametrize(("lang", "tick"), [("id", "2.000"), ("en", "2,000")])
def test_count_axes_mark_thousands_below_ten_thousand(browser, tmp_path, lang, tick):
    # Plotly wrote "2000" on the axis beside a bar labelled "2.000"
    from jejak.report.figures.drawing import labelled_bars, layout

    with language.speaking(lang):
        figure = layout(labelled_bars(["a", "b"], [2500, 900], ["2.500", "900"], "#4E79A7"),
                        "Orang", height=300)  # fmt: skip
        page = render_report([Section(heading="Orang", figures=[figure])], "Orang")
    path = tmp_path / "ticks.html"
    path.write_text(page, "utf-8")
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(path.as_uri(), wait_until="load")
    tab.wait_for_function("document.querySelectorAll('div.jejak-chart[data-drawn]').length === 1")
    ticks = tab.evaluate(
        "Array.from(document.querySelectorAll('.xtick text')).map(t => t.textContent)"
    )
    tab.close()
    assert tick in ticks and "2000" not in ticks, ticks
