"""The journey map's CX lanes in every face: the emotion curve, the wall chart's persona,
feeling, pain-point and opportunity rows, the report and dashboard sections, the CLI.

Every map here is built by hand (small frames with exact values, in the shape of the
contract ``JourneyLanes`` documents), so these tests hold whatever analysis fills it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import plotly.io as pio
import pytest

from jejak import language
from jejak.analyses.journey_map import JourneyLanes, JourneyMap
from jejak.analyses.result import drawn
from jejak.report import render_report
from jejak.report.html import journey_map_sections
from jejak.report.journey_wall import journey_wall_html

STAGES = ["Awareness", "Subscribe", "Convert", "Promote"]


def _touchpoints(by: str | None) -> pd.DataFrame:
    rows = []
    for group, scale in (("iklan", 1), ("cari", 3)) if by else ((None, 1),):
        for index, (stage, touchpoint) in enumerate(
            zip(
                STAGES,
                ["lihat_halaman", "daftar_buletin", "pesan_pertama", "ajak_teman"],
                strict=True,
            ),
            start=1,
        ):
            row = {
                "stage": stage,
                "stage_index": index,
                "rank": 1,
                "touchpoint": touchpoint,
                "people": 1200 * scale // index,
                "occurrences": 1500 * scale // index,
                "moved_on": None if index == 4 else 0.5,
                "top_context": "penasaran",
                "context_share": 0.6,
                "top_need": "hemat",
                "need_share": 0.5,
                "rating": None,
            }
            rows.append({by: group, **row} if by else row)
    return pd.DataFrame(rows)


def _feeling(groups: list[str | None], by: str | None) -> pd.DataFrame:
    """Per group and stage: people, good, neutral, bad and the score with its interval;
    NPS in Convert and Promote, stars in Promote only."""
    rows = []
    for number, group in enumerate(groups):
        for index, stage in enumerate(STAGES, start=1):
            people = 1200 // index + 1000 * number
            good, bad = people // 2, people // 5
            score = (good - bad) / people
            row = {
                "stage": stage,
                "stage_index": index,
                "people": people,
                "good": good,
                "neutral": people - good - bad,
                "bad": bad,
                "feeling": score,
                "feeling_low": score - 0.05,
                "feeling_high": score + 0.05,
                "nps": {3: -12.5, 4: 40.0}.get(index),
                "nps_low": None,
                "nps_high": None,
                "nps_answers": {3: 48, 4: 1234}.get(index, 0),
                "stars": 4.25 if index == 4 else None,
                "stars_answers": 16 if index == 4 else 0,
            }
            rows.append({by: group, **row} if by else row)
    return pd.DataFrame(rows)


PAINS = [
    {
        "kind": "drop_off",
        "stage": "Subscribe",
        "to_stage": "Convert",
        "what": None,
        "people": 1500,
        "value": 0.75,
        "low": 0.72,
        "high": 0.78,
        "detail": "75% of the people in Subscribe did not move on to Convert.",
    },
    {
        "kind": "bad_experience",
        "stage": "Convert",
        "to_stage": None,
        "what": "pembayaran_gagal",
        "people": 321,
        "value": 0.5,
        "low": 0.4,
        "high": 0.6,
        "detail": "Who had pembayaran_gagal moved on half as often as their peers.",
    },
]


def hand_map(by: str | None = "channel", empty: tuple[str, ...] = ("opportunities",)) -> JourneyMap:
    """A map of four stages with its lanes, split by channel (iklan, cari) or not; the
    lanes named in ``empty`` have no rows, and a reason."""
    groups: list[str | None] = ["iklan", "cari"] if by else [None]
    pains = pd.DataFrame([{by: g, **p} for g in groups for p in PAINS] if by else PAINS)
    opportunities = pd.DataFrame(
        [
            {
                **({by: "iklan"} if by else {}),
                "kind": "untargeted",
                "stage": "Convert",
                "to_stage": "Promote",
                "what": None,
                "people": 2468,
                "value": None,
                "low": None,
                "high": None,
                "detail": "No campaign aims at Convert → Promote.",
            }
        ]
    )
    lanes = JourneyLanes(
        feeling=_feeling(groups, by),
        pains=pains,
        opportunities=opportunities,
        personas={"iklan": "Datang dari iklan, kebanyakan di ponsel.", "cari": "Mencari sendiri."}
        if by
        else {"": "2.000 orang, kebanyakan dari iklan."},
        reasons={},
    )
    for lane in empty:
        setattr(lanes, lane, getattr(lanes, lane).iloc[0:0])
        lanes.reasons[lane] = f"no {lane}: add rules to jejak.yaml"
    title = "Journey map by channel" if by else "Journey map"
    meta = {"journey": "kecil", "stages": STAGES, "by": by, "top": 6}
    return JourneyMap(title=title, table=_touchpoints(by), meta=meta, lanes=lanes)


def _text(fragment: str) -> str:
    """What a reader sees of an HTML fragment: its text without the tags."""
    return re.sub(r"<[^>]+>", "", fragment)


def _plain(figure) -> dict:
    return json.loads(pio.to_json(figure, validate=False, remove_uids=True))


# -- the emotion curve -----------------------------------------------------------------


def test_the_emotion_curve_has_one_line_per_group_with_its_interval():
    figure = _plain(drawn(hand_map(), "feeling"))
    lines = [t for t in figure["data"] if t.get("customdata")]
    assert [t["name"] for t in lines] == ["iklan", "cari"]
    iklan, cari = lines
    # iklan in Awareness: 1,200 people, 600 good, 240 bad: (600 - 240) / 1200 = +30
    assert iklan["y"][0] == pytest.approx(30.0)
    assert iklan["error_y"]["array"][0] == pytest.approx(5.0)
    assert iklan["error_y"]["arrayminus"][0] == pytest.approx(5.0)
    # the two groups side by side at each stage, on the stage's column
    assert iklan["x"][0] == pytest.approx(-0.04) and cari["x"][0] == pytest.approx(0.04)
    assert figure["layout"]["xaxis"]["ticktext"] == STAGES
    assert figure["layout"]["yaxis"]["ticktext"] == ["-100", "-50", "0", "+50", "+100"]
    assert (
        "<b>Convert</b><br>channel: iklan<br>feeling +30 (95%: +25 to +35)"
        in (iklan["customdata"][2])
    )
    assert "200 good · 120 neutral · 80 bad, of 400 people" in iklan["customdata"][2]
    assert "NPS -12 from 48 answers" in iklan["customdata"][2]  # -12.5 rounds to even
    assert "4.2 stars from 16 reviews" in iklan["customdata"][3]
    # a zero line, and NPS and stars under the stage names, a row per group and measure
    assert figure["layout"]["shapes"][0]["y0"] == 0
    notes = [(a["text"], a["x"]) for a in figure["layout"]["annotations"]]
    assert ("NPS -12", 2) in notes and ("NPS 40", 3) in notes  # 48 and 1,234 answers
    assert ('★ 4.2 <span style="color:#9AA5B1">(16)</span>', 3) in notes  # only 16 reviews
    assert ("<b>iklan</b>", 0) in notes and ("<b>cari</b>", 0) in notes


def test_one_curve_has_a_band_and_its_scores_written():
    figure = _plain(drawn(hand_map(by=None), "feeling"))
    high, low, curve = figure["data"]
    assert low["fill"] == "tonexty" and high["hoverinfo"] == "skip"
    assert high["y"][0] == pytest.approx(35.0) and low["y"][0] == pytest.approx(25.0)
    # scores next to their points: Promote has 300 people, 150 good, 60 bad: +30
    assert curve["text"] == ["+30", "+30", "+30", "+30"]
    assert curve["showlegend"] is False


def test_no_curve_without_a_feeling_lane():
    plain = hand_map(empty=("feeling",))
    with pytest.raises(NotImplementedError):
        drawn(plain, "feeling")
    old = JourneyMap(title="x", table=_touchpoints(None), meta={"stages": STAGES, "by": None})
    with pytest.raises(NotImplementedError):
        drawn(old, "feeling")


def test_the_emotion_curve_in_indonesian():
    with language.speaking("id"):
        figure = _plain(drawn(hand_map(), "feeling"))
    iklan = next(t for t in figure["data"] if t.get("customdata"))
    assert figure["layout"]["xaxis"]["ticktext"] == [
        "Kesadaran",
        "Berlangganan",
        "Konversi",
        "Promosi",
    ]
    assert figure["layout"]["separators"] == ",."
    assert iklan["customdata"][3].startswith("<b>Promosi</b><br>kanal: iklan")
    notes = [a["text"] for a in figure["layout"]["annotations"]]
    assert '★ 4,2 <span style="color:#9AA5B1">(16)</span>' in notes


# -- the wall chart ---------------------------------------------------------------------


def test_the_wall_opens_each_lane_with_its_persona_and_has_its_rows():
    result = hand_map()
    wall = journey_wall_html(result.table, STAGES, "channel", result.lanes)
    blocks = wall.split('<div class="lane-block">')[1:]
    assert len(blocks) == 2
    iklan, cari = blocks
    assert iklan.startswith(
        '<div class="persona"><div class="who"><b>channel = iklan</b>'
        "Datang dari iklan, kebanyakan di ponsel.</div></div>"
    )
    # on paper a lane may start a page: its stages are named again there (only on paper)
    again = re.findall(r'<div class="stage again"><small>Stage \d</small>(\w+)</div>', cari)
    assert again == STAGES and "stage again" not in iklan
    persona = '<div class="persona"><div class="who"><b>channel = cari</b>Mencari sendiri.</div>'
    assert cari.index(persona) > cari.rindex("stage again")
    names = re.findall(r'<div class="row-name">([^<]*)', iklan)
    assert names == ["Actions and touchpoints", "Feeling", "Pain points", "Opportunities"]
    # feeling per stage: iklan in Subscribe has 600 people, 300 good, 120 bad: +30
    feels = re.findall(
        r'<div class="cell feel">(.*?)</div>(?=<div class="(?:cell|row-name))', iklan
    )
    assert len(feels) == 4
    feels = [_text(cell) for cell in feels]
    assert feels[1] == "feeling +30300 good · 180 neutral · 120 bad"
    assert feels[2] == "feeling +30200 good · 120 neutral · 80 badNPS -12 (48 answers)"
    assert feels[3].endswith("bad" + "NPS 40 (1,234 answers)★ 4.2 (16 reviews)")
    # cari has 1,000 more people per stage: counts with thousands separators
    assert "1,100 good · 660 neutral · 440 bad" in _text(cari)
    assert 'title="1,100 good, 660 neutral, 440 bad of 2,200 people"' in cari
    # the pain cards in the stage they belong to: drop-off in Subscribe, the bad one in Convert
    pains = iklan.split('<div class="row-name">Pain points</div>')[1]
    pains = pains.split('<div class="row-name">Opportunities')[0]
    cells = re.findall(r'<div class="cell">(.*?)</div>(?=<div class="cell">|$)', pains)
    assert cells[0] == "" and cells[3] == ""
    assert "Biggest drop-off" in cells[1] and "Subscribe → Convert" in cells[1]
    assert "75% of the people in Subscribe did not move on to Convert." in cells[1]
    assert "1,500 people" in cells[1]
    assert "<b>pembayaran_gagal</b>" in cells[2] and "321 people" in cells[2]
    # the empty lane says why, once per lane
    assert wall.count("no opportunities: add rules to jejak.yaml") == 2


def test_a_group_without_cards_says_so_and_an_unsplit_wall_names_its_people():
    result = hand_map(empty=())
    wall = journey_wall_html(result.table, STAGES, "channel", result.lanes)
    iklan, cari = wall.split('<div class="lane-block">')[1:]
    assert "No campaign aims here" in iklan and "2,468 people" in iklan
    assert "Convert → Promote" in iklan
    assert '<div class="reason">none in this lane</div>' in cari  # the opportunity is iklan's
    single = hand_map(by=None)
    wall = journey_wall_html(single.table, STAGES, None, single.lanes)
    assert "<b>Who these people are</b>2.000 orang, kebanyakan dari iklan." in wall
    assert wall.count('<div class="lane-block">') == 1


def test_the_wall_without_lanes_is_as_before():
    result = hand_map()
    assert journey_wall_html(result.table, STAGES, "channel") == journey_wall_html(
        result.table, STAGES, "channel", None
    )
    assert "lane-block" not in journey_wall_html(result.table, STAGES, "channel")


def test_the_wall_escapes_what_the_lanes_say():
    result = hand_map()
    result.lanes.personas["iklan"] = "<script>x</script>"
    result.lanes.pains.loc[0, "detail"] = "<img src=x>"
    wall = journey_wall_html(result.table, STAGES, "channel", result.lanes)
    assert "<script>" not in wall and "&lt;script&gt;x&lt;/script&gt;" in wall
    assert "<img" not in wall and "&lt;img src=x&gt;" in wall


def test_the_wall_in_indonesian():
    result = hand_map()
    with language.speaking("id"):
        wall = journey_wall_html(result.table, STAGES, "channel", result.lanes)
    assert "Berlangganan → Konversi" in wall
    assert "1.100 baik · 660 netral · 440 buruk" in _text(wall)
    assert "★ 4,2 (16 ulasan)" in _text(wall)
    for english in ("Pain points", "Feeling", "Biggest drop-off", "good less bad"):
        assert english not in wall


def test_the_wall_prints_as_a_wall_chart():
    from jejak.report.journey_wall import CSS

    printed = CSS[CSS.index("@media print") :]
    assert "size: A3 landscape" in printed
    assert ".wall .lane-block { break-inside: avoid;" in printed
    assert "print-color-adjust: exact" in printed


# -- the report and the dashboard's sections -------------------------------------------


def test_the_report_shows_the_persona_the_curve_and_the_wall():
    first, wall = journey_map_sections(hand_map())
    assert first.heading == "Journey map by channel: who they are and how they feel"
    assert "<b>channel = iklan:</b> Datang dari iklan, kebanyakan di ponsel." in first.html
    assert len(first.figures) == 1 and not first.notes
    assert wall.wide and "lane-block" in wall.html
    assert "no opportunities: add rules to jejak.yaml" in wall.html


def test_the_report_says_why_there_is_no_curve():
    first, wall = journey_map_sections(hand_map(empty=("feeling", "pains")))
    assert first.figures == [] and first.notes == ["no feeling: add rules to jejak.yaml"]
    assert first.notes_heading == "Why there is no feeling curve"
    page = render_report([first, wall], "Peta")
    assert "Why there is no feeling curve" in page
    assert page.count("no pains: add rules to jejak.yaml") == 2  # in each lane's row


def test_what_a_lane_with_rows_could_not_show_is_worth_knowing_first():
    result = hand_map()
    result.lanes.reasons["pains"] = "no bad experience clearly slows people down"
    first, wall = journey_map_sections(result)
    assert wall.notes == ["Pain points: no bad experience clearly slows people down"]
    assert wall.notes_heading == "Worth knowing first" and not first.notes
    assert "no bad experience" not in wall.html  # the row shows its cards, not the note


def test_a_map_without_lanes_has_its_one_section():
    old = JourneyMap(
        title="Journey map", table=_touchpoints(None), meta={"stages": STAGES, "by": None}
    )
    (section,) = journey_map_sections(old)
    assert section.heading == "Journey map" and "lane-block" not in section.html


# -- in chromium: the report with lanes, as a reader sees it -----------------------------

VALUE_STAGES = [
    "Awareness",
    "Engagement",
    "Subscribe",
    "Convert",
    "Excite",
    "Ascend",
    "Advocate",
    "Promote",
]


def eight_stage_map(groups: tuple[str, ...] = ("ads", "organic search", "referral")) -> JourneyMap:
    """The value journey's eight stages, three channels with thousands of people, NPS
    and stars where a shop gets them, a pain and an opportunity of each kind."""
    by = "channel"
    touchpoints, feeling = [], []
    for number, group in enumerate(groups):
        people = 20_000 // (number + 1)
        for index, stage in enumerate(VALUE_STAGES, start=1):
            for rank, name in enumerate(("page_view", "newsletter_signup"), start=1):
                touchpoints.append(
                    {
                        by: group,
                        "stage": stage,
                        "stage_index": index,
                        "rank": rank,
                        "touchpoint": f"{name}_{index}",
                        "people": people // rank,
                        "occurrences": people,
                        "moved_on": None if index == 8 else 0.55 - 0.05 * index + 0.1 * rank,
                        "top_context": "curiosity",
                        "context_share": 0.5,
                        "top_need": "save money",
                        "need_share": 0.4,
                        "rating": 4.1 if name == "page_view" and index == 7 else None,
                    }
                )
            good = people * (35 + 5 * ((index + number) % 4)) // 100
            bad = people * (5 + 9 * ((index * (number + 2)) % 5)) // 100
            score = (good - bad) / people
            feeling.append(
                {
                    by: group,
                    "stage": stage,
                    "stage_index": index,
                    "people": people,
                    "good": good,
                    "neutral": people - good - bad,
                    "bad": bad,
                    "feeling": score,
                    "feeling_low": score - 0.04,
                    "feeling_high": score + 0.04,
                    "nps": (-35.0 + 11 * index - 7 * number) if index >= 4 else None,
                    "nps_low": None,
                    "nps_high": None,
                    "nps_answers": 1_234 if index >= 4 else 0,
                    "stars": 3.4 + 0.2 * index - 0.1 * number if index >= 5 else None,
                    "stars_answers": 567 if index >= 5 else 0,
                }
            )
            people = int(people * 0.6)
    kinds = [
        ("drop_off", "Subscribe", "Convert", None, "62% of the 7,200 people in Subscribe did"
         " not move on to Convert (60% to 64%)."),
        ("bad_experience", "Convert", None, "payment_failed", "People who had payment_failed"
         " moved on 0.45x as often as matched peers (0.38x to 0.53x)."),
        ("slow", "Excite", "Ascend", None, "Half of those who moved on from Excite to Ascend"
         " took over 23.5 days."),
    ]  # fmt: skip
    chances = [
        ("untargeted", "Engagement", "Subscribe", None, "No campaign aims at Engagement →"
         " Subscribe: 5,184 people there have not moved on."),
        ("stuck", "Convert", None, None, "2,345 people have been in Convert longer than 90%"
         " of those who moved on (31.0 days)."),
        ("under_reached", "Subscribe", None, "webinar_joined", "webinar_joined helps people"
         " move on 1.8x as fast, yet only 12% in Subscribe had it."),
    ]  # fmt: skip

    def rows(items):
        return pd.DataFrame(
            [
                {by: g, "kind": k, "stage": s, "to_stage": t, "what": w, "people": 4_321,
                 "value": 0.5, "low": 0.4, "high": 0.6, "detail": d}
                for g in groups
                for k, s, t, w, d in items
            ]
        )  # fmt: skip

    lanes = JourneyLanes(
        feeling=pd.DataFrame(feeling),
        pains=rows(kinds),
        opportunities=rows(chances),
        personas={
            g: f"{20_000 // (n + 1):,} people who first came through {g}, 64% on a phone;"
            " most got as far as Subscribe; 1,234 bought, IDR 456,000 each on average; 44% in"
            " behavioural cluster 1 (mostly search, stalls at Awareness, little content, no"
            " purchases) and 33% in cluster 2 (mostly direct, stalls at Subscribe, reads"
            " content, high spend, high NPS)."
            for n, g in enumerate(groups)
        },
        reasons={},
    )
    meta = {"journey": "value-journey", "stages": VALUE_STAGES, "by": by, "top": 2}
    return JourneyMap(
        title="Journey map by channel", table=pd.DataFrame(touchpoints), meta=meta, lanes=lanes
    )


# -- the CLI ----------------------------------------------------------------------------
# MONKEYPATCHED: until the analysis that fills the lanes (cx-lanes) is merged,
# ws.journey_map does not take ``lanes=``; these tests stand the hand-built map in for
# its answer, so they test what `jejak journey` prints, not the analysis.


@pytest.fixture
def cli_project(tmp_path: Path, monkeypatch) -> tuple[Path, list[dict]]:
    from invoking import invoke
    from jejak.analyses.journeys import JourneyAnalyses

    (tmp_path / "events.csv").write_text(
        "customer_id,ts,event\nk1,2026-01-01 08:00:00,lihat_halaman\n", "utf-8"
    )
    assert invoke("load", "events.csv", cwd=tmp_path).returncode == 0
    asked: list[dict] = []

    def answer(self, *, by=None, top=6, lanes=True):  # the hand-built map, in the analysis's place
        asked.append({"by": by, "top": top, "lanes": lanes})
        result = hand_map(by=by)
        return result if lanes else JourneyMap(result.title, result.table, result.meta)

    monkeypatch.setattr(JourneyAnalyses, "journey_map", answer)
    return tmp_path, asked


def test_the_cli_prints_the_persona_feeling_pains_and_why_opportunities_are_empty(cli_project):
    from invoking import invoke

    project, asked = cli_project
    done = invoke("journey", "--by", "channel", cwd=project)
    assert done.returncode == 0, done.stderr
    assert asked == [{"by": "channel", "top": 6, "lanes": True}]
    text = " ".join(done.stdout.split())  # rich wraps long lines to the terminal
    assert "channel = iklan: Datang dari iklan, kebanyakan di ponsel." in text
    assert "channel = cari: Mencari sendiri." in text
    lines = done.stdout.splitlines()
    heads = [line.strip() for line in lines if line.strip().endswith(("feel", "points"))]
    assert heads == [
        "channel = iklan: How people feel",
        "channel = iklan: Pain points",
        "channel = cari: How people feel",
        "channel = cari: Pain points",
    ]
    header = next(line for line in lines if "Feeling (95%)" in line)
    assert [c.strip() for c in header.strip("│┃ ").split("┃")][:6] == [
        *("Stage", "People", "Good", "Neutral", "Bad", "Feeling (95%)")
    ]
    # cari in Awareness: 2,200 people, 1,100 good, 660 neutral, 440 bad: +30 (+25 to +35)
    row = next(line for line in lines if "│ Awareness" in line and "2,200" in line)
    assert [c.strip() for c in row.strip("│ ").split("│")] == [
        *("Awareness", "2,200", "1,100", "660", "440", "+30 (+25 to +35)", "–", "–")
    ]
    promote = next(line for line in lines if "│ Promote" in line and "+30" in line)
    assert "40 (1,234)" in promote and "4.2 (16)" in promote
    assert any("Biggest drop-off" in line and "Subscribe → Convert" in line for line in lines)
    assert "Opportunities: no opportunities: add rules to jejak.yaml" in text
    assert text.count("no opportunities: add rules") == 1
    assert "Pain points:" not in text  # the pains lane has rows and nothing to add


def test_the_cli_without_lanes_prints_the_touchpoints_only(cli_project):
    from invoking import invoke

    project, asked = cli_project
    done = invoke("journey", "--no-lanes", cwd=project)
    assert done.returncode == 0, done.stderr
    assert asked == [{"by": None, "top": 6, "lanes": False}]
    assert "lihat_halaman" in done.stdout
    assert "How people feel" not in done.stdout and "Who these people are" not in done.stdout


def test_the_cli_in_indonesian(cli_project):
    from invoking import invoke

    project, _ = cli_project
    with language.speaking("en"):  # --lang chooses Indonesian for the rest of the context
        done = invoke("--lang", "id", "journey", cwd=project)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Siapa mereka: 2.000 orang, kebanyakan dari iklan." in text
    assert "+30 (+25 s.d. +35)" in text and "Penurunan terbesar" in text


CHROMIUM = "/usr/bin/chromium"
LABELS = (Path(__file__).parent / "browser" / "labels.js").read_text("utf-8")
# every box of the wall whose text would spill out of it (a word wider than its card)
SPILLS = """() => Array.from(document.querySelectorAll(
    '.wall .card, .wall .card > *, .wall .feel, .wall .feel > *, .wall .persona .who,'
    + ' .wall .row-name, .wall .stage, .wall .reason'))
  .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.className + ': ' + e.textContent.slice(0, 60))"""
browser_only = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
        )
        yield browser
        browser.close()


@browser_only
@pytest.mark.parametrize("code", ["en", "id"])
@pytest.mark.parametrize("width", [1280, 800])
def test_the_report_with_lanes_reads_in_chromium(browser, tmp_path, width, code):
    with language.speaking(code):
        sections = journey_map_sections(eight_stage_map())
        page = render_report(sections, "Peta perjalanan")
    path = tmp_path / "peta.html"
    path.write_text(page, "utf-8")
    tab = browser.new_page(viewport={"width": width, "height": 900})
    tab.goto(path.as_uri(), wait_until="load", timeout=120_000)
    tab.wait_for_function(
        "document.querySelectorAll('div.jejak-chart:not([data-drawn])').length === 0",
        timeout=120_000,
    )
    tab.wait_for_timeout(300)  # the chart's labels are placed after it is drawn
    found = tab.evaluate(LABELS)
    spills = tab.evaluate(SPILLS)
    lanes = tab.locator(".wall .lane-block").count()
    # the lanes' stages line up with the header's: same left edge, stage by stage
    header = tab.evaluate(
        "Array.from(document.querySelectorAll('.wall > .stage'))"
        ".map((e) => Math.round(e.getBoundingClientRect().left))"
    )
    rows = tab.evaluate(
        "Array.from(document.querySelectorAll('.wall .lane-block'))"
        ".map((b) => Array.from(b.querySelectorAll(':scope > .cell.feel'))"
        ".map((e) => Math.round(e.getBoundingClientRect().left)))"
    )
    tab.screenshot(path=str(tmp_path / f"peta-{code}-{width}.png"), full_page=True)
    tab.close()
    assert found == []
    assert spills == []
    assert lanes == 3
    assert all(row == header[1:] for row in rows), (header, rows)


@browser_only
def test_the_dashboards_journey_map_shows_the_lanes(
    browser, open_workspace, write_file, monkeypatch
):
    """MONKEYPATCHED (see the CLI tests): the hand-built map stands in for the analysis."""
    from jejak.analyses.journeys import JourneyAnalyses
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    ws = open_workspace()
    ws.load(write_file("log.csv", "customer_id,ts,event\nk1,2026-01-01 08:00:00,lihat_halaman"))
    monkeypatch.setattr(
        JourneyAnalyses, "journey_map", lambda self, *, by=None, top=6, lanes=True: hand_map(by)
    )
    key = ensure_keys(ws.con)["read"]
    with running(create_app(ws)) as base:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(base + "/dashboard/journey-map?by=channel")
        tab.fill("input[name=key]", key)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/dashboard/journey-map**")
        tab.wait_for_selector("#content[data-state=done]", timeout=90_000)
        tab.wait_for_selector("#content .js-plotly-plot", timeout=30_000)
        tab.wait_for_timeout(300)  # the chart's labels are placed after it is drawn
        text = " ".join(tab.inner_text("#content").split())
        found = tab.evaluate(LABELS, "#content .js-plotly-plot")
        spills = tab.evaluate(SPILLS)
        blocks = tab.locator("#content .wall .lane-block").count()
        tab.close()
    assert "channel = iklan: Datang dari iklan, kebanyakan di ponsel." in text
    assert "feeling +30" in text and "1,100 good · 660 neutral · 440 bad" in text
    assert "BIGGEST DROP-OFF" in text and "1,500 people" in text  # its kind in capitals
    assert text.count("no opportunities: add rules to jejak.yaml") == 2
    assert blocks == 2 and found == [] and spills == []
