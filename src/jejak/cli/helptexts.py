"""``--help`` in the reader's language.

Typer takes each command's help from its docstring and each option's from ``help=`` when
the CLI is imported, before ``--lang`` is read, and prints its own words ("Options",
"Usage:", "Show this message and exit.") from module constants. The command classes here
translate all of them when the help is formatted instead, in the language --lang or
JEJAK_LANG names, else the settings file's ``language:``. In English they format as Typer
does and read no catalogue.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from jejak import language
from jejak.language import N_

# Typer's own words: the names of typer.rich_utils' constants, read when it prints
TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
}
USAGE = N_("Usage:")
# a docstring's line break, but before an example (one a line, as Typer shows them)
_LINE_BREAK = re.compile(r"\n(?!Examples?:)")
# the root's options (jejak.cli.app) read before an eager --help prints
LANGUAGE_OPTION, SETTINGS_OPTION = "lang", "config"
SETTINGS_FILE = "jejak.yaml"  # without --config
_GIVEN, _SETTINGS = "jejak.help.language_given", "jejak.help.settings"  # in ctx.meta


def shown(text: str) -> str:
    """A help text as Click shows it, and its msgid in the catalogue: dedented, without
    what follows a form feed, each paragraph on one line (a ``\\b`` paragraph keeps its
    lines, and each "Example:" starts one), so rewrapping a docstring does not change it."""
    text = inspect.cleandoc(text).partition("\f")[0]
    paragraphs = (
        paragraph if paragraph.startswith("\b") else _LINE_BREAK.sub(" ", paragraph)
        for paragraph in text.split("\n\n")
    )
    return "\n\n".join(paragraphs).strip()


def translated(text: str | None) -> str | None:
    """A help text in this context's language."""
    return language.gettext(shown(text)) if text else text


def _english() -> bool:
    return language.current() == language.DEFAULT


class _Speaking:
    """Help and usage in the reader's language (mixed into Typer's command classes)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _settings_language(ctx):
            if _english():
                super().format_help(ctx, formatter)  # type: ignore[misc]
                return
            twin = _translated_twin(self, ctx)
            with _typer_words():
                super(_Speaking, twin).format_help(ctx, formatter)  # type: ignore[misc]

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        if _english():
            super().format_usage(ctx, formatter)  # type: ignore[misc]
            return
        pieces = " ".join(self.collect_usage_pieces(ctx))  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, pieces, prefix=language.gettext(USAGE) + " ")


class HelpCommand(_Speaking, TyperCommand):
    """A Typer command whose --help speaks the reader's language."""


class HelpGroup(_Speaking, TyperGroup):
    """A Typer group whose --help, and its commands' one-line helps, speak the reader's
    language; the root reads --lang before an eager --help prints."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not ctx.resilient_parsing:
            _speak_given_language(self, ctx, args)
        return super().parse_args(ctx, args)


def _speak_given_language(group: TyperGroup, ctx: Any, args: list[str]) -> None:
    """Speak the language --lang or JEJAK_LANG names, as the option's callback will once
    parsing is done: by then an eager --help (or no arguments) has printed already."""
    option = next((param for param in group.params if param.name == LANGUAGE_OPTION), None)
    if option is None:
        return
    try:
        given, _, _ = group.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[_SETTINGS] = given.get(SETTINGS_OPTION)
        code, _ = option.consume_value(ctx, given)
        if code:
            language.choose(language.checked(code))
            ctx.meta[_GIVEN] = True
    except (typer.TyperException, ValueError):
        return  # parsing again for real says what is wrong


def _settings_language(ctx: Any) -> Any:
    """Speak the settings file's ``language:`` while a help is printed, unless --lang or
    JEJAK_LANG said otherwise; only this key is read, without the settings' validation
    (and its imports): a command that reads the settings says what is wrong with them."""
    if ctx.meta.get(_GIVEN) or not _english():
        return nullcontext()
    path = Path(ctx.meta.get(_SETTINGS) or SETTINGS_FILE)
    if not path.is_file():
        return nullcontext()
    import yaml

    try:
        code = language.checked(yaml.safe_load(path.read_text("utf-8"))["language"])
    except (OSError, yaml.YAMLError, TypeError, KeyError, ValueError):
        return nullcontext()
    return language.speaking(code)


def _translated_twin(command: Any, ctx: Any) -> Any:
    """A copy of ``command`` whose help, parameters' helps (--help's too) and, for a
    group, commands' helps are translated; the command itself stays as it was."""
    twin = copy.copy(command)
    twin.help, twin.short_help = translated(command.help), translated(command.short_help)
    twin.params = [_with_translated_help(param) for param in command.get_params(ctx)]
    twin.add_help_option = False  # --help is among the params above
    if isinstance(command, TyperGroup):
        twin.commands = {name: _listed(sub) for name, sub in command.commands.items()}
    return twin


def _with_translated_help(param: Any) -> Any:
    twin = copy.copy(param)
    twin.help = translated(getattr(param, "help", None))
    return twin


def _listed(command: Any) -> Any:
    """A subcommand as its group lists it, translated (Typer shows the first paragraph)."""
    twin = copy.copy(command)
    twin.help, twin.short_help = translated(command.help), translated(command.short_help)
    return twin


@contextmanager
def _typer_words() -> Iterator[None]:
    """Typer's own words in this context's language while a help is printed."""
    from typer import rich_utils

    kept = {name: getattr(rich_utils, name) for name in TYPER_WORDS}
    for name, english in TYPER_WORDS.items():
        setattr(rich_utils, name, language.gettext(english))
    try:
        yield
    finally:
        for name, word in kept.items():
            setattr(rich_utils, name, word)
