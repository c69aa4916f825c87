"""The CLI in Bahasa Indonesia: `jejak --lang id`, or `language: id` in jejak.yaml, over a
small hand-made shop log with Indonesian event names. Each command runs in a fresh process
through the installed script, as a user runs it.

The shop (times in Asia/Jakarta): 8 people view a product (lihat_produk) on 1-8 March;
p1-p4 sign up to the newsletter (daftar_buletin) on 11-14 March; p1 buys (beli) on 20 March
and 28 April for Rp 150.000 each; p2 on 21 March for Rp 1.234.000 and on 25 April for
Rp 150.000; p5 reads an article (baca_artikel) on 2 April.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import jejak as jejak_library
from invoking import JEJAK
from jejak.language import catalogue_path

ROWS = [
    *(
        f"p{i},2026-03-0{i} 09:00:00,lihat_produk,{'iklan' if i <= 4 else 'organik'},,"
        for i in range(1, 9)
    ),
    *(f"p{i},2026-03-1{i} 10:00:00,daftar_buletin,email,," for i in range(1, 5)),
    "p1,2026-03-20 11:00:00,beli,email,150000,IDR",
    "p2,2026-03-21 12:00:00,beli,email,1234000,IDR",
    "p2,2026-04-25 12:00:00,beli,email,150000,IDR",
    "p1,2026-04-28 11:00:00,beli,email,150000,IDR",
    "p5,2026-04-02 08:00:00,baca_artikel,organik,,",
]
SETTINGS = """\
workspace: toko.duckdb
timezone: Asia/Jakarta
journey: value-journey
roles:
  purchase: [beli]
  subscribe: [daftar_buletin]
  transactional: [lihat_produk, tambah_keranjang]
  content: [baca_artikel]
"""
COMMANDS = (
    ("load", "toko.csv"),
    ("check",),
    ("stages",),
    ("funnel", "lihat_produk", "daftar_buletin", "beli"),
    ("paths", "--after", "lihat_produk"),
    ("retention",),
    ("retention", "--on-or-after", "--curve"),
    ("stickiness",),
    ("rfm",),
    ("map",),
)


def jejak(*args: str, cwd: Path, language: str | None = None) -> subprocess.CompletedProcess:
    """``jejak ARGS`` in a fresh process; ``language``: JEJAK_LANG, else unset."""
    env = {k: v for k, v in os.environ.items() if k != "JEJAK_LANG"}
    if language is not None:
        env["JEJAK_LANG"] = language
    done = subprocess.run(
        [JEJAK, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """The shop's folder: jejak.yaml says language: id, english.yaml says nothing (English)."""
    folder = tmp_path_factory.mktemp("toko")
    (folder / "toko.csv").write_text(
        "\n".join(["customer_id,ts,event,channel,revenue,currency", *ROWS]) + "\n", "utf-8"
    )
    (folder / "jejak.yaml").write_text(SETTINGS + "language: id\n", "utf-8")
    (folder / "english.yaml").write_text(SETTINGS, "utf-8")
    return folder


@pytest.fixture(scope="module")
def said_in_indonesian(shop: Path) -> dict[str, str]:
    """What each command printed (stdout and stderr) with language: id in jejak.yaml."""
    return {" ".join(args): _both(jejak(*args, cwd=shop)) for args in COMMANDS}


@pytest.fixture(scope="module")
def english_ui() -> dict[str, str]:
    """The catalogue's English phrases (2+ words, placeholders cut out) that read otherwise
    in Indonesian, each with its msgid: none of them belongs in Indonesian output."""
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
                part = part.strip(" ,;:.()")
                if len(re.findall(r"[A-Za-z]+", part)) >= 2 and part not in indonesian:
                    phrases[part] = text
    return phrases


def _both(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


def test_no_english_ui_string_in_indonesian_output(said_in_indonesian, english_ui):
    assert len(english_ui) > 300  # the catalogue was read
    for command, output in said_in_indonesian.items():
        found = {phrase: msgid for phrase, msgid in english_ui.items() if phrase in output}
        assert not found, f"jejak {command}: {found}"


def test_indonesian_numbers_money_and_stage_names(said_in_indonesian):
    said = said_in_indonesian
    assert said["load toko.csv"].strip() == "17 titik kontak baru tersimpan dari toko.csv"
    stages = said["stages"]
    assert "Corong tahap (value-journey): 8 orang" in stages
    # Awareness: 8 people, 1 of them (p5) on to Engagement after 27.96 days
    assert re.search(r"│ Kesadaran\s+│\s+8 │ 100,0% │\s+12,5% │\s+28,0\xa0hari │", stages)
    # Subscribe: 4 people (50%), 2 of them bought after 9.04 and 9.08 days
    assert re.search(r"│ Berlangganan\s+│\s+4 │\s+50,0% │\s+50,0% │\s+9,1\xa0hari │", stages)
    assert re.search(r"│ Konversi\s+│\s+2 │\s+25,0% │", stages)
    assert "Convert" not in stages and "Awareness" not in stages
    funnel = said["funnel lihat_produk daftar_buletin beli"]
    assert re.search(r"│ 3\. beli\s+│\s+2 │\s+25,0% │", funnel)
    assert "Langkah" in funnel and "Dari langkah 1" in funnel
    # 3 of the 8 March people were back in April: p1, p2 and p5 (37.5%)
    assert re.search(r"│ 2026-03 │\s+8 │ 100% │ 38% │", said["retention"])
    rfm = said["rfm"]
    assert "Rp 300.000" in rfm and "Rp 1.384.000" in rfm  # p1: 2 x 150.000; p2
    assert "Belanja" in rfm and "Pembeli" in rfm
    assert "(awal)" in said["map"] and "(akhir)" in said["map"]
    levels = [
        line.split()[0] for line in said["check"].splitlines() if line[:4] in ("awas", "info")
    ]
    assert levels and set(levels) <= {"awas", "info"}


def test_lang_overrides_the_settings_for_one_run(shop: Path):
    english = _both(jejak("--lang", "en", "stages", cwd=shop))
    assert "Stage funnel (value-journey): 8 people" in english
    assert re.search(r"│ Awareness\s+│\s+8 │ 100.0% │\s+12.5% │\s+28.0\xa0days │", english)
    indonesian = _both(jejak("--config", "english.yaml", "--lang", "id", "stages", cwd=shop))
    assert "Corong tahap (value-journey): 8 orang" in indonesian
    by_environment = _both(jejak("--config", "english.yaml", "stages", cwd=shop, language="id"))
    assert by_environment == indonesian


def test_english_stays_the_default(shop: Path, english_ui):
    stages = _both(jejak("--config", "english.yaml", "stages", cwd=shop))
    found = [phrase for phrase in english_ui if phrase in stages]
    assert "Median days to next" in found  # the check of Indonesian output can fail
    assert "Stage funnel (value-journey): 8 people" in stages
    assert re.search(r"│ Subscribe\s+│\s+4 │\s+50.0% │\s+50.0% │\s+9.1\xa0days │", stages)
    rfm = _both(jejak("--config", "english.yaml", "rfm", cwd=shop))
    assert "IDR 300,000" in rfm and "IDR 1,384,000" in rfm and "Spent" in rfm


def test_an_unknown_language_is_a_usage_error(shop: Path):
    done = subprocess.run(
        [JEJAK, "--lang", "fr", "stages"], cwd=shop, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "'fr'" in done.stderr and "--lang" in done.stderr


def test_the_stuck_are_listed_and_saved_by_the_stage_names_shown(shop: Path, said_in_indonesian):
    """The stuck overview's hint names a stage as the reader sees it (Kesadaran), and
    --stuck takes that name, in a listing and in a saved segment."""
    stages = _both(jejak("stages", "--within", "365", cwd=shop))
    hint = " ".join(stages.split("Daftarkan mereka: ")[1].split())
    listing = hint.split(". Simpan mereka: ")[0].split()
    assert listing[:4] == ["jejak", "stages", "--stuck", "Kesadaran"]
    listed = _both(jejak(*listing[1:], cwd=shop))
    assert "tertahan di Kesadaran lebih dari" in listed
    saved = _both(jejak("segments", "save", "lama", "--stuck", listing[3] + ":1", cwd=shop))
    with jejak_library.Workspace(shop / "toko.duckdb") as ws:  # kept by the journey's name
        assert ws.segment_definitions()["lama"].stuck.stage == "Awareness", saved
