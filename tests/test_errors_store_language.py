"""Loading errors in Bahasa Indonesia: `jejak --lang id load` names the file, the row, the
field and the fix in Indonesian, with no English phrase of the catalogue; in English the
same messages read as before, and the reasons stored with rejected rows stay English (the
side file and the collector's answers are read by tools).

Each file is a few hand-written rows of a shop (times in Asia/Jakarta):
- kunjungan.csv: three visits; the third's time is 2026-13-45 (no month 13);
- tanpa_waktu.csv: a customer_id and an event column, no ts;
- pesanan.csv: semicolons and decimal commas; the second order's amount is 12,3x0.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from invoking import JEJAK
from jejak import language
from jejak.language import catalogue_path
from jejak.store import reasons
from jejak.store.reasons import Reason

FILES = {
    "kunjungan.csv": (
        "customer_id,ts,event\n"
        "p1,2026-03-01 09:00:00,lihat_produk\n"
        "p2,2026-03-02 10:00:00,lihat_produk\n"
        "p3,2026-13-45,lihat_produk\n"
    ),
    "tanpa_waktu.csv": "customer_id,event\np1,lihat_produk\n",
    "pesanan.csv": (
        "customer_id;ts;event;revenue\n"
        "p1;2026-03-01 09:00:00;beli;1.234,50\n"
        "p2;2026-03-02 10:00:00;beli;12,3x0\n"
        "p3;2026-03-03 11:00:00;beli;150.000,00\n"
    ),
}
SETTINGS = "workspace: toko.duckdb\ntimezone: Asia/Jakarta\n"


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    (tmp_path / "jejak.yaml").write_text(SETTINGS, "utf-8")
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, "utf-8")
    return tmp_path


def load(shop: Path, lang: str, *args: str) -> subprocess.CompletedProcess:
    """``jejak --lang LANG load ARGS`` in a fresh process, as a user runs it."""
    return subprocess.run(
        [JEJAK, "--lang", lang, "load", *args],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def english_ui() -> dict[str, str]:
    """The catalogue's English phrases (2+ words, placeholders cut out) that read otherwise
    in Indonesian, each with its msgid."""
    with catalogue_path("id").open("rb") as file:
        catalogue = read_po(file, locale="id")
    phrases = {}
    for message in catalogue:
        if not message.id:
            continue
        english = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        indonesian = " ".join(strings)
        for text in english:
            for part in re.split(r"\{[^}]*\}", text):
                part = part.strip(" ,;:.()'")
                if len(re.findall(r"[A-Za-z]+", part)) >= 2 and part not in indonesian:
                    phrases[part] = text
    return phrases


def _english_in(text: str, english_ui: dict[str, str]) -> dict[str, str]:
    return {phrase: msgid for phrase, msgid in english_ui.items() if phrase in text}


def test_a_bad_time_in_row_3_in_indonesian(shop, english_ui):
    done = load(shop, "id", "kunjungan.csv")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == (
        "galat: kunjungan.csv baris 3: 'ts' '2026-13-45' bukan waktu; gunakan ISO 8601 seperti"
        " 2026-02-01T10:00:00+07:00, atau atur ts_format di jejak.yaml. Tidak ada yang"
        " disimpan (2 baris valid sebenarnya bisa disimpan); perbaiki berkasnya, atau pakai"
        " --skip-invalid untuk menyimpan baris yang valid dan menulis baris yang ditolak ke"
        " berkas samping"
    )
    assert not _english_in(done.stderr, english_ui)


def test_a_missing_column_in_indonesian(shop, english_ui):
    done = load(shop, "id", "tanpa_waktu.csv")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "galat: tanpa_waktu.csv: tidak ada kolom 'ts' (kolom yang ditemukan: customer_id,"
        " event); ganti nama kolom Anda menjadi 'ts' atau petakan di jejak.yaml, mis."
        " columns: {ts: kolom_anda}"
    )
    assert not _english_in(done.stderr, english_ui)


def test_a_bad_amount_written_with_decimal_commas_in_indonesian(shop, english_ui):
    done = load(shop, "id", "pesanan.csv")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "galat: pesanan.csv baris 2: 'revenue' '12,3x0' bukan angka; tulis digit dengan koma"
        " untuk desimal, seperti 1234,5 atau 1.234,5 (atau atur decimal dan thousands di"
        " jejak.yaml). Tidak ada yang disimpan (2 baris valid sebenarnya bisa disimpan);"
        " perbaiki berkasnya, atau pakai --skip-invalid untuk menyimpan baris yang valid dan"
        " menulis baris yang ditolak ke berkas samping"
    )
    assert not _english_in(done.stderr, english_ui)


def test_the_english_messages_read_as_before(shop, english_ui):
    said = {name: load(shop, "en", name).stderr.strip() for name in FILES}
    assert said["kunjungan.csv"] == (
        "error: kunjungan.csv row 3: 'ts' '2026-13-45' is not a time; use ISO 8601 like"
        " 2026-02-01T10:00:00+07:00, or set ts_format in jejak.yaml. Nothing was stored (2"
        " valid rows would have been); fix the file, or pass --skip-invalid to store the valid"
        " rows and write the rejected ones to a side file"
    )
    assert said["tanpa_waktu.csv"] == (
        "error: tanpa_waktu.csv: no 'ts' column (columns found: customer_id, event); rename"
        " your column to 'ts' or map it in jejak.yaml, e.g. columns: {ts: your_column}"
    )
    assert said["pesanan.csv"].startswith(
        "error: pesanan.csv row 2: 'revenue' '12,3x0' is not a number; write digits with a"
        " comma for decimals, like 1234,5 or 1.234,5 (or set decimal and thousands in"
        " jejak.yaml). Nothing was stored (2 valid rows would have been)"
    )
    # the check of Indonesian output can fail: these English messages are in the catalogue
    assert _english_in(said["kunjungan.csv"], english_ui)


def test_rejected_rows_keep_their_reason_in_english(shop):
    done = load(shop, "id", "--skip-invalid", "kunjungan.csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("2 titik kontak baru tersimpan dari kunjungan.csv; ")
    with (shop / "kunjungan.csv.rejected.csv").open(encoding="utf-8") as file:
        rejected = list(csv.DictReader(file))
    assert [(r["_jejak_row"], r["_jejak_field"], r["_jejak_reason"]) for r in rejected] == [
        (
            "3",
            "ts",
            "is not a time; use ISO 8601 like 2026-02-01T10:00:00+07:00, or set ts_format in"
            " jejak.yaml",
        )
    ]


def test_the_rejected_rows_kept_read_in_the_readers_language(shop):
    assert load(shop, "en", "--skip-invalid", "kunjungan.csv").returncode == 0
    wide = {**os.environ, "COLUMNS": "400"}  # a table row on one line
    done = subprocess.run(
        [JEJAK, "--lang", "id", "loads", "--rejected"],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=wide,
    )
    assert done.returncode == 0, done.stderr
    shown = done.stdout
    assert "bukan waktu; gunakan ISO 8601" in shown and "2026-13-45" in shown
    assert "is not a time" not in shown
    english = subprocess.run(
        [JEJAK, "loads", "--rejected"],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
        env=wide,
    )
    assert "is not a time; use ISO 8601" in english.stdout


def test_a_reason_naming_several_fields_joins_them_in_the_readers_words():
    reason = Reason(reasons.PEOPLE_EMPTY, {"others": ("anonymous_id", "email", "phone")})
    assert str(reason) == (
        "and anonymous_id and email and phone are all empty; every touchpoint needs one of them"
    )
    assert reason.said("customer_id", None) == (
        "'customer_id' and anonymous_id and email and phone are all empty; every touchpoint"
        " needs one of them"
    )
    with language.speaking("id"):
        assert str(reason) == (
            "and anonymous_id and email and phone are all empty; every touchpoint needs one of them"
        )
        assert reason.said("customer_id", None) == (
            "'customer_id' dan anonymous_id dan email dan phone semuanya kosong; setiap titik"
            " kontak memerlukan salah satunya"
        )
        assert Reason(reasons.NOT_A_PHONE, {"region": "ID"}).said("telepon", "12") == (
            "'telepon' '12' bukan nomor telepon; tulis dengan kode negaranya seperti +62 812"
            " 3456 7890, atau dengan cara ID seperti 0812-3456-7890 (atur phone_region di"
            " jejak.yaml untuk negara lain)"
        )
