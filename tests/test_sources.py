"""Several sources, one journey: web events, an orders export, a WhatsApp log and a CRM
list, each read its own way, joined into people by email and phone number."""

from __future__ import annotations

import hmac
import json
import subprocess
from hashlib import sha256
from pathlib import Path

import pandas as pd
import pytest

import jejak
from invoking import invoke
from jejak.errors import ConfigError, LoadError
from jejak.model.config import parse_settings
from jejak.store import personal
from jejak.store.contacts import e164

SETTINGS = """
timezone: Asia/Jakarta
roles:
  purchase: [pembelian]
  signup: [daftar]
  content: [lihat_artikel]
  messages:
    whatsapp: {sent: wa_kirim}
sources:
  web:
    files: "web_*.csv"
    ids: {customer_id: user_id, anonymous_id: cookie, email: email}
  orders:
    files: "pesanan*.csv"
    columns: {ts: tanggal, revenue: total}
    constants: {event: pembelian, currency: IDR}
    ids: {email: email_pembeli}
  whatsapp:
    files: "wa_*.csv"
    columns: {ts: waktu_kirim}
    constants: {event: wa_kirim, channel: whatsapp}
    ids: {phone: nomor_hp}
  crm:
    files: pelanggan.csv
    ids: {customer_id: id_pelanggan, email: email, phone: telepon}
    identities_only: true
"""

# Budi (C1) comes from search, signs up with his email, gets a WhatsApp message on his
# phone (written the local way) and orders by email: the message is his last touch.
# Sari (C2) gives her email on the web; the CRM knows her phone with that email but no
# customer id, so her WhatsApp message reaches C2 through her email. Her last touch
# before ordering is social. Eko (C3) is only in the CRM: his WhatsApp message and his
# order join through it. Dewi is in no CRM: her order (email) and her message (phone)
# are two people. ck_x browses and never says who she is.
WEB = """
ts,event,user_id,cookie,email,channel
2026-03-01 10:00:00,page_view,,ck_b,,search
2026-03-01 10:05:00,daftar,C1,ck_b, Budi@Mail.com ,search
2026-03-05 20:00:00,lihat_artikel,C2,ck_s,sari@mail.com,social
2026-03-02 11:00:00,page_view,,ck_x,,ads
"""
ORDERS = """
tanggal,email_pembeli,total,kurir
2026-03-04 12:00:00,BUDI@mail.com,150000,jne
2026-03-06 12:00:00,sari@mail.com,90000,jne
2026-03-08 12:00:00,eko@mail.com,75000,sicepat
2026-03-09 12:00:00,dewi@mail.com,50000,jne
"""
WHATSAPP = """
waktu_kirim,nomor_hp
2026-03-03 09:00:00,0812-3456-7890
2026-03-02 09:00:00,0813 1111 2222
2026-03-07 09:00:00,+62 811-2222-3333
2026-03-09 09:00:00,0857-0000-1111
"""
CRM = """
id_pelanggan,email,telepon
C1,budi@mail.com,+62 812 3456 7890
,Sari@Mail.com,0813-1111-2222
C3,eko@mail.com,62 811 2222 3333
"""


def jkt(text: str) -> pd.Timestamp:
    """A Jakarta wall-clock time, in UTC as stored."""
    return pd.Timestamp(text, tz="Asia/Jakarta").tz_convert("UTC")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in {
        "web_maret.csv": WEB,
        "pesanan_maret.csv": ORDERS,
        "wa_maret.csv": WHATSAPP,
        "pelanggan.csv": CRM,
    }.items():
        (tmp_path / name).write_text(text.strip() + "\n", "utf-8")
    return tmp_path


def shop_workspace(folder: Path, settings: str = SETTINGS) -> jejak.Workspace:
    ws = jejak.Workspace(folder / "w.duckdb", parse_settings(settings))
    for name in ("web_maret.csv", "pesanan_maret.csv", "wa_maret.csv", "pelanggan.csv"):
        ws.load(folder / name)
    return ws


@pytest.fixture
def shop(folder: Path):
    ws = shop_workspace(folder)
    yield ws
    ws.close()


def people(analysed) -> dict[str, list[str]]:
    """Each person's touchpoints, in time order."""
    events = analysed.events().to_pandas().sort_values(["person_id", "ts"])
    return {p: list(group.event) for p, group in events.groupby("person_id")}


EXPECTED_PEOPLE = {
    "C1": ["page_view", "daftar", "wa_kirim", "pembelian"],
    "C2": ["wa_kirim", "lihat_artikel", "pembelian"],
    "C3": ["wa_kirim", "pembelian"],
    "anon:ck_x": ["page_view"],
    "email:dewi@mail.com": ["pembelian"],
    "phone:+6285700001111": ["wa_kirim"],
}


def test_four_sources_load_each_their_own_way(shop):
    loads = shop.loads().set_index("file")["rows_stored"]
    assert {Path(f).name: n for f, n in loads.items()} == {
        "web_maret.csv": 4,
        "pesanan_maret.csv": 4,
        "wa_maret.csv": 4,
        "pelanggan.csv": 4,  # the CRM's new links: C1's phone, Sari's phone, Eko's two
    }
    stored = shop.touchpoints().to_pandas().set_index("ts")
    order = stored.loc[jkt("2026-03-04 12:00")]
    assert (order.event, order.revenue, order.currency) == ("pembelian", 150000, "IDR")
    # the email is an id, not a property; other columns are kept as properties
    assert json.loads(order.properties) == {"kurir": "jne"}
    message = stored.loc[jkt("2026-03-03 09:00")]
    assert (message.event, message.channel) == ("wa_kirim", "whatsapp")
    assert message.anonymous_id == "phone:+6281234567890"


def test_people_are_joined_by_email_and_phone(shop, on_engine):
    assert people(on_engine(shop)) == EXPECTED_PEOPLE


def test_the_journey_of_each_person_crosses_sources(shop, on_engine):
    entries = on_engine(shop).stage_entries().table
    entered = {
        person: dict(zip(group.stage, group.entered_at, strict=True))
        for person, group in entries.groupby("person_id")
    }
    assert entered["C1"] == {
        "Awareness": jkt("2026-03-01 10:00"),
        "Subscribe": jkt("2026-03-01 10:05"),
        "Convert": jkt("2026-03-04 12:00"),
    }
    assert entered["C2"] == {
        "Awareness": jkt("2026-03-02 09:00"),  # the WhatsApp message
        "Engagement": jkt("2026-03-05 20:00"),
        "Convert": jkt("2026-03-06 12:00"),
    }
    assert entered["C3"] == {
        "Awareness": jkt("2026-03-07 09:00"),
        "Convert": jkt("2026-03-08 12:00"),
    }
    assert entered["email:dewi@mail.com"] == {
        "Awareness": jkt("2026-03-09 12:00"),
        "Convert": jkt("2026-03-09 12:00"),
    }
    assert set(entered) == set(EXPECTED_PEOPLE)


def test_last_touch_credit_goes_to_the_whatsapp_message(shop, on_engine):
    result = on_engine(shop).attribution()
    table = result.table.set_index("channel")
    # Budi's and Eko's last touch before buying was the message; Sari's was social.
    # Dewi's order had no touch with a channel (her message is another person).
    assert {k: v for k, v in table["last_touch"].items() if v} == {"whatsapp": 2, "social": 1}
    assert {k: v for k, v in table["first_touch"].items() if v} == {
        "search": 1,
        "whatsapp": 2,
    }
    assert result.meta["conversions"] == 4 and result.meta["untouched_conversions"] == 1
    revenue = result.revenue.set_index("channel")["last_touch"]
    assert {k: v for k, v in revenue.items() if v} == {"whatsapp": 225000, "social": 90000}


def test_pii_hash_stores_only_hashes_and_finds_the_same_people(folder):
    ws = shop_workspace(folder, SETTINGS + "pii: hash\n")
    try:

        def hashed(kind: str, value: str) -> str:  # HMAC-SHA256 under the workspace's salt
            salt = bytes.fromhex(personal.salt(ws.con))
            return f"{kind}:{hmac.new(salt, value.encode(), sha256).hexdigest()}"

        names = {
            hashed("email", "dewi@mail.com"): "email:dewi@mail.com",
            hashed("phone", "+6285700001111"): "phone:+6285700001111",
        }
        assert {names.get(p, p): e for p, e in people(ws).items()} == EXPECTED_PEOPLE
        # no clear email or phone number anywhere in the workspace
        dump = ws.con.execute(
            "SELECT string_agg(CAST(t AS VARCHAR), ' ') FROM ( SELECT * FROM touchpoints) t"
        ).fetchall()[0][0] + " ".join(
            f"{a} {c}"
            for a, c in ws.con.execute("SELECT * EXCLUDE load_id FROM identity_links").fetchall()
        )
        # (whole numbers: a hash's hex digits hold a run like "3456" now and then)
        for clear in ("mail.com", "+62", "0812-3456-7890", "6281234567890", "812 3456"):
            assert clear not in dump
        links = dict(
            ws.con.execute("SELECT anonymous_id, customer_id FROM identity_links").fetchall()
        )
        assert links[hashed("email", "budi@mail.com")] == "C1"
        assert links[hashed("phone", "+6281311112222")] == hashed("email", "sari@mail.com")
    finally:
        ws.close()


def test_a_rejected_row_keeps_no_clear_email_with_pii_hash(tmp_path):
    settings = parse_settings(SETTINGS + "pii: hash\n")
    path = tmp_path / "pesanan_april.csv"
    path.write_text("tanggal,email_pembeli,total\n2026-04-01 10:00:00,x@mail.com,abc\n")
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        ws.load(path, skip_invalid=True)
        record = json.loads(ws.rejected().record[0])
        assert record == {"tanggal": "2026-04-01 10:00:00", "total": "abc"}


@pytest.mark.parametrize(
    ("written", "region", "expected"),
    [
        ("0812-3456-7890", "ID", "+6281234567890"),
        ("+62 812 3456 7890", "ID", "+6281234567890"),
        ("62 812 3456 7890", "ID", "+6281234567890"),
        ("(021) 555-1234", "ID", "+62215551234"),  # a Jakarta landline
        ("012-345 6789", "MY", "+60123456789"),
        ("+62 812 3456 7890", "MY", "+6281234567890"),  # a country code wins
        ("12", "ID", None),
        ("08123", "ID", None),
        ("nomor", "ID", None),
    ],
)
def test_phone_numbers_in_e164(written, region, expected):
    assert e164(written, region) == expected


def test_an_invalid_phone_names_file_row_and_field_and_stores_nothing(folder, tmp_path):
    bad = tmp_path / "wa_april.csv"
    bad.write_text(
        "waktu_kirim,nomor_hp\n2026-04-01 09:00:00,0812-3456-7890\n2026-04-01 09:00:00,12\n"
    )
    with jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS)) as ws:
        with pytest.raises(LoadError) as failed:
            ws.load(bad)
        assert str(failed.value).startswith(
            f"{bad} row 2: 'phone' '12' is not a phone number; write it with its country code"
        )
        assert "1 valid row would have been" in str(failed.value)
        assert ws.count() == 0


def test_a_crm_file_with_a_bad_email_stores_no_link(tmp_path):
    crm = tmp_path / "pelanggan.csv"
    crm.write_text("id_pelanggan,email,telepon\nC1,budi@mail.com,\nC2,budi at mail,\n")
    with jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS)) as ws:
        with pytest.raises(LoadError, match=r"pelanggan.csv row 2: 'email' 'budi at mail' is not"):
            ws.load(crm)
        assert ws.identity_links().count().execute() == 0
        assert ws.loads().empty


def test_a_file_is_read_by_the_source_named_or_matched(tmp_path):
    export = tmp_path / "export_maret.csv"  # matches no source's files
    export.write_text(ORDERS.strip() + "\n")
    with jejak.Workspace(tmp_path / "w.duckdb", parse_settings(SETTINGS)) as ws:
        with pytest.raises(LoadError, match="no 'ts' column"):
            ws.load(export)  # the top-level settings: no mapping, no constants
        summary = ws.load(export, source="orders")
        assert summary.stored == 4 and "read as source 'orders'" in str(summary)
        with pytest.raises(ConfigError, match=r"no source named 'order' \(sources: web, orders,"):
            ws.load(export, source="order")


def test_a_file_matching_two_sources_is_refused(tmp_path):
    settings = parse_settings(SETTINGS + "  pos:\n    files: 'pesanan_toko*.csv'\n")
    path = tmp_path / "pesanan_toko.csv"
    path.write_text(ORDERS.strip() + "\n")
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        with pytest.raises(LoadError) as failed:
            ws.load(path)
        assert str(failed.value) == (
            f"{path}: the file matches the files of sources 'orders' and 'pos'; make their"
            " 'files' patterns in jejak.yaml differ, or name the source: --source NAME"
        )
        assert ws.load(path, source="orders").stored == 4


def test_jejak_load_with_source_and_by_name(folder):
    (folder / "jejak.yaml").write_text(SETTINGS)
    (folder / "export.csv").write_text(WHATSAPP.strip() + "\n")

    def run(*args: str) -> subprocess.CompletedProcess:
        return invoke(*args, cwd=folder)

    done = run("load", "web_maret.csv", "pelanggan.csv")
    assert done.returncode == 0, done.stderr
    assert (
        "4 new touchpoints stored from web_maret.csv; 2 new identity links; read as source 'web'"
        in done.stdout
    )
    assert "read as source 'crm' (identities only)" in done.stdout
    done = run("load", "export.csv", "--source", "whatsapp")
    assert done.returncode == 0, done.stderr
    assert "4 new touchpoints stored from export.csv; read as source 'whatsapp'" in done.stdout
    done = run("load", "export.csv", "--source", "wa")
    assert done.returncode == 1
    assert "no source named 'wa'" in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{constants: {ts: '2026-01-01'}}", "'ts' cannot be a constant"),
        ("{ids: {nik: ktp}}", "'nik' is not a kind of id; use customer_id, anonymous_id, email"),
        ("{columns: {email: e}}", "'email' is not a touchpoint field"),
        ("{columns: {event: jenis}, constants: {event: x}}", "'event' is both a column and"),
        ("{identities_only: true, ids: {anonymous_id: c}}", "an identities_only source links"),
        ("{phone_region: Indonesia}", "'Indonesia' is not a region"),
        ("{separator: ';;'}", "';;' is not one character"),
    ],
)
def test_a_wrong_source_says_what_to_write(source, message):
    with pytest.raises(ConfigError, match=message) as failed:
        parse_settings(f"sources:\n  orders: {source}\n")
    assert str(failed.value).startswith("jejak.yaml line 2: 'sources.orders")


def test_a_wrong_phone_region_or_pii_is_refused():
    with pytest.raises(ConfigError, match="'XX' is not a region"):
        parse_settings("phone_region: XX\n")
    with pytest.raises(ConfigError, match="pii"):
        parse_settings("pii: encrypt\n")


def test_init_from_proposes_one_source_per_file(folder):
    files = [folder / n for n in ("web_maret.csv", "pesanan_maret.csv", "wa_maret.csv")]
    proposal = jejak.propose_settings([*files, folder / "pelanggan.csv"])
    sources = {
        name: source.model_dump(exclude_defaults=True)
        for name, source in proposal.settings().sources.items()
    }
    assert sources == {
        "web_maret": {
            "files": ["web_maret.csv"],
            "ids": {"customer_id": "user_id", "anonymous_id": "cookie", "email": "email"},
            "separator": ",",
        },
        "pesanan_maret": {
            "files": ["pesanan_maret.csv"],
            "columns": {"ts": "tanggal", "revenue": "total"},
            # no event column, and an amount on every row: every row is an order
            "constants": {"event": "order"},
            "ids": {"email": "email_pembeli"},
            "separator": ",",
        },
        "wa_maret": {
            "files": ["wa_maret.csv"],
            "columns": {"ts": "waktu_kirim"},
            "ids": {"phone": "nomor_hp"},
            "separator": ",",
        },
        "pelanggan": {
            "files": ["pelanggan.csv"],
            "identities_only": True,
            "ids": {"customer_id": "id_pelanggan", "email": "email", "phone": "telepon"},
            "separator": ",",
        },
    }
    # what a WhatsApp log's rows are is not in the file: the proposal says so
    assert any("wa_maret.csv: no column holds event names" in p for p in proposal.problems)
    settings = proposal.settings()
    with jejak.Workspace(folder / "w.duckdb", settings) as ws:
        for path in (*files[:2], folder / "pelanggan.csv"):
            if path.name != "wa_maret.csv":
                ws.load(path)
        # the orders joined the web customers by email, through the proposed sources
        assert people(ws)["C1"] == ["page_view", "daftar", "order"]
