"""Typer's usage errors (an unknown option or command, a missing argument, a value that
is not a number) in the reader's language, in a real CLI process; English unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

JEJAK = str(Path(sys.executable).with_name("jejak"))
# what each mistake says: in English as Typer writes it, and in Indonesian
MISTAKES = {
    ("funnel", "--nope"): (
        "No such option: --nope",
        "Tidak ada opsi: --nope",
    ),
    ("spend", "load"): ("Missing argument 'files'.", "Argumen 'files' belum diberikan."),
    ("retention", "--at-least", "x"): (
        "Invalid value for '--at-least': Input should be a valid integer",
        "Nilai tidak sah untuk '--at-least': harus berupa bilangan bulat",
    ),
    ("retention", "--period"): (
        "Option '--period' requires an argument.",
        "Opsi '--period' memerlukan sebuah argumen.",
    ),
    ("nope",): ("No such command 'nope'.", "Tidak ada perintah 'nope'."),
    ("stages", "extra"): (
        "Got unexpected extra argument(s) (extra)",
        "Ada argumen tambahan yang tidak diharapkan (extra)",
    ),
}


def _said(*args: str, language: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "JEJAK_LANG"}
    env["COLUMNS"] = "200"  # one line per message: the panel does not wrap it
    if language:
        env["JEJAK_LANG"] = language
    done = subprocess.run(
        [JEJAK, *args], env=env, capture_output=True, text=True, timeout=120, cwd="/"
    )
    assert done.returncode == 2, done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("args", list(MISTAKES))
def test_a_usage_error_in_indonesian_and_in_english(args):
    english, indonesian = MISTAKES[args]
    said_id = _said(*args, language="id")
    assert indonesian in said_id and english not in said_id
    assert "Galat" in said_id and "Error" not in said_id
    said_en = _said(*args, language=None)
    assert english in said_en and indonesian not in said_en
    if args[0] != "retention":  # Typer prints no help hint under an option's value error
        assert "Coba 'jejak" in said_id and "for help" not in said_id
        assert "Try 'jejak" in said_en and "for help." in said_en


def test_a_message_not_known_keeps_typers_words():
    from typer._click.exceptions import UsageError

    from jejak import language
    from jejak.cli.usage_errors import said

    with language.speaking("id"):
        assert said(UsageError("Something Typer says one day")) is None
        assert said(UsageError("No such command 'x'.")) == "Tidak ada perintah 'x'."
