"""Figures and the HTML report, checked against hand-made stage tables with known answers."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

import jejak.report
from jejak.report import (
    PALETTE,
    Section,
    render_report,
    stage_flow_figure,
    stage_funnel_figure,
    stage_sections,
    write_report,
)
from jejak.report import formatting as fmt
from jejak.report.figures import touchpoint_effect_figure

NAN = float("nan")
WIB = timezone(timedelta(hours=7))
EVIL = "<script>alert(1)</script>"
CHROMIUM = Path("/usr/bin/chromium")


def funnel_table(stages: list[str]) -> pd.DataFrame:
    """Four stages, 1,000 people: 1000 -> 500 -> 200 -> 50, 20 of them skipped into stage 3."""
    return pd.DataFrame(
        {
            "stage": stages,
            "stage_index": [1, 2, 3, 4],
            "reached": [1000, 500, 200, 50],
            "reached_share": [1.0, 0.5, 0.2, 0.05],
            "converted_to_next": [500, 180, 50, 0],
            "conversion_to_next": [0.5, 0.36, 0.25, NAN],
            "moved_on": [500, 180, 50, 0],
            "median_days_to_next": [2.0, 3.25, 10.0, NAN],
            "p90_days_to_next": [6.5, 12.0, 30.0, NAN],
            "current": [500, 320, 150, 50],
            "skipped_into": [0, 0, 20, 0],
        }
    )


def three_stage_flows() -> pd.DataFrame:
    """10 people: 5 A->B, 2 skip A->C, 3 stop at A; of B's 5, 4 go on to C and 1 stops."""
    return pd.DataFrame(
        [
            ("B", "C", 4),
            ("A", "(stopped)", 3),
            ("C", "(stopped)", 6),
            ("A", "C", 2),
            ("B", "(stopped)", 1),
            ("A", "B", 5),
        ],
        columns=["from_stage", "to_stage", "people"],
    )


def stage_funnel_result(stages: list[str]) -> SimpleNamespace:
    """Shaped like jejak.analyses.stages.StageFunnel, which this package must not import."""
    a, b, c, d = stages
    flows = pd.DataFrame(
        [
            (a, b, 480),
            (a, c, 20),
            (a, "(stopped)", 500),
            (b, c, 180),
            (b, "(stopped)", 320),
            (c, d, 50),
            (c, "(stopped)", 150),
            (d, "(stopped)", 50),
        ],
        columns=["from_stage", "to_stage", "people"],
    )
    return SimpleNamespace(
        title="Stage funnel: demo shop",
        table=funnel_table(stages),
        flows=flows,
        meta={
            "journey": "demo",
            "people": 1000,
            "as_of": datetime(2026, 2, 1, 10, 0, tzinfo=WIB),
            "stages": stages,
        },
    )


# -- formatting ---------------------------------------------------------------------------


def test_people_counts_have_thousands_separators() -> None:
    assert fmt.people(12345) == "12,345"
    assert fmt.people(0) == "0"
    assert fmt.people(np.int64(1234567)) == "1,234,567"
    assert fmt.people(999.6) == "1,000"


def test_undescribed_tables_read_for_people() -> None:
    when = pd.Timestamp("2026-03-01 10:05:09", tz="UTC")
    frame = pd.DataFrame(
        {"load_id": [12345], "row": [23456], "hour": [13], "rows_read": [34567],
         "rate": [0.12345], "whole": [3.0], "loaded_at": [when]}
    )  # fmt: skip
    columns = fmt.guess_columns(frame)
    assert [c.label for c in columns][:4] == ["Load id", "Row", "Hour", "Rows read"]
    shown = fmt.format_table(frame, columns).iloc[0].tolist()
    assert shown == ["12345", "23456", "13", "34,567", "0.12", "3", "2026-03-01 10:05 +00:00"]


def test_percent_reads_a_share() -> None:
    assert fmt.percent(0.1234) == "12.3%"
    assert fmt.percent(0.1234, digits=0) == "12%"
    assert fmt.percent(1) == "100.0%"
    assert fmt.percent(np.float64(0.05)) == "5.0%"


def test_days_say_their_unit() -> None:
    # a no-break space: a narrow cell never puts the unit on a line of its own
    assert fmt.days(3.21) == "3.2\u00a0days"
    assert fmt.days(1) == "1.0\u00a0day"
    assert fmt.days(1234.5, digits=0) == "1,234\u00a0days"  # half to even


def test_money_shows_the_currency_and_its_usual_decimals() -> None:
    assert fmt.money(1234500, "IDR") == "IDR 1,234,500"
    assert fmt.money(12.5, "usd") == "USD 12.50"
    assert fmt.money(-3, "EUR") == "EUR -3.00"
    assert fmt.money(1999.99, "IDR", digits=2) == "IDR 1,999.99"


@pytest.mark.parametrize("missing", [None, NAN, np.nan, pd.NA, pd.NaT])
def test_missing_values_read_as_a_dash(missing: object) -> None:
    assert fmt.people(missing) == "–"
    assert fmt.percent(missing) == "–"
    assert fmt.days(missing) == "–"
    assert fmt.money(missing, "IDR") == "–"


def test_timestamp_keeps_the_offset() -> None:
    assert fmt.timestamp(datetime(2026, 2, 1, 10, 5, tzinfo=WIB)) == "2026-02-01 10:05 +07:00"
    assert fmt.timestamp(datetime(2026, 2, 1, 10, 5)) == "2026-02-01 10:05"
    assert fmt.timestamp(None) == "–"


def test_stage_table_for_people() -> None:
    text = fmt.format_table(funnel_table(["A", "B", "C", "D"]), fmt.STAGE_COLUMNS)
    assert list(text.columns) == [
        "Stage",
        "Reached",
        "Share",
        "Conversion to next",
        "Median days to next",
        "90th pct days",
        "In stage now",
        "Skipped into",
    ]
    assert text.iloc[1].tolist() == [
        "B",
        "500",
        "50.0%",
        "36.0%",
        "3.2\u00a0days",
        "12.0\u00a0days",
        "320",
        "0",
    ]
    assert text.iloc[3].tolist() == ["D", "50", "5.0%", "–", "–", "–", "50", "0"]


# -- figures ------------------------------------------------------------------------------


def test_funnel_figure_draws_reached_per_stage_in_journey_order() -> None:
    stages = ["Awareness", "Engagement", "Subscribe", "Convert"]
    shuffled = funnel_table(stages).iloc[[2, 0, 3, 1]]  # the figure, not the caller, orders

    figure = stage_funnel_figure(shuffled, "Reached")

    (trace,) = figure.data
    assert trace.type == "funnel"
    assert list(trace.y) == stages
    assert list(trace.x) == [1000, 500, 200, 50]
    assert list(trace.text) == [
        "1,000  ·  100.0%",
        "500  ·  50.0%",
        "200  ·  20.0%",
        "50  ·  5.0%",
    ]
    assert list(trace.marker.color) == list(PALETTE[:4])
    assert "Conversion to next: 36.0%" in trace.customdata[1]
    assert "Median time to next: 3.2\u00a0days" in trace.customdata[1]
    assert "Conversion to next: –" in trace.customdata[3]
    assert figure.layout.title.text == "Reached"


def test_funnel_figure_shows_markup_in_stage_names_as_text() -> None:
    figure = stage_funnel_figure(funnel_table(["A", "<b>VIP</b>", "C", "D"]), "t")

    assert figure.data[0].y[1] == "<b>VIP</b>"  # the data keeps the name as typed
    assert figure.layout.yaxis.ticktext[1] == "&lt;b&gt;VIP&lt;/b&gt;"
    assert "<b>&lt;b&gt;VIP&lt;/b&gt;</b>" in figure.data[0].customdata[1]


def test_flow_figure_links_encode_each_flow_including_skips_and_stops() -> None:
    figure = stage_flow_figure(three_stage_flows(), ["A", "B", "C"], "Flows")

    (trace,) = figure.data
    assert trace.type == "sankey"
    assert list(trace.node.customdata) == [
        "A · 10",
        "B · 5",
        "C · 6",
        "Stopped at A · 3",
        "Stopped at B · 1",
    ]
    # A->B, A->C (the skip), A stopped, B->C, B stopped. C is the last stage: stopping
    # there is finishing the journey, so it has no drop-off node.
    assert list(trace.link.source) == [0, 0, 0, 1, 1]
    assert list(trace.link.target) == [1, 2, 3, 2, 4]
    assert list(trace.link.value) == [5, 2, 3, 4, 1]
    assert list(trace.node.color) == [*PALETTE[:3], "#B8BEC6", "#B8BEC6"]
    assert trace.link.customdata[1] == "A → C: 2 people"


def test_flow_figure_sums_repeated_rows_and_draws_unlisted_stages_last() -> None:
    flows = pd.DataFrame(
        [("A", "B", 1), ("A", "B", 2), ("B", "Z", 1), ("B", "(stopped)", 2), ("Z", "(stopped)", 1)],
        columns=["from_stage", "to_stage", "people"],
    )

    trace = stage_flow_figure(flows, ["A", "B"], "t").data[0]

    # Z, named by the flows but not the journey, is drawn after B, so it is the last
    # stage: B's stop is a drop-off, Z's is not.
    assert list(trace.node.customdata) == ["A · 3", "B · 3", "Z · 1", "Stopped at B · 2"]
    assert list(trace.link.source) == [0, 1, 1]
    assert list(trace.link.target) == [1, 2, 3]
    assert list(trace.link.value) == [3, 1, 2]


def test_flow_figure_escapes_stage_names() -> None:
    trace = stage_flow_figure(three_stage_flows().replace("A", EVIL), [EVIL, "B", "C"], "t").data[0]

    assert trace.node.customdata[0] == "&lt;script&gt;alert(1)&lt;/script&gt; · 10"
    assert all("<script>" not in label for label in trace.node.customdata)


def test_flow_figure_labels_stages_above_and_drop_offs_below_their_columns() -> None:
    long = "Ikuti akun Instagram toko kami"
    flows = three_stage_flows().replace("A", long)
    figure = stage_flow_figure(flows, [long, "B", "C"], "Flows")
    (trace,) = figure.data

    assert list(trace.node.label) == [""] * 5  # plotly's own labels overprint; see below
    # stages along the top, each drop-off at the bottom of the column after its stage
    assert list(trace.node.x) == [0.001, 0.5, 0.999, 0.5, 0.999]
    assert all(y < 0.5 for y in trace.node.y[:3]) and all(y > 0.5 for y in trace.node.y[3:])
    texts = [(a.x, a.yanchor, a.text) for a in figure.layout.annotations]
    # 620 px over 2 gaps, less 10, is 160 px: 22 characters a line
    assert texts == [
        (0.001, "bottom", "Ikuti akun Instagram<br>toko kami<br>10"),
        (0.5, "bottom", "B<br>5"),
        (0.999, "bottom", "C<br>6"),
        (0.5, "top", "Stopped at Ikuti akun<br>Instagram toko kami<br>3"),
        (0.999, "top", "Stopped at B<br>1"),
    ]
    assert figure.layout.margin.t == 48 + 16 * 3 and figure.layout.margin.b == 12 + 16 * 3


# -- the HTML report ----------------------------------------------------------------------


class _Attributes(HTMLParser):
    """Every src/href attribute and every tag name outside the inlined plotly.js."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("src", "href")]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    funnel = stage_funnel_result(["Awareness", "Engagement", EVIL, "Convert"])
    path = tmp_path_factory.mktemp("report") / "out" / "report.html"
    written = write_report(
        path,
        stage_sections(funnel),
        "Journey report",
        "Demo shop, value journey",
        generated_at=datetime(2026, 2, 1, 10, 30, tzinfo=WIB),
    )
    assert written == path
    return path


def test_report_inlines_plotly_js_exactly_once(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")

    assert page.count("* plotly.js v") == 1  # the bundle's licence header
    assert page.count(get_plotlyjs()) == 1
    assert page.count('class="jejak-chart"') == 2  # funnel + flows, drawn by that one copy
    # their shared template is written once, not once per chart
    assert page.count('"paper_bgcolor":"white"') == 1
    assert '<script type="application/json" id="jejak-templates">' in page


def test_report_needs_no_network(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    # plotly.js itself mentions URLs (its docs, a topojson CDN unused by these charts);
    # everything jejak writes around it must not.
    ours = page.replace(get_plotlyjs(), "")
    parser = _Attributes()
    parser.feed(ours)

    assert "link" not in parser.tags
    assert all(link.startswith("#") for link in parser.links), parser.links
    assert not re.search(r"https?://|//cdn|cdn\.", ours)


def test_report_escapes_user_text_and_has_every_section(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")

    assert EVIL not in page
    assert '<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class="num">200</td>' in page
    assert "<h2>Stage funnel: demo shop</h2>" in page
    assert "<h2>Where people went after each stage</h2>" in page
    assert "<title>Journey report</title>" in page
    assert '<p class="subtitle">Demo shop, value journey</p>' in page
    assert "Generated 2026-02-01 10:30 +07:00" in page
    assert "Of the 1,000 people in the demo journey as of 2026-02-01 10:00 +07:00" in page


def test_report_right_aligns_numbers_and_has_a_print_stylesheet(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")

    assert '<th scope="col">Stage</th><th scope="col" class="num">Reached</th>' in page
    assert (
        '<td>Engagement</td><td class="num">500</td><td class="num">50.0%</td>'
        '<td class="num">36.0%</td><td class="num">3.2\u00a0days</td>'
    ) in page
    assert "@media print" in page
    assert "break-inside: avoid" in page


def test_render_report_escapes_every_caller_text_and_skips_plotly_without_charts() -> None:
    table = pd.DataFrame({"Campaign": ["<i>x</i>"], "Budget": ["IDR 1,000"], "Note": ["a & b"]})
    page = render_report(
        [Section(heading="<h1>", intro="First <b>para</b>.\n\nSecond.", table=table)],
        "R&D <report>",
        subtitle='"quoted"',
    )

    assert "plotly.js v" not in page
    assert "<title>R&amp;D &lt;report&gt;</title>" in page
    assert "<h2>&lt;h1&gt;</h2>" in page
    assert "<p>First &lt;b&gt;para&lt;/b&gt;.</p><p>Second.</p>" in page
    assert "&quot;quoted&quot;" in page
    assert '<td>&lt;i&gt;x&lt;/i&gt;</td><td class="num">IDR 1,000</td><td>a &amp; b</td>' in page
    assert "<nav" not in page  # one section needs no table of contents


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not at /usr/bin/chromium")
def test_report_renders_offline_in_headless_chromium(report_file: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",  # charts are drawn after the page opens
            "--dump-dom",
            report_file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = result.stdout

    assert dom.count('class="main-svg"') >= 2
    assert dom.count('class="point"') == 4  # one funnel bar per stage
    # 4 stages + 3 drop-off nodes (not the last stage); 8 flows minus the last stage's stop.
    assert dom.count('class="sankey-node"') == 7
    assert dom.count('class="sankey-link"') == 7
    assert ">&lt;script&gt;alert(1)&lt;/script&gt;<" in dom  # drawn as text, not run
    assert "<script>alert(1)" not in dom


def test_public_api() -> None:
    assert sorted(jejak.report.__all__) == [
        "PALETTE",
        "Section",
        "render_report",
        "stage_color",
        "stage_flow_figure",
        "stage_funnel_figure",
        "stage_sections",
        "write_report",
    ]
    assert len(set(PALETTE)) >= 8  # distinct colours for the 8-stage value journey


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0\u00a0s"),
        (45, "45\u00a0s"),
        (210, "3.5\u00a0min"),
        (7_200, "2.0\u00a0h"),
        (129_600, "1.5\u00a0days"),
        (86_400, "1.0\u00a0day"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_duration_reads_in_the_best_unit(seconds, text):
    from jejak.report.formatting import duration

    assert duration(seconds) == text


def test_bar_labels_have_room_at_the_end_of_the_longest_bar():
    from jejak.report.figures import value_by_figure

    table = pd.DataFrame(
        {
            "channel": ["search", "ads", "unknown"],
            "buyers": [162, 45, 3],
            "expected_revenue": [58_408_614.0, 5_977_770.0, float("nan")],
            "revenue_per_buyer": [360_547.0, 132_839.0, float("nan")],
        }
    )
    figure = value_by_figure(table, "channel", "Expected value by channel")
    low, high = figure.layout.xaxis.range
    assert low == 0 and high > 58_408_614 * 1.25  # room after the longest bar for its label
    # a longer label gets more room (chromium checks none is cut: test_report_visual.py)
    longer = value_by_figure(table.replace({"search": "search " * 6}), "channel", "t")
    assert longer.layout.xaxis.range[1] > high
    assert figure.data[0].text[0] == "3 buyers · – each"  # not estimated: a dash, not 0


def test_value_charts_say_the_currency_when_the_touchpoints_give_one():
    from jejak import language
    from jejak.analyses.customer_value import CustomerValue, ValueBy
    from jejak.report.figures import customer_value_figure, value_by_figure

    table = pd.DataFrame(
        {
            "channel": ["search", "ads"],
            "buyers": [3, 2],
            "expected_revenue": [3_703_500.0, 2_469_000.0],
            "revenue_per_buyer": [1_234_500.0, 1_234_500.0],
        }
    )
    plain = value_by_figure(table, "channel", "t")  # no currency: plain numbers, as before
    assert plain.data[0].text[0] == "2 buyers · 1,234,500 each"
    assert plain.layout.xaxis.title.text == "expected revenue over the horizon"
    assert plain.layout.xaxis.tickprefix is None
    english = value_by_figure(table, "channel", "t", currency="idr")
    assert english.data[0].text[0] == "2 buyers · IDR 1,234,500 each"
    assert english.layout.xaxis.title.text == "expected revenue over the horizon (IDR)"
    assert english.layout.xaxis.tickprefix == "IDR "
    with language.speaking("id"):
        indonesian = value_by_figure(table, "channel", "t", currency="IDR")
    assert indonesian.data[0].text[0] == "2 pembeli · Rp 1.234.500 per pembeli"
    assert indonesian.layout.xaxis.tickprefix == "Rp "
    assert indonesian.layout.xaxis.title.text.endswith("(Rp)")
    # the registry's drawers take the currency the workspace put in the result's meta
    drawn = ValueBy(title="t", table=table, meta={"by": "channel", "currency": "IDR"})
    assert drawn.figure().data[0].text == english.data[0].text
    assert ValueBy(title="t", table=table, meta={"by": "channel"}).figure().data[0].text == (
        plain.data[0].text
    )
    buyers = pd.DataFrame(
        {"p_alive": [0.1, 0.1, 0.9, 0.9], "expected_revenue": [500.0, 500.0, 1_000.0, 1_234_500.0]}
    )
    bands = customer_value_figure(buyers, "t", currency="IDR").data[0].text
    assert bands[0] == "2 buyers · IDR 1,000 expected"
    assert bands[-1] == "2 buyers · IDR 1,235,500 expected"
    assert CustomerValue(title="t", table=buyers, meta={}).figure().data[0].text[-1] == (
        "2 buyers · 1,235,500 expected"
    )


def test_effect_tables_mark_the_sides_with_too_few_people():
    from jejak import language
    from jejak.report.tables import touchpoint_effect_table

    table = pd.DataFrame(
        {
            "stage": ["Engage", "Engage", "Convert"],
            "stage_index": [2, 2, 4],
            "event": ["email_open", "webinar", "review_read"],
            "people_with": [30, 12, 1_250],
            "rate_with": [0.5, 0.4, 0.2],
            "people_without": [30, 40, 29],
            "rate_without": [0.25, 0.2, 0.1],
            "rate_ratio": [2.0, 2.0, 2.0],
            "ci_low": [1.5, 0.5, 1.1],
            "ci_high": [2.5, 8.0, 3.6],
            "verdict": ["helps", "too few people", "too few people"],
        }
    )
    shown = touchpoint_effect_table(table)  # under 30 on a side: few, as the verdict says
    assert shown["People with it"].tolist() == ["30", "12 (few)", "1,250"]
    assert shown["People without"].tolist() == ["30", "40", "29 (few)"]
    assert shown["Verdict"].tolist() == ["helps", "too few people", "too few people"]
    # the analysis's own threshold when it was asked for another (min_people=13)
    assert touchpoint_effect_table(table, 13)["People with it"].tolist() == [
        "30",
        "12 (few)",
        "1,250",
    ]
    assert touchpoint_effect_table(table, 12)["People with it"].tolist() == ["30", "12", "1,250"]
    with language.speaking("id"):
        indonesian = touchpoint_effect_table(table)
    assert indonesian.iloc[:, 2].tolist() == ["30", "12 (sedikit)", "1.250"]


def test_ratio_axes_read_as_ratios_and_share_axes_stop_at_100_percent():
    from jejak.report.figures.drawing import ratio_ticks, share_format, share_ticks

    fine = ratio_ticks([0.28, 0.22, 0.35, 1.13, 1.76])
    assert fine["ticktext"] == ["0.25x", "0.5x", "0.75x", "1x", "1.5x"]
    wide = ratio_ticks([0.014, 0.3, 42.0, float("inf"), float("nan")])  # no interval: skipped
    coarse = ["0.01x", "0.02x", "0.05x", "0.1x", "0.2x", "0.5x", "1x", "2x", "5x", "10x"]
    assert wide["ticktext"] == [*coarse, "20x", "50x"]
    assert share_ticks(1.0)[-1] == 1.0 and share_ticks(0.37) == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert max(share_ticks(0.99)) <= 1.0
    # no two ticks read the same: an axis to 2.4% needs a decimal
    assert share_format(0.024) == ".1%" and share_format(0.3) == ".0%"


def test_experience_table_lists_the_charts_rows_with_ratios_to_two_decimals():
    from jejak.report.html import experience_sections

    effects = pd.DataFrame(
        {
            "stage": ["Convert", "Excite", "Advocate"],
            "stage_index": [4, 5, 7],
            "experience": ["bad", "bad", "good"],
            "people_with": [157, 486, 3],
            "rate_with": [0.1, 0.05, NAN],
            "moved_with": [16, 24, 0],
            "people_without": [900, 700, 5],
            "moved_without": [99, 126, 2],
            "rate_without": [0.11, 0.18, NAN],
            "rate_ratio": [0.947567, 0.279907, NAN],
            "ci_low": [0.680215, 0.221044, NAN],
            "ci_high": [1.319998, 0.354446, NAN],
            "verdict": ["unclear", "hurts", "too few people"],
        }
    )
    felt = SimpleNamespace(
        meta={"signals": 10, "good": 5, "neutral": 2, "bad": 3, "churn_difference": 0.01,
              "churn_difference_low": 0, "churn_difference_high": 0.02},
        title="Experience",
        churn=pd.DataFrame({"group": ["none"], "churn_rate": [0.1]}),
        effects=effects,
        table=pd.DataFrame(columns=["stage", "touchpoint", "signals", "good", "neutral", "bad"])
        .assign(bad_share=[]),
        journeys=pd.DataFrame({"path": [], "occurrences": [], "people": []}),
        figure=lambda: go.Figure(),
        effect_figure=lambda: touchpoint_effect_figure(effects, "experience", "t"),
    )  # fmt: skip
    source = SimpleNamespace(experience=lambda: felt)
    section = experience_sections(source)[-1]
    chart_rows = list(section.figures[0].layout.yaxis.categoryarray)
    assert chart_rows == ["Advocate · good", "Excite · bad", "Convert · bad"]  # bottom-up
    assert section.table["Experience"].tolist() == ["bad", "bad", "good"]  # and few ones
    assert section.table["Moves on (same time in stage)"].tolist() == ["0.95x", "0.28x", "–"]
    assert section.table["95% interval"].tolist() == [
        "0.68x to 1.32x",
        "0.22x to 0.35x",
        "nobody moved on after it",
    ]
    assert section.table["People with it"].tolist() == ["157", "486", "3 (few)"]


def test_a_column_of_shares_with_empty_cells_lines_up_on_the_right():
    from jejak.report.html import table_html

    later = pd.DataFrame({"Cohort": ["2025-01", "2025-02"], "11": ["7%", ""]})  # not yet
    assert '<th scope="col" class="num">11</th>' in table_html(later, None)
    assert '<td class="num"></td>' in table_html(later, None)


def test_a_touchpoints_name_may_break_after_an_underscore():
    """So a comparison's eight columns fit an 800-pixel window (see test_report_visual);
    the cell's text is unchanged: <wbr> is no character."""
    from jejak.report.html import table_html

    rows = pd.DataFrame({"Touchpoint": ["setup_guide_view → onboarding_complete"]})
    page = table_html(rows, None)
    assert "<td>setup_<wbr>guide_<wbr>view → onboarding_<wbr>complete</td>" in page


def test_a_difference_in_points_stays_on_one_line_and_lines_up_on_the_right():
    """A segment comparison's Difference column in Indonesian: "+0,0 poin" in a narrow
    cell once broke before "poin"."""
    from jejak import language
    from jejak.report.comparisons import comparison_table
    from jejak.report.html import table_html

    table = pd.DataFrame(
        {
            "stage": ["Awareness", "Convert"],
            "measure": ["reached", "reached"],
            "share_a": [1.0, 0.25],
            "count_a": [40, 10],
            "total_a": [40, 40],
            "share_b": [1.0, 0.125],
            "count_b": [80, 10],
            "total_b": [80, 80],
            "difference": [0.0, 0.125],
            "low": [-0.005, -0.012],
            "high": [0.003, 0.28],
            "excludes_zero": [False, False],
        }
    )
    result = SimpleNamespace(table=table, meta={"what": "stages", "a": "Fans", "b": "rest"})
    with language.speaking("id"):
        page = table_html(comparison_table(result), None)
    assert '<th scope="col" class="num">Selisih</th>' in page
    assert '<td class="num">+0,0\u00a0poin</td>' in page
    assert '<td class="num">+12,5\u00a0poin</td>' in page
    assert "<td>-0,5\u00a0poin s.d. +0,3\u00a0poin</td>" in page  # breaks at s.d. only
    assert "<td>-1,2\u00a0poin s.d. +28,0\u00a0poin</td>" in page


def test_exports_keep_numbers_plain_times_in_the_workspace_zone_and_durations_rounded():
    from jejak.report.exports import for_export

    table = pd.DataFrame(
        {
            "entered_at": pd.to_datetime(["2026-01-01 02:00:00"]).tz_localize("UTC"),
            "days_in_stage": [157.3416550925926],
            "median_seconds": [3601.6],
            "share": [0.123456789],  # not a duration: kept whole for tools
        }
    )
    shown = for_export(table, "Asia/Jakarta").to_csv(index=False).splitlines()
    assert shown == [
        "entered_at,days_in_stage,median_seconds,share",
        "2026-01-01 09:00:00+07:00,157.3,3602,0.123456789",
    ]
    assert table["days_in_stage"][0] == 157.3416550925926  # the result is not changed


def test_a_month_with_few_answers_is_a_hollow_dot_labelled_with_its_count():
    from jejak.report.figures import nps_figure

    table = pd.DataFrame(
        {
            "period": ["all", "2025-01-01", "2025-02-01", "2025-03-01"],
            "answers": [132, 120, 11, 1],
            "nps": [20.0, 18.0, 40.0, 100.0],
            "ci_low": [10.0, 8.0, -10.0, 100.0],
            "ci_high": [30.0, 28.0, 90.0, 100.0],
        }
    )
    (trend,) = nps_figure(table, "NPS").data
    assert list(trend.marker.symbol) == ["circle", "circle-open", "circle-open"]
    assert list(trend.text) == ["", "11 answers", "1 answer"]  # under 30, and singular


def test_the_house_layout_is_plotly_white_as_plotly_would_check_and_set_it():
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    from jejak.report.figures.drawing import layout

    def bars() -> go.Figure:
        return go.Figure(go.Bar(x=[3, 1], y=["kunjungi_halaman", "pembelian"], orientation="h"))

    ours = layout(bars(), "Titik sentuh", 300)
    checked = bars().update_layout(template="plotly_white")  # Plotly checks and copies it
    assert (
        json.loads(ours.to_json())["layout"]["template"]
        == json.loads(checked.to_json())["layout"]["template"]
    )
    ours.layout.template.layout.font.size = 30  # a chart's own copy: the registered one stays
    assert pio.templates["plotly_white"].layout.font.size is None
    assert ours.layout.height == 300 and ours.layout.title.text == "Titik sentuh"
