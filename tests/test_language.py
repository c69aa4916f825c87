"""Bahasa Indonesia: the catalogue is complete, and numbers, money and dates read the
Indonesian way."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from jejak import language
from jejak.model.config import Settings, parse_settings
from jejak.report import formatting as fmt

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{[a-z_]*[^}]*\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict:
    """Every message the code marks, and the CLI's help texts (jejak.cli.catalogue reads them
    from this tree's Typer app), as `make catalogue` extracts them."""
    template = tmp_path_factory.mktemp("catalogue") / "jejak.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [pybabel, "extract", "-F", "babel.cfg", "-k", "N_", "-k", "NP_:1c,2", "--no-location", "-o",
         template, "."],
        cwd=ROOT, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": "src"},
    )  # fmt: skip
    with template.open("rb") as file:
        return {(message.context, message.id): message for message in read_po(file) if message.id}


@pytest.fixture(scope="module")
def indonesian() -> dict:
    with language.catalogue_path("id").open("rb") as file:
        catalogue = read_po(file, locale="id")
        return {(message.context, message.id): message for message in catalogue if message.id}


def _texts(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_every_message_has_its_indonesian(extracted, indonesian):
    missing = sorted(str(key) for key in extracted if key not in indonesian)
    assert not missing, f"not in the catalogue (run make catalogue, then translate): {missing}"
    untranslated = [
        str(key) for key, message in indonesian.items() if not all(_texts(message)) or message.fuzzy
    ]
    assert not untranslated, f"no Indonesian yet: {untranslated}"
    unused = sorted(str(key) for key in indonesian if key not in extracted)
    assert not unused, f"the code no longer says these (run make catalogue): {unused}"


def test_translations_keep_their_placeholders(indonesian):
    for (_, key), message in indonesian.items():
        source = key if isinstance(key, str) else key[0]
        wanted = sorted(PLACEHOLDER.findall(source))
        for text in _texts(message):
            assert sorted(PLACEHOLDER.findall(text)) == wanted, (key, text)


def test_numbers_money_and_dates_read_the_indonesian_way():
    moment = datetime(2026, 11, 30, 10, 5)
    with language.speaking("id"):
        assert fmt.number(1234567.5, 2) == "1.234.567,50"
        assert fmt.people(20000) == "20.000"
        assert fmt.headcount(1) == "1 orang"
        assert fmt.percent(0.2345) == "23,4%"  # half to even, as in English
        assert fmt.signed_points(-0.042) == "-4,2\u00a0poin"  # a no-break space
        assert fmt.signed_points(-1e-9) == "+0,0\u00a0poin"  # nothing is never "-0,0"
        assert fmt.days(3.25) == "3,2\u00a0hari"
        assert fmt.duration(5400) == "1,5\u00a0jam"
        assert fmt.money(1234567, "IDR") == "Rp 1.234.567"
        assert fmt.money(1234567.5, "IDR", digits=2) == "Rp 1.234.567,50"
        assert fmt.timestamp(moment) == "30 Nov 2026 10:05"
        assert fmt.day(date(2026, 5, 30)) == "30 Mei 2026"
    # English stays the default, and the context ends with the block
    assert fmt.number(1234567.5, 2) == "1,234,567.50"
    assert fmt.money(1234567, "IDR") == "IDR 1,234,567"
    assert fmt.headcount(2) == "2 people"
    assert fmt.timestamp(moment) == "2026-11-30 10:05"


def test_the_language_setting():
    assert Settings().language == "en"
    assert parse_settings("language: id\n").language == "id"
    assert parse_settings("language: id-ID\n").language == "id"
    with pytest.raises(Exception, match="'jv' is not a language jejak speaks; use one of en"):
        parse_settings("language: jv\n")


DASHBOARD_LOG = """customer_id,ts,event,channel,revenue
p1,2026-03-01 08:00:00,lihat_produk,instagram,
p1,2026-03-02 08:00:00,order,instagram,150000
p2,2026-03-01 09:00:00,lihat_produk,tiktok,
"""


def test_the_dashboard_speaks_the_workspace_language(tmp_path, write_file):
    import httpx

    import jejak
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    ws = jejak.Workspace(tmp_path / "w.duckdb", parse_settings("language: id\n"))
    ws.load(write_file("toko.csv", DASHBOARD_LOG))
    read = ensure_keys(ws.con)["read"]
    with running(create_app(ws)) as base:
        signin = httpx.get(base + "/login")
        assert '<html lang="id">' in signin.text
        assert "Tempel kunci baca" in signin.text and "Masuk</button>" in signin.text
        assert "Paste the read key" not in signin.text
        page = httpx.get(base + "/dashboard/funnels", headers={"Authorization": f"Bearer {read}"})
        assert page.status_code == 200
        for words in ("<h1>Corong</h1>", "Titik kontak &amp; atribusi", "Terapkan", "Langkah"):
            assert words in page.text, words
        for english in ("Apply</button>", "<h1>Funnels</h1>", "Sign out"):
            assert english not in page.text, english
        # the script's words and the number marks it sorts by
        assert "&#34;decimal&#34;: &#34;,&#34;" in page.text or '"decimal": ","' in page.text
    ws.close()


@pytest.mark.parametrize(("stage_names", "shown", "hidden"), [
    ("local", "Kesadaran", "Awareness"),
    ("english", "Awareness", "Kesadaran"),
])  # fmt: skip
def test_the_dashboard_names_the_stages_as_set(tmp_path, write_file, stage_names, shown, hidden):
    import httpx

    import jejak
    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    settings = parse_settings(f"language: id\nstage_names: {stage_names}\n")
    ws = jejak.Workspace(tmp_path / "w.duckdb", settings)
    ws.load(write_file("toko.csv", DASHBOARD_LOG))
    read = ensure_keys(ws.con)["read"]
    with running(create_app(ws)) as base:
        page = httpx.get(
            base + "/dashboard/overview/content",
            headers={"Authorization": f"Bearer {read}"},
            timeout=120,
        )
    ws.close()
    assert page.status_code == 200
    assert "Angka kunci" in page.text  # the page speaks Indonesian either way
    assert shown in page.text and hidden not in page.text


def test_the_preset_stages_the_catalogue_knows_are_the_presets_stages():
    from jejak.model import PRESETS
    from jejak.model.config import preset

    named = {name for key in PRESETS for name in preset(key).stage_names}
    assert named == language.PRESET_STAGES
    with language.speaking("id"):
        assert {language.stage(name) for name in named}.isdisjoint(named)  # each translated
