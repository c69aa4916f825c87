"""Charts in Bahasa Indonesia: every word through the catalogue, stage names in
Indonesian, and numbers and dates the Indonesian way; English charts as before."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import plotly.io as pio
import pytest
from babel.messages.pofile import read_po

from jejak import language
from jejak.report.figures import (
    attribution_figure,
    campaign_figure,
    campaign_overview_figure,
    engagement_figure,
    lifecycle_figure,
    nps_figure,
    path_figure,
    stage_flow_figure,
    stage_funnel_figure,
    top_paths_figure,
    touchpoint_effect_figure,
)
from jejak.report.tables import transition

# Where a chart keeps what people read (style, ids and numbers are elsewhere)
TEXT_KEYS = frozenset(
    {"text", "name", "hovertemplate", "hovertext", "customdata", "ticktext", "label", "x", "y"}
)
PLACEHOLDER = re.compile(r"\{([^}:!]*)[^}]*\}")
# placeholders filled with a number (or a plotly %{...} token): a word of data next to
# such a message's words (the touchpoint "review" after "Ascend · ") is not the message
NUMBERS = frozenset(
    [
        "count",
        "people",
        "share",
        "reached",
        "times",
        "ratio",
        "low",
        "high",
        "lift",
        "value",
        "amount",
        "clicks",
        "bought",
        "opened",
        "days",
        "hours",
        "minutes",
        "seconds",
        "points",
        "periods",
        "nps",
        "stars",
        "depth",
        "rating",
    ]
)
NUMBER = r"(?:[-+]?\d[\d.,]*%?|%\{[^}]*\})"  # 1.234, 12,5%, -3 or %{customdata}
# Labels whose words are the analyses' own data, not the charts': a cluster's description
# ("3. mostly ads, stalls at Awareness") is built in English by jejak.analyses.clusters
ANALYSES_WORDS = re.compile(r"^\d+\. ")


def plain(figure: Any) -> dict[str, Any]:
    """A figure as the JSON a browser is handed."""
    return json.loads(pio.to_json(figure, validate=False, remove_uids=True))


def texts(node: Any, key: str | None = None) -> Iterator[str]:
    """Every text a person reads in a figure's JSON: axis and colour-bar titles, legend
    names, bar and point texts, hovers, tick labels, annotations, Sankey labels."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "title" and isinstance(value, dict):
                yield from texts(value.get("text"), "text")
            elif name != "template":
                yield from texts(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value, key)
    elif isinstance(node, str) and key in TEXT_KEYS:
        yield node


def english_patterns() -> dict[str, re.Pattern[str]]:
    """The catalogue's English messages that read differently in Indonesian, each as a
    pattern whose ``{placeholders}`` match anything (whole words only)."""
    with language.catalogue_path("id").open("rb") as file:
        catalogue = read_po(file, locale="id")
    patterns = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english in strings or not re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", english)):
                continue
            pieces, names = PLACEHOLDER.split(english)[::2], PLACEHOLDER.findall(english)
            pattern = re.escape(pieces[0])
            for name, piece in zip(names, pieces[1:], strict=True):
                pattern += (NUMBER if name in NUMBERS else ".+?") + re.escape(piece)
            patterns[english] = re.compile(r"(?<![\w-])" + pattern + r"(?![\w-])")
    return patterns


@pytest.fixture(scope="module")
def report_figures(demo_report_sections) -> dict[str, list[dict[str, Any]]]:
    """The demo report's figures as JSON, drawn in English and in Bahasa Indonesia."""
    drawn = {}
    for code in ("en", "id"):
        sections = demo_report_sections(code)
        drawn[code] = [plain(figure) for section in sections for figure in section.figures]
    return drawn


def test_no_english_word_in_the_indonesian_charts_of_the_demo_report(report_figures):
    patterns = english_patterns()
    found = []
    for figure in report_figures["id"]:
        layout = dict(figure["layout"])
        title = layout.pop("title", {}).get("text", "")  # given by the report or the analysis
        for text in texts({"data": figure["data"], "layout": layout}):
            if ANALYSES_WORDS.match(text):
                continue
            # a name wrapped after its _ - or / reads as one word
            text = re.sub(r"([_/-])<br>", r"\1", text)
            found += [(title, english, text) for english, p in patterns.items() if p.search(text)]
    assert len(report_figures["id"]) >= 20
    assert found == []


def test_the_indonesian_charts_write_numbers_the_indonesian_way(report_figures):
    assert {figure["layout"].get("separators") for figure in report_figures["id"]} == {",."}
    # English keeps plotly's own marks: the charts are as they were before translation
    assert all("separators" not in figure["layout"] for figure in report_figures["en"])


def test_the_same_charts_in_both_languages(report_figures):
    english, indonesian = report_figures["en"], report_figures["id"]
    assert [len(f["data"]) for f in english] == [len(f["data"]) for f in indonesian]
    assert [f["data"][0]["type"] for f in english] == [f["data"][0]["type"] for f in indonesian]


def test_a_hand_made_engagement_chart_in_indonesian():
    table = pd.DataFrame(
        {
            "group": ["follows content", "transactional only"],
            "share": [0.25, 0.75],
            "people": [1234, 3702],
            "converted": [0.5, 0.125],
            "open_rate": [0.125, 0.0],
        }
    )
    with language.speaking("id"):
        figure = plain(engagement_figure(table, "Kelompok"))
    bars = figure["data"][0]
    assert bars["x"] == ["mengikuti konten", "hanya bertransaksi"]
    assert bars["text"] == [
        "25% · 1.234 orang<br>50,0% membeli · 12,5% membuka",
        "75% · 3.702 orang<br>12,5% membeli · 0,0% membuka",
    ]
    assert figure["layout"]["yaxis"]["title"]["text"] == "porsi orang"
    assert figure["layout"]["yaxis"]["tickformat"] == ".0%"  # 25% on the axis too
    assert figure["layout"]["separators"] == ",."
    with language.speaking("en"):
        english = plain(engagement_figure(table, "Groups"))
    assert english["data"][0]["text"][0] == "25% · 1,234 people<br>50.0% bought · 12.5% opened"
    assert "separators" not in english["layout"]


def test_stage_names_and_counts_in_indonesian():
    table = pd.DataFrame(
        {
            "stage": ["Awareness", "Convert", "Repeat buyer"],
            "stage_index": [1, 2, 3],
            "reached": [12345, 1234, 12],
            "reached_share": [1.0, 0.1, 0.001],
            "conversion_to_next": [0.1, 0.0097, None],
            "median_days_to_next": [1.5, 30.0, None],
            "current": [11111, 1222, 12],
        }
    )
    with language.speaking("id"):
        funnel = plain(stage_funnel_figure(table, "Corong"))
        flows = pd.DataFrame(
            {
                "from_stage": ["Awareness", "Awareness", "Convert"],
                "to_stage": ["Convert", "(stopped)", "(stopped)"],
                "people": [1234, 11111, 1234],
            }
        )
        sankey = plain(stage_flow_figure(flows, ["Awareness", "Convert", "Excite"], "Aliran"))
    # the presets' stages in Indonesian; the user's own stage as named
    assert funnel["data"][0]["y"] == ["Kesadaran", "Konversi", "Repeat buyer"]
    assert funnel["data"][0]["text"] == ["12.345  ·  100,0%", "1.234  ·  10,0%", "12  ·  0,1%"]
    assert funnel["data"][0]["customdata"][1] == (
        "<b>Konversi</b><br>Tercapai: 1.234 (10,0% dari semua)<br>Konversi ke berikutnya: 1,0%"
        "<br>Median waktu ke berikutnya: 30,0\u00a0hari<br>Di tahap ini sekarang: 1.222"
    )
    assert sankey["data"][0]["node"]["customdata"] == [
        "Kesadaran · 12.345",
        "Konversi · 1.234",
        "Antusias · 0",
        "Berhenti di Kesadaran · 11.111",
        "Berhenti di Konversi · 1.234",
    ]
    assert sankey["data"][0]["link"]["customdata"] == [
        "Kesadaran → Konversi: 1.234 orang",
        "Kesadaran → berhenti di sana: 11.111 orang",
        "Konversi → berhenti di sana: 1.234 orang",
    ]


def test_transitions_read_with_the_arrow_in_both_languages():
    """The analyses keep "Engagement -> Subscribe" in their data; people read an arrow."""
    overview = pd.DataFrame(
        {
            "transition": ["Engagement -> Subscribe", "Subscribe -> Convert"],
            "campaign": ["signup", None],
            "lift": [0.25, None],
            "lift_low": [-0.1, None],
            "lift_high": [0.6, None],
            "verdict": ["too few people to tell", "no campaign"],
        }
    )
    groups = pd.DataFrame(
        {"group": ["exposed", "held out"], "transition_rate": [0.5, 0.25], "counted": [4, 4]}
    )
    meta = {"transition": "Engagement -> Subscribe", "days": 14, "lift": None}
    with language.speaking("id"):
        labels = plain(campaign_overview_figure(overview, "Kampanye"))["data"][0]["y"]
        axis = plain(campaign_figure(groups, meta, "signup"))["layout"]["yaxis"]["title"]["text"]
        shown = [transition("Engagement -> Subscribe"), transition("Own stage → Convert")]
    assert labels == ["Keterlibatan → Berlangganan · signup"]
    assert axis == "maju ke Berlangganan dalam 14 hari"
    assert shown == ["Keterlibatan → Berlangganan", "Own stage → Konversi"]
    assert transition("Engagement -> Subscribe") == "Engagement → Subscribe"


def test_the_paths_own_words_in_indonesian():
    """The Sankey's rare touchpoints read "lainnya" (the data keeps "other", as a saved
    segment does), and the path of those whose goal came first is said in Indonesian."""
    from jejak.analyses.paths import PathFlows
    from jejak.report.html import path_node_sections, table_html

    flows = pd.DataFrame(
        {
            "step": [1, 1, 2],
            "source": ["page_view", "page_view", "other"],
            "target": ["other", "order", "order"],
            "people": [3, 2, 3],
        }
    )
    meta = {"anchor": "page_view", "direction": "after", "steps": 3, "top": 2, "collapse": True}
    top = pd.DataFrame(
        {
            "path": ["(goal first)", "page_view → product_view"],
            "people": [4, 2],
            "converters": [4, 1],
            "conversion": [1.0, 0.5],
        }
    )
    with language.speaking("id"):
        sankey = plain(path_figure(flows, "Jalur"))["data"][0]["node"]["label"]
        bars = plain(top_paths_figure(top, "Jalur teratas"))["data"][0]["y"]
        (nodes,) = path_node_sections(PathFlows("Jalur", flows, meta))
        page = table_html(nodes.table, nodes.columns)
    assert sankey == ["page_view", "lainnya", "order", "order"]
    assert bars == ["page_view → product_view", "(langsung ke tujuan)"]  # first on top
    assert "<td>lainnya</td>" in page and ">other<" not in page
    saved = [s["path"]["touchpoint"] for s in nodes.saves]
    assert saved == ["page_view", "other", "order", "order"]
    english = plain(path_figure(flows, "Paths"))["data"][0]["node"]["label"]
    assert english == ["page_view", "other", "order", "order"]


def test_ratio_ticks_in_indonesian():
    table = pd.DataFrame(
        {
            "stage": ["Subscribe", "Convert"],
            "channel": ["sms", "ads"],
            "rate_ratio": [2.5, 0.5],
            "ci_low": [1.25, 0.25],
            "ci_high": [5.0, 1.0],
            "people_with": [1234, 40],
            "verdict": ["helps", "unclear"],
        }
    )
    with language.speaking("id"):
        figure = plain(touchpoint_effect_figure(table, "channel", "Efek"))
    assert figure["layout"]["xaxis"]["ticktext"] == [
        *("0,25x", "0,5x", "0,75x", "1x", "1,5x", "2x", "3x", "4x", "5x")
    ]
    drawn = [trace for trace in figure["data"] if trace.get("customdata")]  # not the legend's
    assert [trace["name"] for trace in drawn] == ["membantu", "belum jelas"]
    assert drawn[0]["customdata"] == [
        "maju 2,50x lebih cepat dengannya (1,25x s.d. 5,00x); 1.234 orang mengalaminya"
    ]
    assert drawn[0]["y"] == ["Berlangganan · sms"]


def test_days_and_months_on_time_axes_in_indonesian():
    weeks = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-05-30", "2026-06-06"]),
            "new": [3, 4],
            "returning": [1, 2],
            "resurrecting": [0, 1],
            "dormant": [-1, -2],
        }
    )
    months = pd.DataFrame(
        {
            "period": ["all", "2026-05-01", "2026-08-01", "2026-10-01", "2026-12-01"],
            "nps": [10.0, 20.0, 0.0, -10.0, 100.0],
            "answers": [1300, 500, 400, 399, 1],
            "ci_low": [5.0, 10.0, -10.0, -20.0, None],
            "ci_high": [15.0, 30.0, 10.0, 0.0, None],
        }
    )
    with language.speaking("id"):
        lifecycle = plain(lifecycle_figure(weeks, "Siklus"))
        nps = plain(nps_figure(months, "NPS"))
    assert lifecycle["layout"]["xaxis"]["ticktext"] == ["30 Mei 2026", "6 Jun 2026"]
    assert [trace["name"] for trace in lifecycle["data"]] == [
        "baru",
        "kembali",
        "aktif lagi",
        "tidak aktif",
    ]
    assert nps["layout"]["xaxis"]["ticktext"] == ["Mei 2026", "Agu 2026", "Okt 2026", "Des 2026"]
    assert nps["data"][0]["hovertext"] == ["Mei 2026", "Agu 2026", "Okt 2026", "Des 2026"]
    assert nps["data"][0]["hovertemplate"] == (
        "%{hovertext}: NPS %{y:.0f} dari %{customdata} jawaban<extra></extra>"
    )
    assert nps["data"][0]["text"] == ["", "", "", "1 jawaban"]  # few answers: marked
    assert nps["layout"]["annotations"][0]["text"] == "semua: 10"
    with language.speaking("en"):  # plotly names the months itself, as before
        english = plain(nps_figure(months, "NPS"))
    assert "ticktext" not in english["layout"].get("xaxis", {})
    assert english["data"][0]["hovertemplate"] == (
        "%{x}: NPS %{y:.0f} from %{customdata} answers<extra></extra>"
    )
    assert english["data"][0]["text"] == ["", "", "", "1 answer"]


def test_the_longer_indonesian_legend_of_attribution_gets_its_rows():
    models = ["first_touch", "last_touch", "last_non_direct", "linear", "time_decay"]
    models += ["position_based", "markov", "shapley"]
    table = pd.DataFrame({"channel": ["sms", "retargeting"], **{m: [1.0, 2.0] for m in models}})
    drawn = {}
    for code in ("en", "id"):
        with language.speaking(code):
            drawn[code] = plain(attribution_figure(table, models, "Atribusi"))["layout"]
    # at 820 px, 4 columns of English names (2 rows), 3 of Indonesian ones (3 rows)
    assert drawn["en"]["margin"]["t"] == 90
    assert "yref" not in drawn["en"]["title"]
    assert drawn["id"]["margin"]["t"] == 110
    assert drawn["id"]["title"]["yref"] == "container"
