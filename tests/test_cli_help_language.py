"""``--help`` in Bahasa Indonesia: `jejak --lang id --help`, JEJAK_LANG=id or `language: id`
in jejak.yaml show the catalogue's Indonesian for every help text on the page and none of
its English; English help stays exactly what Typer prints. Each page comes from a fresh
process through the installed script, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from rich.text import Text

from invoking import JEJAK
from jejak.cli import app
from jejak.cli.catalogue import app_command, extract, help_texts
from jejak.cli.helptexts import TYPER_WORDS, USAGE, shown
from jejak.language import catalogue_path

ROOT = Path(__file__).resolve().parents[1]


def jejak(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """What ``jejak ARGS`` prints (it must succeed), without JEJAK_LANG unless given."""
    environment = {k: v for k, v in os.environ.items() if k != "JEJAK_LANG"}
    done = subprocess.run(
        [JEJAK, *args],
        cwd=cwd,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def words(page: str) -> str:
    """A help page's text with rich's wrapping and panel borders taken out."""
    return " ".join(page.replace("│", " ").split())


@pytest.fixture(scope="module")
def indonesian() -> dict[str, str]:
    with catalogue_path("id").open("rb") as file:
        return {m.id: m.string for m in read_po(file, locale="id") if isinstance(m.id, str)}


def page_texts(*path: str) -> tuple[list[str], list[str]]:
    """The help texts (msgids) on the help page of ``jejak PATH``: the command's own and its
    parameters' (shown whole), and, for a group, its commands' (their first paragraph)."""
    called = " ".join(("jejak", *path))
    every = list(help_texts(app_command()))
    own = [text for where, _, text in every if where == called]
    listed = [
        text.split("\n\n")[0]
        for where, param, text in every
        if param is None and where != called and where.rsplit(" ", 1)[0] == called
    ]
    return own, listed


def plain(markup: str) -> str:
    """Rich markup as printed (``\\[default: x]`` reads ``[default: x]``), in words()."""
    return words(Text.from_markup(markup).plain)


@pytest.mark.parametrize(
    ("args", "env", "path"),
    [
        (["--lang", "id", "--help"], None, ()),
        (["--lang", "id", "report", "--help"], None, ("report",)),
        (["funnel", "--help"], {"JEJAK_LANG": "id"}, ("funnel",)),
        (["--help"], {"JEJAK_LANG": "id"}, ()),  # the variable is read before --help prints
        (["--help", "--lang", "id"], None, ()),  # and --lang wherever it stands
        (["--lang", "id", "segments", "save", "--help"], None, ("segments", "save")),
    ],
)
def test_a_help_page_in_indonesian(tmp_path, indonesian, args, env, path):
    page = words(jejak(*args, cwd=tmp_path, env=env))
    own, listed = page_texts(*path)
    assert own
    for text in own + listed:
        said = indonesian[text] if text in indonesian else indonesian_first(indonesian, text)
        assert said and said != text, text
        for paragraph in said.split("\n\n"):  # rich keeps a line break inside one
            assert plain(paragraph) in page, paragraph
        assert plain(text) not in page, text
    assert page.startswith(indonesian[USAGE] + " jejak")
    assert not {"Usage:", "Options", "Arguments", "Commands", "[required]", "[default:"} & set(
        page.split()
    )
    assert indonesian["Options"] in page.split()


def indonesian_first(indonesian: dict[str, str], first: str) -> str:
    """The Indonesian first paragraph of the help whose English begins with ``first``."""
    (said,) = {v.split("\n\n")[0] for k, v in indonesian.items() if k.split("\n\n")[0] == first}
    return said


def test_english_help_is_what_typer_prints_without_the_translation_layer(tmp_path):
    # the same pages from the same app with Typer's own command classes (no translation
    # layer: Typer's format_help, format_usage and parse_args)
    script = """
import sys, typer
from jejak.cli import app
def plain(typer_app):
    typer_app.info.cls = None
    for command in typer_app.registered_commands:
        command.cls = None
    for group in typer_app.registered_groups:
        plain(group.typer_instance)
plain(app)
typer.main.get_command(app).main([*sys.argv[1:], "--help"], prog_name="jejak")
"""
    for path in ((), ("funnel",), ("keys", "revoke")):
        typer_own = subprocess.run(
            [sys.executable, "-c", script, *path],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
            env={k: v for k, v in os.environ.items() if k != "JEJAK_LANG"},
        ).stdout
        assert "Usage: jejak" in typer_own
        assert jejak(*path, "--help", cwd=tmp_path) == typer_own, path


def test_the_settings_language_and_an_explicit_english(tmp_path):
    (tmp_path / "jejak.yaml").write_text("language: id\n", "utf-8")
    assert "Penggunaan: jejak funnel" in jejak("funnel", "--help", cwd=tmp_path)
    assert "Penggunaan: jejak" in jejak("--help", cwd=tmp_path)
    assert "Usage: jejak funnel" in jejak("--lang", "en", "funnel", "--help", cwd=tmp_path)
    assert "Usage: jejak" in jejak("--help", cwd=tmp_path, env={"JEJAK_LANG": "en"})
    (tmp_path / "jejak.yaml").rename(tmp_path / "other.yaml")
    assert "Usage: jejak report" in jejak("report", "--help", cwd=tmp_path)
    said = jejak("--config", "other.yaml", "report", "--help", cwd=tmp_path)
    assert "Penggunaan: jejak report" in said


# `jejak --help` in English, in a fresh Python: what it printed and whether Babel came in
PROBE = """
import contextlib, io, json, sys
from jejak.cli import main
sys.argv = ["jejak", "--help"]
written = io.StringIO()
with contextlib.redirect_stdout(written):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps({"babel": "babel" in sys.modules, "output": written.getvalue()}))
"""


def test_english_help_reads_no_catalogue(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    answer = json.loads(done.stdout.splitlines()[-1])
    assert "Usage: jejak" in answer["output"] and not answer["babel"]


def test_the_extractor_gives_every_commands_help():
    groups = [info.typer_instance for info in app.registered_groups]
    count = 1 + len(app.registered_commands) + sum(1 + len(g.registered_commands) for g in groups)
    helps = {where: text for where, param, text in help_texts(app_command()) if param is None}
    assert len(helps) == count  # one per command (the root and the groups too), none empty
    assert all(helps.values())
    assert helps["jejak keys revoke"].startswith("Revoke a key")


def test_the_babel_method_yields_each_help_text_once_and_this_files_marks():
    source = ROOT / "src" / "jejak" / "cli" / "catalogue.py"
    with source.open("rb") as file:
        found = [message for _, _, message, _ in extract(file, {"_": None}, [], {})]
    assert len(found) == len(set(found))
    assert set(found) == {text for _, _, text in help_texts(app_command())}
    assert "Show this message and exit." in found  # --help's own, from Typer


def test_a_help_text_as_its_msgid():
    docstring = """Store touchpoints from files; a file with invalid rows
        stores nothing.

        A folder loads every file,
        one load per file.

        Example: jejak load events.csv
        Example: jejak load orders.csv
        \f
        Not shown."""
    assert shown(docstring) == (
        "Store touchpoints from files; a file with invalid rows stores nothing.\n\n"
        "A folder loads every file, one load per file.\n\n"
        "Example: jejak load events.csv\nExample: jejak load orders.csv"
    )
    assert shown("\b\nkept\nas written") == "\b\nkept\nas written"


def test_typer_still_has_the_words_we_translate():
    from typer import rich_utils

    # the names and English of typer.rich_utils' constants (Typer 0.29): a rename fails here
    assert {name: getattr(rich_utils, name) for name in TYPER_WORDS} == TYPER_WORDS
