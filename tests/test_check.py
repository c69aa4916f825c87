"""jejak check, and no silent emptiness: a shop whose touchpoints jejak cannot place hears
why in every face (library, CLI, API, report, dashboard), with the fix."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

import jejak
from invoking import invoke
from jejak.model.config import parse_settings
from jejak.report.html import journey_report_sections, write_report
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from serving import running
from test_roles import COLUMNS, ROLES, TOKO

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "check"
NO_PURCHASE = "no touchpoint is a purchase (purchase = order)"


def settings_text(roles: dict) -> str:
    return COLUMNS + yaml.safe_dump({"roles": roles}, allow_unicode=True)


@pytest.fixture
def unnamed(open_workspace, write_file) -> jejak.Workspace:
    """The Indonesian shop with only its refunds named: nothing past Awareness."""
    ws = open_workspace(parse_settings(settings_text({"refund": "pengembalian_dana"})))
    ws.load(write_file("toko.csv", TOKO))
    return ws


def test_check_lists_matches_unplaced_touchpoints_and_what_to_fix(unnamed):
    result = unnamed.check()
    roles = result.table[result.table["kind"] == "role"].set_index("name")
    assert roles.loc["refund", ["touchpoints", "people"]].tolist() == [1, 1]
    assert roles.loc["purchase", "touchpoints"] == 0
    stages = result.table[result.table["kind"] == "stage"]
    assert stages.iloc[0][["name", "touchpoints", "people"]].tolist() == ["Awareness", 26, 5]
    assert stages["touchpoints"].iloc[1:].sum() == 0
    unplaced = result.unplaced
    assert len(unplaced) == 14  # every name but the refund
    assert unplaced.iloc[:2][["event", "touchpoints", "people"]].values.tolist() == [
        ["kunjungi_halaman", 6, 5],
        ["pembelian", 4, 3],
    ]
    findings = result.findings
    assert findings["level"].tolist()[:2] == ["fix", "fix"]
    assert findings["topic"].tolist()[:2] == ["journey", "role purchase"]
    by_topic = dict(zip(findings["topic"], findings["message"], strict=False))
    assert "revenue on touchpoints that are not purchases: pembelian (4)" in " ".join(
        findings["message"]
    )
    assert "so NPS will be empty" in by_topic["role nps"]
    assert result.needs_fixing
    assert result.meta["fix"] == 2


def test_with_its_roles_named_nothing_needs_fixing(open_workspace, write_file):
    ws = open_workspace(parse_settings(settings_text(ROLES)))
    ws.load(write_file("toko.csv", TOKO))
    result = ws.check()
    assert not result.needs_fixing
    assert result.unplaced["event"].tolist() == ["kunjungi_halaman"]
    assert result.findings[["level", "topic"]].values.tolist() == [["info", "campaigns"]]
    roles = result.table[result.table["kind"] == "role"].set_index("name")
    assert roles.loc["purchase", ["touchpoints", "people"]].tolist() == [4, 3]
    assert roles.loc["messages: clicked", "people"] == 1


SUSPICIOUS = """
customer_id,ts,event,revenue,event_id
bot,2026-03-01 09:00:00,page_view,,b1
bot,2026-03-01 09:01:00,page_view,,b2
bot,2026-03-01 09:02:00,page_view,,b3
bot,2026-03-01 09:03:00,page_view,,b4
bot,2026-03-01 09:04:00,page_view,,b5
p1,2026-03-01 09:00:00,email_sent,,s1
p1,2026-03-01 10:00:00,email_click,,k1
p2,2026-03-01 09:00:00,email_sent,,s2
p2,2026-03-01 09:30:00,email_open,,o2
p2,2026-03-01 10:00:00,email_click,,k2
p3,2026-03-01 09:00:00,invoice_paid,120,i3
"""


def test_suspicious_data_is_named(open_workspace, write_file):
    ws = open_workspace()
    people = "".join(f"q{i},2026-03-02 09:00:00,page_view,,q{i}\n" for i in range(20))
    ws.load(write_file("odd.csv", SUSPICIOUS.strip() + "\n" + people))
    conflict = "customer_id,ts,event,revenue,event_id\np3,2026-03-03 09:00:00,order,99,i3\n"
    summary = ws.load(write_file("again.csv", conflict))
    assert summary.stored == 0
    messages = " | ".join(ws.check().findings["message"])
    assert "1 person clicked a message and never opened one" in messages
    assert "bot has 16% of all touchpoints"  # 5 of 31 in messages
    assert "revenue on touchpoints that are not purchases: invoice_paid (1)" in messages
    assert "1 row was not stored: its event_id was already taken" in messages


def test_every_face_says_why_an_answer_is_empty(unnamed, tmp_path):
    # the library
    assert any(NO_PURCHASE in w for w in unnamed.rfm().meta["warnings"])
    stalled = unnamed.stages().meta["warnings"][0]
    assert stalled.startswith("nobody got past Awareness")
    assert "kunjungi_halaman (6), pembelian (4)" in stalled
    with pytest.raises(jejak.errors.JejakError, match="no touchpoint is a purchase"):
        unnamed.customer_value()
    funnel = unnamed.funnel(["kunjungi_halaman", "order"]).meta["warnings"]
    assert funnel == [
        "'order' matches no touchpoint (order); your most frequent events are"
        " kunjungi_halaman (6), pembelian (4), email_terkirim (2), lihat_produk (2), ulasan (2)"
    ]
    credit = unnamed.attribution().meta["warnings"]
    assert credit[0] == "nobody reached Convert, so there is nothing to credit"
    assert NO_PURCHASE in credit[1]
    kept = unnamed.retention(active={"role": "purchase"}).meta["warnings"]
    assert kept[0].startswith("'purchase' matches no touchpoint (purchase = order)")
    # the report: the check first, then each empty section says why
    path = write_report(tmp_path / "r.html", journey_report_sections(unnamed), title="Toko")
    html = path.read_text("utf-8")
    assert "What jejak makes of the data" in html and "What needs a look" in html
    assert html.count("Why this is empty") >= 3
    assert NO_PURCHASE in html
    # each empty section says why itself, not only the first of its group
    rfm = re.search(r"<h2>RFM segments</h2>(.*?)</section>", html, re.S).group(1)
    assert "Why this is empty" in rfm and NO_PURCHASE in rfm
    # the API
    key = ensure_keys(unnamed.con)["read"]
    with running(create_app(unnamed)) as base:
        headers = {"Authorization": f"Bearer {key}"}
        rfm = httpx.get(base + "/v1/analyses/rfm", headers=headers, timeout=60).json()
        assert any(NO_PURCHASE in w for w in rfm["meta"]["warnings"])
        check = httpx.get(base + "/v1/analyses/check", headers=headers, timeout=60).json()
        assert [f["level"] for f in check["findings"]][:2] == ["fix", "fix"]
        assert check["unplaced"][0] == {"event": "kunjungi_halaman", "touchpoints": 6, "people": 5}
        page = httpx.get(base + "/dashboard/value", headers=headers, timeout=60)
        assert page.status_code == 200
        # an empty parameter is not given (found by the API fuzzer: it was a 500)
        empty = {"purchase": "", "churn_days": 119.26}
        answer = httpx.get(
            base + "/v1/analyses/experience", params=empty, headers=headers, timeout=60
        )
        assert answer.status_code == 200, answer.text
        assert any(NO_PURCHASE in w for w in answer.json()["meta"]["warnings"])


def test_the_cli_prints_warnings_and_check_strict_fails(tmp_path, write_file):
    write_file("toko.csv", TOKO)
    (tmp_path / "jejak.yaml").write_text(settings_text({"refund": "pengembalian_dana"}))

    def run(*args: str) -> subprocess.CompletedProcess:
        return invoke(*args, cwd=tmp_path)

    assert run("load", "toko.csv").returncode == 0
    rfm = run("rfm")
    assert rfm.returncode == 0
    assert "warning: no touchpoint is a purchase" in " ".join(rfm.stderr.split())
    assert run("check").returncode == 0
    strict = run("check", "--strict")
    assert strict.returncode == 1
    assert "fix no touchpoint matched a rule past Awareness" in " ".join(strict.stdout.split())
    (tmp_path / "jejak.yaml").write_text(settings_text(ROLES))
    fine = run("check", "--strict")
    assert fine.returncode == 0, fine.stdout
    assert "kunjungi_halaman" in fine.stdout


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_the_dashboard_shows_why_a_page_is_empty(unnamed):
    from playwright.sync_api import sync_playwright

    key = ensure_keys(unnamed.con)["read"]
    with running(create_app(unnamed)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        # a still loading marker: a spinning one keeps the browser drawing while pages compute
        tab = browser.new_page(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
        tab.goto(base + "/login")
        tab.fill("input[name=key]", key)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/dashboard/overview")
        for slug, expected in (
            ("advocacy", "no touchpoint is a review"),
            ("data", "What needs a look"),
        ):
            tab.goto(base + f"/dashboard/{slug}")
            tab.wait_for_selector("#content[data-state=done]", timeout=90_000)
            notes = tab.locator(".notes").first
            assert notes.is_visible()
            assert expected in tab.inner_text("#content")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)
        browser.close()


def test_a_campaign_says_its_revenue_needs_the_purchase_role(unnamed):
    definition = {
        "call_to_action": {"event": "klik_email"},
        "traffic_source": {"channel": "email"},
        "target": {"from": "Awareness", "to": "Subscribe"},
        "exposure": {"event": "email_terkirim"},
    }
    effect = unnamed.campaign(definition, name="promo")
    assert any(NO_PURCHASE in w for w in effect.meta["warnings"])


@pytest.mark.parametrize(
    ("stages", "said"),
    [
        (None, "Ini dihitung di Kesadaran dan dalam analisis titik kontak"),
        (
            "    - {name: Kenal, rules: [{any: true}]}\n"
            "    - {name: Beli, rules: [{event: pembelian}]}\n",
            "Ini dihitung di Kenal dan dalam analisis titik kontak",
        ),
        (
            "    - {name: Baca, rules: [{event: baca_artikel}]}\n"
            "    - {name: Beli, rules: [{event: pembelian}]}\n",
            "Ini tidak dihitung di tahap mana pun, hanya dalam analisis titik kontak",
        ),
    ],
    ids=["value journey", "own stages", "no stage takes any touchpoint"],
)
def test_the_report_says_which_stage_unnamed_touchpoints_count_in(
    open_workspace, write_file, stages, said
):
    # it said "Awareness" whatever the stages were, and in English on Indonesian pages
    text = settings_text({"refund": "pengembalian_dana"})
    if stages:
        text += "journey:\n  name: toko\n  stages:\n" + stages
    ws = open_workspace(parse_settings(text))
    ws.load(write_file("toko.csv", TOKO))
    from jejak.language import speaking
    from jejak.report.html.check import CHECK_COLUMNS, check_sections

    with speaking("id"):
        sections = check_sections(ws.check())
        name = next(c for c in CHECK_COLUMNS if c.source == "name")
        shown = [name.format(value) for value in sections[0].table["name"]]
    assert sections[1].intro.startswith(said)
    first = stages.split("name: ")[1].split(",")[0] if stages else "Kesadaran"
    assert shown[0] == first and "refund" in shown  # a role's name as it is


def test_an_indonesian_page_names_the_goal_stage_in_indonesian(open_workspace, write_file):
    # the attribution and touchpoint texts said "mencapai Convert" beside "Konversi"
    ws = open_workspace(parse_settings(settings_text(ROLES)))
    ws.load(write_file("toko.csv", TOKO))
    from jejak.language import speaking
    from jejak.report.html.attribution import attribution_sections
    from jejak.report.html.effectiveness import touchpoint_sections

    with speaking("id"):
        credit = attribution_sections(ws.attribution())[0].intro
        ratios = touchpoint_sections(ws.touchpoint_ratios(), ws.touchpoint_effects())[0].intro
        with_event = attribution_sections(ws.attribution(goal={"event": "pembelian"}))[0].intro
    assert "kali orang mencapai Konversi setelah" in credit and "Convert" not in credit
    assert "konversi ke Konversi" in ratios and "Convert" not in ratios
    assert "mencapai pembelian setelah" in with_event  # an event's name as it is


def test_an_indonesian_funnel_names_its_stage_steps_in_indonesian(open_workspace, write_file):
    # its chart and table read "1. Awareness" on an Indonesian page
    ws = open_workspace(parse_settings(settings_text(ROLES)))
    ws.load(write_file("toko.csv", TOKO))
    from jejak.language import speaking
    from jejak.report.figures.funnels import funnel_figure
    from jejak.report.tables import funnel_steps_table

    with speaking("id"):
        result = ws.funnel([{"stage": "Awareness"}, "pembelian"])
        steps = funnel_steps_table(result.table).iloc[:, 0].tolist()
        figure = funnel_figure(result.table, None, "Corong")
    assert steps == ["1. Kesadaran", "2. pembelian"]  # an event's name as it is
    assert list(figure.data[0].x) == steps
