"""A stranger's shop on the first try: an Indonesian export (its own column and event names,
semicolons, decimal commas and thousands dots, day-first Jakarta times) goes through
``jejak init --from``, ``jejak load`` and ``jejak check``, then every analysis and the
report, with exact numbers and no empty section where the data has what it needs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import jejak
from invoking import invoke as run
from jejak.analyses.diagnosis import warnings_of

TOKO = """\
id_pelanggan;waktu;kejadian;saluran;kampanye;pendapatan;properti
p1;01/03/2026 09:00;kunjungi_halaman;langsung;;;
p1;02/03/2026 09:00;baca_artikel;langsung;;;
p1;03/03/2026 09:00;langganan_newsletter;email;;;
p1;04/03/2026 09:00;kunjungi_halaman;iklan;ramadan;;
p1;04/03/2026 10:00;pembelian;langsung;;100.000,00;
p1;05/03/2026 09:00;panduan_selesai;;;;
p1;10/03/2026 09:00;pembelian;langsung;;50.000,00;
p1;11/03/2026 09:00;ulasan;;;;"{""bintang"": 5}"
p1;12/03/2026 09:00;ajak_teman;;;;
p1;12/03/2026 10:00;survei_nps;;;;"{""nilai"": 10}"
p2;01/03/2026 09:00;kunjungi_halaman;iklan;ramadan;;
p2;02/03/2026 09:00;lihat_produk;iklan;ramadan;;
p2;02/03/2026 09:30;tambah_ke_keranjang;langsung;;;
p2;03/03/2026 09:00;pembelian;langsung;;70.000,00;
p2;05/03/2026 09:00;ulasan;;;;"{""bintang"": 2}"
p2;06/03/2026 09:00;pengembalian_dana;;;-70.000,00;
p3;01/03/2026 09:00;kunjungi_halaman;sosial;;;
p3;02/03/2026 09:00;daftar_akun;sosial;;;
p3;03/03/2026 08:00;email_terkirim;email;promo;;
p3;03/03/2026 09:00;email_dibuka;email;promo;;
p3;03/03/2026 09:05;klik_email;email;promo;;
p3;10/03/2026 08:00;email_terkirim;email;promo;;
p4;13/03/2026 09:00;kunjungi_halaman;rujukan;;;"{""perujuk"": ""p1""}"
p4;14/03/2026 09:00;pembelian;langsung;;80.000,00;
p5;01/03/2026 09:00;kunjungi_halaman;sosial;;;
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("toko")
    (folder / "toko.csv").write_text(TOKO, "utf-8")
    for step in (("init", "--from", "toko.csv"), ("load", "toko.csv")):
        done = run(*step, cwd=folder)
        assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def ws(shop):
    workspace = jejak.open(settings=str(shop / "jejak.yaml"))
    yield workspace
    workspace.close()


def test_setup_guesses_the_shops_format_and_words(shop):
    settings = (shop / "jejak.yaml").read_text("utf-8")
    for line in (
        "timezone: Asia/Jakarta",
        "separator: ';'",
        "decimal: ','",
        "thousands: '.'",
        "ts_format: '%d/%m/%Y %H:%M'",
        "customer_id: id_pelanggan",
        "purchase: [pembelian]",
        "review: {events: [ulasan], rating: bintang}",
        "direct: [langsung]",
    ):
        assert line in settings, line
    check = run("check", "--strict", cwd=shop)
    assert check.returncode == 0, check.stdout
    assert "kunjungi_halaman" in check.stdout  # the one touchpoint no role names
    credit = run("attribution", cwd=shop)
    assert "passes over these channel values as direct: langsung" in " ".join(credit.stdout.split())


def test_every_analysis_answers_with_exact_numbers(ws):
    assert ws.count() == 25
    first = ws.touchpoints().filter(jejak_event("pembelian")).order_by("ts").to_pandas()
    assert first["ts"].iloc[0] == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 09:00 WIB
    assert first["revenue"].tolist() == [70_000, 100_000, 50_000, 80_000]
    stages = ws.stages().table.set_index("stage")["reached"].tolist()
    assert stages == [5, 1, 2, 3, 1, 1, 1, 1]
    rfm = ws.rfm().table.set_index("person_id")
    assert rfm["frequency"].to_dict() == {"p1": 2, "p2": 1, "p4": 1}
    assert rfm.loc["p1", "monetary"] == 150_000
    from jejak.analyses.customer_value import purchase_summary

    value = purchase_summary(ws.events(), ws.journey, as_of=ws.as_of()).set_index("person_id")
    assert value["x"].to_dict() == {"p1": 1, "p2": 0, "p4": 0}
    reviews = ws.reviews().table.set_index("period")
    assert (reviews.loc["all", "reviews"], reviews.loc["all", "mean"]) == (2, 3.5)
    nps = ws.nps().table.set_index("period")
    assert (nps.loc["all", "answers"], nps.loc["all", "nps"]) == (1, 100)
    referrals = ws.referrals()
    assert referrals.meta["k_factor"] == pytest.approx(1 / 3)
    assert referrals.table.set_index("person_id").loc["p1", "referred_customers"] == 1
    contact = ws.contact_metrics().table.set_index(["campaign", "channel"])
    assert contact.loc[("promo", "email"), ["sent", "opened", "clicked"]].tolist() == [2, 1, 1]
    credit = ws.attribution()
    assert credit.meta["conversions"] == 3
    for model in ("first_touch", "last_non_direct", "linear", "markov"):
        assert credit.table[model].sum() == pytest.approx(3), model
    assert "langsung" in credit.meta["direct"]
    bad = ws.experience(min_people=1).table
    assert bad[bad["bad"] > 0][["stage", "touchpoint"]].values.tolist() == [["Convert", "ulasan"]]


ANALYSES = {
    "stages": lambda ws: ws.stages(),
    "journey map": lambda ws: ws.journey_map(),
    "process map": lambda ws: ws.process_map(),
    "paths": lambda ws: ws.paths(before={"stage": "Convert"}),
    "top paths": lambda ws: ws.top_paths({"stage": "Convert"}),
    "funnel": lambda ws: ws.funnel(["kunjungi_halaman", {"role": "purchase"}]),
    "attribution": lambda ws: ws.attribution(),
    "touchpoint ratios": lambda ws: ws.touchpoint_ratios(),
    "touchpoint effects": lambda ws: ws.touchpoint_effects(min_people=1),
    "retention": lambda ws: ws.retention(active={"role": "purchase"}),
    "lifecycle": lambda ws: ws.lifecycle(),
    "rfm": lambda ws: ws.rfm(),
    "nps": lambda ws: ws.nps(),
    "reviews": lambda ws: ws.reviews(),
    "referrals": lambda ws: ws.referrals(),
    "engagement": lambda ws: ws.engagement_groups(),
    "clusters": lambda ws: ws.clusters(k=2),
    "contact": lambda ws: ws.contact_metrics(),
    "frequency": lambda ws: ws.contact_frequency(min_weeks=1),
    "send times": lambda ws: ws.send_times(min_messages=1),
    "experience": lambda ws: ws.experience(min_people=1),
}


@pytest.mark.parametrize("name", ANALYSES)
def test_no_analysis_is_empty_when_the_data_has_what_it_needs(ws, name):
    result = ANALYSES[name](ws)
    assert len(result.table), name
    assert warnings_of(result) == [], name


def test_the_report_has_every_section_and_nothing_empty(ws, tmp_path):
    from jejak.report.html import journey_report_sections, write_report

    path = write_report(tmp_path / "report.html", journey_report_sections(ws), title="Toko")
    html = path.read_text("utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    for heading in (
        "What jejak makes of the data",
        "Stage funnel (value-journey)",
        "Attribution of Convert by channel",
        "Messages by campaign",
        "RFM segments",
        "Who kept buying",
        "Net Promoter Score",
        "Review ratings",
        "Referrals",
    ):
        assert heading in headings, heading
    assert "Why this is empty" not in html
    assert "150,000" in html  # p1's two purchases, read from "100.000,00" and "50.000,00"


def test_customer_value_says_why_it_is_not_estimated(ws, shop):
    # one repeat buyer (p1) of three: nothing to learn how often people buy again from
    why = "1 of 3 buyers bought again (pembelian, up to 14 Mar 2026)"
    for ask in (ws.customer_value, lambda: ws.value_by("channel")):
        with pytest.raises(jejak.JejakError, match=re.escape(why)):
            ask()
    done = run("value", "--by", "channel", cwd=shop)
    assert done.returncode == 1 and why in " ".join(done.stderr.split())
    from jejak.report.html import value_sections

    [section] = value_sections(ws)
    assert section.heading == "Customer value" and why in section.intro
    assert section.intro.endswith("name your purchase touchpoint under 'roles: purchase:' in"
                                  " jejak.yaml")  # fmt: skip


def jejak_event(name: str):
    import ibis

    return ibis._.event == name
