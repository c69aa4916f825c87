"""Event roles: a shop names its touchpoints once (roles: in jejak.yaml) and every analysis
follows. The shop below speaks Indonesian, not the simulator's vocabulary."""

from __future__ import annotations

import pytest

import jejak
from jejak.errors import ConfigError
from jejak.model.config import parse_settings
from jejak.model.roles import EVENT_ROLES

# every touchpoint a toko (shop) records, in its own words; times are Jakarta's
TOKO = """
id_pelanggan,waktu,kejadian,saluran,kampanye,pendapatan,properti
p1,2026-03-01 09:00:00,kunjungi_halaman,langsung,,,
p1,2026-03-02 09:00:00,baca_artikel,langsung,,,
p1,2026-03-03 09:00:00,langganan_newsletter,email,,,
p1,2026-03-04 09:00:00,kunjungi_halaman,iklan,ramadan,,
p1,2026-03-04 10:00:00,pembelian,langsung,,100000,
p1,2026-03-05 09:00:00,panduan_selesai,,,,
p1,2026-03-10 09:00:00,pembelian,langsung,,50000,
p1,2026-03-11 09:00:00,ulasan,,,,"{""bintang"": 5}"
p1,2026-03-12 09:00:00,ajak_teman,,,,
p1,2026-03-12 10:00:00,survei_nps,,,,"{""nilai"": 10}"
p2,2026-03-01 09:00:00,kunjungi_halaman,iklan,ramadan,,
p2,2026-03-02 09:00:00,lihat_produk,iklan,ramadan,,
p2,2026-03-02 09:30:00,tambah_ke_keranjang,langsung,,,
p2,2026-03-03 09:00:00,pembelian,langsung,,70000,
p2,2026-03-05 09:00:00,ulasan,,,,"{""bintang"": 2}"
p2,2026-03-06 09:00:00,pengembalian_dana,,,-70000,
p3,2026-03-01 09:00:00,kunjungi_halaman,sosial,,,
p3,2026-03-02 09:00:00,daftar_akun,sosial,,,
p3,2026-03-02 10:00:00,lihat_produk,sosial,,,
p3,2026-03-03 08:00:00,email_terkirim,email,promo,,
p3,2026-03-03 09:00:00,email_dibuka,email,promo,,
p3,2026-03-03 09:05:00,klik_email,email,promo,,
p3,2026-03-10 08:00:00,email_terkirim,email,promo,,
p4,2026-03-13 09:00:00,kunjungi_halaman,rujukan,,,"{""perujuk"": ""p1""}"
p4,2026-03-14 09:00:00,pembelian,langsung,,80000,
p5,2026-03-01 09:00:00,kunjungi_halaman,sosial,,,
"""

COLUMNS = """
timezone: Asia/Jakarta
columns:
  customer_id: id_pelanggan
  ts: waktu
  event: kejadian
  channel: saluran
  campaign: kampanye
  revenue: pendapatan
  properties: properti
"""

ROLES = {
    "purchase": "pembelian",
    "refund": "pengembalian_dana",
    "signup": "daftar_akun",
    "subscribe": "langganan_newsletter",
    "content": "baca_artikel",
    "transactional": ["lihat_produk", "tambah_ke_keranjang"],
    "activation": "panduan_selesai",
    "review": {"events": "ulasan", "rating": "bintang"},
    "nps": {"events": "survei_nps", "score": "nilai"},
    "referral": {"events": "ajak_teman", "referrer": "perujuk"},
    "direct": "langsung",
    "shop_sent": "email_terkirim",
    "messages": {"sent": "email_terkirim", "opened": "email_dibuka", "clicked": "klik_email"},
}


def toko(open_workspace, write_file, roles: dict, name: str = "toko.duckdb") -> jejak.Workspace:
    import yaml

    text = COLUMNS + yaml.safe_dump({"roles": roles}, allow_unicode=True)
    ws = open_workspace(parse_settings(text), name=name)
    ws.load(write_file(name.replace(".duckdb", ".csv"), TOKO))
    return ws


@pytest.fixture
def named(open_workspace, write_file):
    return toko(open_workspace, write_file, ROLES)


def reached(ws) -> dict[str, int]:
    return ws.stages().table.set_index("stage")["reached"].to_dict()


def test_the_shops_own_words_place_everyone_on_the_journey(named, on_engine):
    assert reached(on_engine(named)) == {
        "Awareness": 5,
        "Engagement": 1,  # p1 read an article
        "Subscribe": 2,  # p1's newsletter, p3's account
        "Convert": 3,  # p1, p2 and p4 bought
        "Excite": 1,  # p1 finished the guide
        "Ascend": 1,  # p1 bought twice
        "Advocate": 1,  # p1's 5 stars (p2's 2 stars do not count)
        "Promote": 1,  # p1 invited a friend
    }


def test_without_roles_the_same_shop_stops_at_awareness(open_workspace, write_file):
    ws = toko(open_workspace, write_file, {"refund": "pengembalian_dana"})
    assert reached(ws) == {
        "Awareness": 5,
        **dict.fromkeys(
            ["Engagement", "Subscribe", "Convert", "Excite", "Ascend", "Advocate", "Promote"], 0
        ),
    }


def test_the_purchase_role_moves_every_analysis_that_counts_purchases(named):
    ws = named
    assert sorted(ws.rfm().table["person_id"]) == ["p1", "p2", "p4"]
    # three buyers, p1 with one repeat purchase day: too few repeat buyers for a model
    with pytest.raises(jejak.JejakError, match=r"1 of 3 buyers bought again \(pembelian"):
        ws.customer_value()
    groups = ws.engagement_groups().table.set_index("group")
    assert groups.loc["transactional only", "converted"] == pytest.approx(3 / 4)  # not p3
    referrals = ws.referrals()
    assert referrals.meta["customers"] == 3
    assert referrals.table.set_index("person_id").loc["p1", "referred_customers"] == 1
    ws.save_segment("pembeli", {"had": {"role": "purchase"}})
    audience = ws.audience("pembeli").table.set_index("person_id")
    assert audience["orders"].to_dict() == {"p1": 2, "p2": 1, "p4": 1}
    assert audience["revenue"].to_dict() == {"p1": 150000, "p2": 70000, "p4": 80000}
    kept = ws.retention(active={"role": "purchase"}).table
    assert kept["cohort_size"].tolist() == [3]
    churn = ws.experience(churn_days=3).churn  # p1 and p2 bought 3 days before the end
    assert int(churn["buyers"].sum()) == 2
    clusters = ws.clusters(k=2).people.set_index("person_id")
    assert clusters["purchases"].to_dict() == {"p1": 2, "p2": 1, "p3": 0, "p4": 1, "p5": 0}


def test_a_first_purchase_is_the_first_of_all_time_in_a_date_range(named, on_engine):
    march_tenth = on_engine(named).between("2026-03-08", "2026-04-01")
    table = march_tenth.stage_entries().table
    p1 = table[table.person_id == "p1"]["stage"].tolist()
    assert "Ascend" in p1 and "Convert" not in p1  # the 10 March order is p1's second


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("refund",)])
def test_each_role_changes_every_analysis_that_uses_it(open_workspace, write_file, named, role):
    """Leaving one role at its default changes each analysis that reads it."""
    without = toko(
        open_workspace, write_file, {k: v for k, v in ROLES.items() if k != role}, "w2.duckdb"
    )
    for analysis, observe in USES[role].items():
        assert observe(named) != observe(without), f"{role}: {analysis}"


def entered(ws, stage: str) -> list:
    table = ws.stage_entries().table
    return table[table["stage"] == stage]["entered_at"].tolist()


def _clusters(ws, column: str) -> list:
    return ws.clusters(k=2).people.sort_values("person_id")[column].tolist()


def _value(ws) -> object:
    try:
        return sorted(ws.customer_value().table["person_id"])
    except jejak.errors.JejakError as exc:
        return str(exc)


def _groups(ws, column: str) -> dict:
    return ws.engagement_groups().table.set_index("group")[column].fillna(-1).to_dict()


# per role, every analysis that reads it and what of its answer the role decides
USES = {
    "purchase": {
        "stages": lambda ws: (reached(ws)["Convert"], reached(ws)["Ascend"]),
        "rfm": lambda ws: len(ws.rfm().table),
        "customer value": _value,
        "engagement": lambda ws: _groups(ws, "converted"),
        "referrals": lambda ws: ws.referrals().meta["customers"],
        "clusters": lambda ws: _clusters(ws, "purchases"),
        "experience churn": lambda ws: int(ws.experience(churn_days=3).churn["buyers"].sum()),
        "attribution": lambda ws: ws.attribution().meta["conversions"],
        "funnel": lambda ws: (
            ws.funnel(["kunjungi_halaman", {"role": "purchase"}]).table["entered"].tolist()
        ),
    },
    "signup": {"stages": lambda ws: reached(ws)["Subscribe"]},
    "subscribe": {"stages": lambda ws: reached(ws)["Subscribe"]},
    "content": {
        "stages": lambda ws: reached(ws)["Engagement"],
        "engagement": lambda ws: ws.engagement_groups().people["engagement"].tolist(),
    },
    "transactional": {
        "engagement": lambda ws: ws.engagement_groups().people["transactional"].tolist(),
    },
    "activation": {"stages": lambda ws: reached(ws)["Excite"]},
    "review": {
        "stages": lambda ws: entered(ws, "Advocate"),  # p1's stars a day before the NPS
        "reviews": lambda ws: ws.reviews().table.to_dict("records"),
        "experience": lambda ws: ws.experience().table["signals"].sum(),
    },
    "nps": {
        "nps": lambda ws: ws.nps().table.to_dict("records"),
        "experience": lambda ws: ws.experience().table["signals"].sum(),
        "clusters": lambda ws: ws.clusters(k=2).table["nps"].fillna(-1).tolist(),
    },
    "referral": {
        "stages": lambda ws: reached(ws)["Promote"],
        "referrals": lambda ws: (ws.referrals().meta["invites"], ws.referrals().meta["referred"]),
    },
    "direct": {
        "attribution": lambda ws: (
            ws.attribution(models=["last_non_direct"])
            .table.set_index("channel")["last_non_direct"]
            .to_dict()
        ),
    },
    # p3's second mailing (10 March) is the shop's doing, not p3 coming back
    "shop_sent": {
        "retention": lambda ws: ws.retention(period="week").table["active"].tolist(),
        "lifecycle": lambda ws: ws.lifecycle(period="week").table["returning"].tolist(),
    },
    "messages": {
        "contact": lambda ws: ws.contact_metrics().meta["sent"],
        "send times": lambda ws: len(ws.send_times(min_messages=1).table),
        "frequency": lambda ws: len(ws.contact_frequency(min_weeks=1).table),
        "engagement": lambda ws: _groups(ws, "sent"),
    },
}


def test_every_event_role_is_documented_and_tested():
    assert set(USES) | {"refund"} <= set(ROLES)
    template = jejak.model.config.settings_template()
    for role in EVENT_ROLES:
        assert f"\n  {role}:" in template, role


def test_refunds_follow_the_refund_role(named, open_workspace, write_file):
    assert named.count() == len(TOKO.strip().splitlines()) - 1
    with pytest.raises(jejak.errors.LoadError, match=r"see roles: refund in jejak.yaml"):
        toko(open_workspace, write_file, {}, "nolist.duckdb")


def test_the_older_spellings_still_work_and_clash_with_roles():
    old = parse_settings("refund_events: [retur]\nsent_events: []\ncontact: {sent: kirim}\n")
    assert old.roles.refund == ["retur"]
    assert old.roles.shop_sent == []
    assert old.roles.messages.sent == ["kirim"]
    with pytest.raises(ConfigError, match="keep 'roles: refund'"):
        parse_settings("refund_events: [retur]\nroles: {refund: [retur]}\n")


def test_an_unknown_role_in_a_rule_names_the_roles():
    ws_settings = parse_settings(
        "journey:\n  stages:\n    - {name: A, rules: [{any: true}]}\n"
        "    - {name: B, rules: [{role: pembelian}]}\n"
    )
    with pytest.raises(ConfigError, match="unknown role 'pembelian'; roles are: purchase"):
        ws_settings.resolved_journey()


def test_nth_needs_a_role():
    with pytest.raises(ConfigError, match=r"add e.g. 'role: purchase'"):
        parse_settings(
            "journey:\n  stages:\n    - {name: A, rules: [{any: true}]}\n"
            "    - {name: B, rules: [{event: beli, nth: 2}]}\n"
        )


def test_a_role_left_empty_matches_nothing(open_workspace, write_file):
    roles = {**ROLES, "nps": {"events": [], "score": "nilai"}, "transactional": []}
    ws = toko(open_workspace, write_file, roles)
    assert ws.nps().table["answers"].sum() == 0
    assert "nps = " in " ".join(ws.nps().meta["warnings"])
    assert ws.engagement_groups().people["transactional"].tolist() == [2, 1, 1]
    assert reached(ws)["Advocate"] == 1  # p1's five stars still count
