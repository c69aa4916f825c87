"""Settings proposed from a stranger's files (jejak init --from): the mapping, the
dialect, the time format and the roles are guessed from the data, said in comments,
and the written jejak.yaml loads the same files onto the journey."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import jejak
from jejak.cli import app
from jejak.model.config import parse_settings
from jejak.model.vocabulary import normal, raw_vocabulary, vocabulary
from jejak.proposal.times import read_times

# a toko (shop) export: Indonesian headers and event names, ';' fields, Rupiah written
# the Indonesian way, day-first Jakarta times
TOKO = """\
id_pelanggan;waktu;kejadian;saluran;kampanye;pendapatan;bintang
p1;01/11/2025 09:00;kunjungi_halaman;langsung;;;
p1;02/11/2025 09:00;baca_artikel;langsung;;;
p1;03/11/2025 09:00;langganan;email;;;
p1;04/11/2025 10:00;pembelian;iklan;harbolnas;Rp 150.000;
p1;20/11/2025 09:00;pembelian;langsung;;75.000,50;
p1;21/11/2025 09:00;ulasan;langsung;;;5
p1;22/11/2025 09:00;ajak_teman;langsung;;;
p2;01/11/2025 09:00;kunjungi_halaman;iklan;harbolnas;;
p2;02/11/2025 09:30;lihat_produk;iklan;harbolnas;;
p2;02/11/2025 09:40;tambah_ke_keranjang;langsung;;;
p2;13/11/2025 14:05;pembelian_online;langsung;;1.250.000;
p2;14/11/2025 10:00;ulasan;langsung;;;2
p3;14/11/2025 08:00;email_terkirim;email;promo;;
p3;14/11/2025 09:00;email_dibuka;email;promo;;
p3;14/11/2025 09:05;klik_email;email;promo;;
p3;15/11/2025 10:00;daftar;sosial;;;
p3;16/11/2025 10:00;berhenti_langganan;email;promo;;
p4;30/11/2025 14:05;kunjungi_halaman;sosial;;;
p4;30/11/2025 14:10;kunjungi_halaman;sosial;;;
p5;01/11/2025 11:00;cek_ongkir;langsung;;;
"""

SHOP = """\
user_id,timestamp,event_name,utm_source,utm_medium,utm_campaign,amount,currency,rating
u1,2025-11-01T08:00:00Z,page_view,google,search,,,,
u1,2025-11-01T08:05:00Z,product_view,google,search,,,,
u1,2025-11-01T08:10:00Z,add_to_cart,,direct,,,,
u1,2025-11-01T08:20:00Z,purchase,,direct,,"1,250.00",USD,
u1,2025-11-09T08:00:00Z,review,,direct,,,,4
u2,2025-11-02T10:00:00Z,page_view,instagram,social,black-friday,,,
u2,2025-11-02T10:05:00Z,newsletter_signup,instagram,social,black-friday,,,
u2,2025-11-05T10:00:00Z,email_open,newsletter,email,black-friday,,,
u2,2025-11-05T10:01:00Z,purchase,newsletter,email,black-friday,49.90,USD,
u2,2025-11-20T10:00:00Z,purchase,,direct,,19.90,USD,
u3,2025-11-03T12:00:00Z,page_view,google,search,,,,
"""

# headers that say nothing: the contents must
BLIND = """\
col1,col2,col3,col4,col5
a01,2025-11-03 10:00:00,kunjungi_halaman,,search
a01,2025-11-03 10:05:00,lihat_produk,,search
a01,2025-11-03 10:20:00,pembelian,Rp 75.000,direct
a02,2025-11-04 19:00:00,kunjungi_halaman,,email
a02,2025-11-06 19:00:00,daftar,,email
a03,2025-11-07 08:00:00,pembelian,Rp 150.000,direct
a03,2025-11-08 08:00:00,pembelian,Rp 20.000,direct
"""


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding)
    return path


def reached(ws: jejak.Workspace) -> dict[str, int]:
    return ws.stages().table.set_index("stage")["reached"].to_dict()


def loaded(tmp_path: Path, proposal: jejak.SettingsProposal, *files: Path) -> jejak.Workspace:
    ws = jejak.Workspace(tmp_path / "w.duckdb", parse_settings(proposal.text))
    for path in files:
        ws.load(path)
    return ws


@pytest.fixture
def toko(tmp_path: Path) -> Path:
    return write(tmp_path, "toko.csv", TOKO)


def test_indonesian_shop_file_is_mapped_read_and_placed(toko: Path):
    proposal = jejak.propose_settings([toko])
    settings = proposal.settings()

    assert settings.columns == {
        "customer_id": "id_pelanggan",
        "ts": "waktu",
        "event": "kejadian",
        "channel": "saluran",
        "campaign": "kampanye",
        "revenue": "pendapatan",
    }
    assert (settings.separator, settings.decimal, settings.thousands) == (";", ",", ".")
    assert settings.ts_format == "%d/%m/%Y %H:%M"
    assert settings.encoding == "utf-8"
    assert settings.timezone == "Asia/Jakarta"
    roles = settings.roles
    assert roles.purchase == ["pembelian", "pembelian_online"]
    assert roles.signup == ["daftar"]
    assert roles.subscribe == ["langganan"]
    assert roles.content == ["baca_artikel"]
    assert roles.transactional == ["lihat_produk", "tambah_ke_keranjang"]
    assert (roles.review.events, roles.review.field) == (["ulasan"], "bintang")
    assert roles.referral.events == ["ajak_teman"]
    assert roles.direct == ["langsung"]
    assert roles.shop_sent == ["email_terkirim"]
    messages = roles.messages
    assert (messages.sent, messages.opened, messages.clicked, messages.unsubscribed) == (
        ["email_terkirim"],
        ["email_dibuka"],
        ["klik_email"],
        ["berhenti_langganan"],
    )
    # roles no event looks like keep jejak's default names
    assert proposal.roles.missing() == [
        "refund",
        "trial",
        "comparison",
        "activation",
        "upsell",
        "nps",
        "sharing",
        "testimonial",
    ]
    assert roles.refund == ["refund"]
    assert [(s.name, s.touchpoints, s.people) for s in proposal.roles.not_placed] == [
        ("kunjungi_halaman", 4, 3),
        ("cek_ongkir", 1, 1),
    ]


def test_the_comments_say_what_was_guessed_and_why(toko: Path):
    lines = jejak.propose_settings([toko]).text.splitlines()

    for expected in [
        "separator: ';'",
        "# amounts like 'Rp 150.000', '75.000,50', '1.250.000' in 'pendapatan': decimal ',',",
        "# times in 'waktu' are written day first: 12 of 20 have a first number above 12 (like",
        "ts_format: '%d/%m/%Y %H:%M'",
        "  customer_id: id_pelanggan  # 'id_pelanggan' is Indonesian for customer_id",
        "# kept in properties: bintang",
        "  # pembelian: 2 touchpoints, 1 person ('pembelian' is Indonesian for purchase)",
        "  # pembelian_online: 1 touchpoint, 1 person ('pembelian_online' has the word"
        " 'pembelian', Indonesian for purchase)",
        "  purchase: [pembelian, pembelian_online]",
        "  # bintang: 'bintang' is Indonesian for the rating",
        "  review: {events: [ulasan], rating: bintang}",
        "  # none of your events looked like: refund, trial, comparison, activation, upsell, nps,",
        "  # channel values that mean direct: langsung (9)",
        "  # not placed: kunjungi_halaman (4), cek_ongkir (1)",
        "  # Convert: pembelian, pembelian_online (a person's first)",
        "  # Advocate: ulasan with bintang >= 4",
        "  # Excite: none of your events yet",
        "journey: value-journey",
    ]:
        assert expected in lines, expected


def test_the_proposed_settings_load_the_file_onto_the_journey(toko: Path, tmp_path: Path):
    proposal = jejak.propose_settings([toko])
    with loaded(tmp_path, proposal, toko) as ws:
        assert reached(ws) == {
            "Awareness": 5,
            "Engagement": 1,  # p1 read an article
            "Subscribe": 2,  # p1's langganan, p3's daftar
            "Convert": 2,  # p1 and p2 bought (pembelian, pembelian_online)
            "Excite": 0,
            "Ascend": 1,  # p1 bought twice
            "Advocate": 1,  # p1's 5 stars; p2's 2 do not count
            "Promote": 1,  # p1 invited a friend
        }
        revenue = ws.touchpoints().to_pandas().dropna(subset=["revenue"])
        assert sorted(revenue["revenue"]) == [75_000.5, 150_000.0, 1_250_000.0]
        first = ws.touchpoints().to_pandas().sort_values("ts").iloc[0]
        assert str(first["ts"]) == "2025-11-01 02:00:00+00:00"  # 09:00 in Jakarta


def test_english_headers_and_iso_times(tmp_path: Path):
    shop = write(tmp_path, "shop.csv", SHOP)
    proposal = jejak.propose_settings([shop])
    settings = proposal.settings()

    assert settings.columns == {
        "customer_id": "user_id",
        "ts": "timestamp",
        "event": "event_name",
        "channel": "utm_medium",  # no channel column: the medium is the channel
        "source": "utm_source",
        "campaign": "utm_campaign",
        "revenue": "amount",
    }
    assert proposal.main.guesses["currency"].why == "already named 'currency'"
    assert (settings.separator, settings.decimal, settings.thousands) == (",", ".", ",")
    assert settings.ts_format is None
    assert settings.timezone == "UTC"
    assert settings.roles.purchase == ["purchase"]
    assert settings.roles.subscribe == ["newsletter_signup"]
    assert settings.roles.transactional == ["add_to_cart", "product_view"]
    assert (settings.roles.review.events, settings.roles.review.field) == (["review"], "rating")
    assert settings.roles.messages.opened == ["email_open"]
    assert settings.roles.messages.sent == ["email_sent", "sms_sent", "push_sent"]  # default
    assert [s.name for s in proposal.roles.not_placed] == ["page_view"]
    with loaded(tmp_path, proposal, shop) as ws:
        assert reached(ws) == {
            "Awareness": 3,
            "Engagement": 0,
            "Subscribe": 1,  # u2
            "Convert": 2,  # u1, u2
            "Excite": 0,
            "Ascend": 1,  # u2's second purchase
            "Advocate": 1,  # u1's 4 stars
            "Promote": 0,
        }


def test_meaningless_headers_are_mapped_from_the_contents(tmp_path: Path):
    blind = write(tmp_path, "blind.csv", BLIND)
    proposal = jejak.propose_settings([blind])

    assert {f: (g.column, g.why) for f, g in proposal.main.guesses.items()} == {
        "ts": ("col2", "every value is a time (ISO 8601)"),
        "revenue": ("col4", "every value is an amount (with a currency)"),
        "event": ("col3", "3 of its values are event names jejak knows"),
        "channel": ("col5", "its values are channels (like direct, email)"),
        "customer_id": ("col1", "its values are ids, and they repeat"),
    }
    settings = proposal.settings()
    assert (settings.decimal, settings.thousands) == (",", ".")  # Rupiah group thousands
    assert settings.roles.purchase == ["pembelian"]
    with loaded(tmp_path, proposal, blind) as ws:
        assert reached(ws)["Convert"] == 2  # a01 and a03
        assert reached(ws)["Ascend"] == 1  # a03 again
        assert ws.touchpoints().to_pandas()["revenue"].sum() == 245_000


def test_files_of_one_shape_share_the_settings(tmp_path: Path):
    lines = TOKO.splitlines()
    first = write(tmp_path, "toko_a.csv", "\n".join(lines[:11]) + "\n")
    second = write(tmp_path, "toko_b.csv", "\n".join(lines[:1] + lines[11:]) + "\n")
    proposal = jejak.propose_settings([first, second])

    assert proposal.differing == []
    assert "# toko_a.csv, toko_b.csv share one shape: these settings read them all." in (
        proposal.text.splitlines()
    )
    with loaded(tmp_path, proposal, first, second) as ws:
        assert reached(ws)["Convert"] == 2


def test_files_of_different_shapes_are_told_with_what_each_needs(toko: Path, tmp_path: Path):
    shop = write(tmp_path, "shop.csv", SHOP)
    proposal = jejak.propose_settings([toko, shop])

    assert proposal.main.path == toko  # the most rows
    assert [f.path for f in proposal.differing] == [shop]
    assert shop.name in proposal.summary()[-1]
    assert proposal.differing[0].as_source() == {
        "files": "shop.csv",
        "columns": {
            "ts": "timestamp",
            "event": "event_name",
            "channel": "utm_medium",
            "source": "utm_source",
            "campaign": "utm_campaign",
            "revenue": "amount",
        },
        "ids": {"customer_id": "user_id"},
        "separator": ",",
        "decimal": ".",
        "thousands": ",",
    }
    text = proposal.text
    assert "# These files are written differently from toko.csv, so each is read" in text
    assert "  shop: {files: shop.csv, columns: {ts: timestamp," in text
    assert set(proposal.settings().sources) == {"toko", "shop"}
    # the roles are counted over both files
    assert proposal.settings().roles.purchase == ["purchase", "pembelian", "pembelian_online"]


def test_a_windows_1252_file_has_its_encoding_written(tmp_path: Path):
    path = write(tmp_path, "kafe.csv", TOKO.replace("harbolnas", "café"), "cp1252")
    proposal = jejak.propose_settings([path])

    assert proposal.settings().encoding == "cp1252"
    assert "# encoding cp1252 (detected: the file is not UTF-8; set 'encoding' in" in (
        proposal.text
    )
    with loaded(tmp_path, proposal, path) as ws:
        assert "café" in set(ws.touchpoints().to_pandas()["campaign"])


@pytest.mark.parametrize(
    ("values", "fmt", "why"),
    [
        (
            ["11/30/2025 2:05 ", "12/01/2025 09:00"],
            "%m/%d/%Y %H:%M",
            "month first: 1 of 2 have a second number above 12 (like '11/30/2025 2:05')",
        ),
        (
            ["01.02.25", "03.04.25"],
            "%d.%m.%y",
            "day first, the Indonesian and European habit; no value has a number above 12,"
            " so the data cannot tell: check it",
        ),
        (
            ["30-11-2025 14.05.09"],
            "%d-%m-%Y %H.%M.%S",
            "day first: 1 of 1 have a first number above 12 (like '30-11-2025 14.05.09')",
        ),
    ],
)
def test_local_time_formats(values: list[str], fmt: str, why: str):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (waktu VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    times = read_times(con, "t", "waktu", "VARCHAR")
    assert (times.ts_format, times.why, times.problem) == (fmt, why, None)


def test_times_that_disagree_are_a_problem_not_a_guess():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (waktu VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [["30/11/2025"], ["11/30/2025"]])
    times = read_times(con, "t", "waktu", "VARCHAR")
    assert times.problem == (
        "some times are day-first ('30/11/2025') and some month-first ('11/30/2025');"
        " make them agree, or write them as ISO 8601"
    )


def test_event_names_match_whole_or_by_their_longest_word():
    words = vocabulary()
    assert words.event("Pembelian").meaning == "purchase"
    assert words.event("kirim_email_promo").word.term == "kirim_email"
    assert words.event("berhenti_langganan").meaning == "messages.unsubscribed"
    assert [m.meaning for m in words.event("klik_produk")] == ["messages.clicked", "transactional"]
    assert words.event("kunjungi_halaman") is None
    assert normal(" Tanggal Transaksi ") == "tanggal_transaksi"


def test_a_word_belongs_to_one_role():
    data = raw_vocabulary()
    seen: dict[str, str] = {}
    for section in ("roles", "messages"):
        for meaning, languages in data[section].items():
            for word in (w for words in languages.values() for w in words):
                assert normal(word) not in seen, (word, meaning, seen.get(normal(word)))
                seen[normal(word)] = meaning


def test_cli_init_from_writes_settings_that_load(toko: Path, monkeypatch):
    monkeypatch.chdir(toko.parent)
    runner = CliRunner()

    done = runner.invoke(app, ["init", "--from", "toko.csv"])
    assert done.exit_code == 0, done.output
    assert "not placed: kunjungi_halaman, cek_ongkir" in done.output
    assert "Wrote jejak.yaml: check the guesses in its comments" in done.output
    assert parse_settings(Path("jejak.yaml").read_text("utf-8")).ts_format == "%d/%m/%Y %H:%M"

    assert runner.invoke(app, ["load", "toko.csv"]).exit_code == 0
    shown = runner.invoke(app, ["stages", "--json"])
    assert shown.exit_code == 0, shown.output
    assert '"Convert"' in shown.output


def test_cli_init_from_several_files_and_without_from(toko: Path, tmp_path: Path, monkeypatch):
    write(tmp_path, "shop.csv", SHOP)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    done = runner.invoke(app, ["init", "--from", "toko.csv", "shop.csv", "--timezone", "UTC"])
    assert done.exit_code == 0, done.output
    assert "differs from toko.csv: shop.csv" in done.output
    assert "timezone: UTC" in Path("jejak.yaml").read_text("utf-8")

    done = runner.invoke(app, ["init", "--force", "toko.csv"])
    assert done.exit_code == 1
    assert "to read toko.csv, write: jejak init --from toko.csv" in str(done.exception)


def test_role_properties_are_found_in_a_json_column_of_a_folder(tmp_path: Path):
    folder = tmp_path / "ekspor"
    folder.mkdir()
    write(
        folder,
        "toko.csv",
        "id_pelanggan,waktu,kejadian,properti\n"
        'p1,2025-11-01 09:00:00,pembelian,"{""nomor"": 1}"\n'
        'p1,2025-11-02 09:00:00,survei_nps,"{""skor"": 10}"\n'
        'p2,2025-11-03 09:00:00,ajak_teman,"{""perujuk"": ""p1""}"\n',
    )
    write(folder, "catatan.pdf", "not touchpoints")
    proposal = jejak.propose_settings([folder])

    assert [f.path.name for f in proposal.files] == ["toko.csv"]
    assert [p.name for p in proposal.left_out] == ["catatan.pdf"]
    assert f"{folder / 'catatan.pdf'}: left out; not a file jejak reads" in proposal.summary()
    assert proposal.main.guesses["properties"].column == "properti"
    roles = proposal.settings().roles
    assert (roles.nps.events, roles.nps.field) == (["survei_nps"], "skor")
    assert (roles.referral.events, roles.referral.field) == (["ajak_teman"], "perujuk")
