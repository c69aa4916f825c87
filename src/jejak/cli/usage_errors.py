"""Usage errors in the reader's language: an unknown option or command, a missing
argument, a value that is not a number.

Typer (through the Click it bundles) writes these messages in English with f-strings,
so there is no catalogue to hook into. When Typer is about to print one, the error is
read back (its kind, the option or value it names) and said again in the reader's
language; a message not recognised here keeps Typer's words. In English nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jejak import language
from jejak.language import N_, gettext
from jejak.model.validation import PYDANTIC_MESSAGES

# the frame Typer prints around the message: the names of typer.rich_utils' constants
FRAME_WORDS = {
    "ERRORS_PANEL_TITLE": N_("Error"),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
# messages Typer writes whole: a pattern of its English and the same sentence to translate
SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"No such command '(?P<name>.*)'\."), N_("No such command '{name}'.")),
    (
        re.compile(r"Got unexpected extra argument\(s\) \((?P<args>.*)\)"),
        N_("Got unexpected extra argument(s) ({args})"),
    ),
    (
        re.compile(r"Option '(?P<name>.*)' requires an argument\."),
        N_("Option '{name}' requires an argument."),
    ),
    (
        re.compile(r"Option '(?P<name>.*)' requires (?P<count>\d+) arguments\."),
        N_("Option '{name}' requires {count} arguments."),
    ),
    (
        re.compile(r"Option '(?P<name>.*)' does not take a value\."),
        N_("Option '{name}' does not take a value."),
    ),
    (
        re.compile(r"(?P<value>'.*') is not one of (?P<choices>.*)\."),
        N_("{value} is not one of {choices}."),
    ),
)
MISSING = {
    "argument": N_("Missing argument {name}."),
    "option": N_("Missing option {name}."),
    "parameter": N_("Missing parameter {name}."),
}


def said(error: Any) -> str | None:
    """What a Typer usage error says, in this context's language; None when it is not
    one this module knows (Typer's own words are shown then)."""
    from typer._click import exceptions

    if isinstance(error, exceptions.NoSuchOption):
        text = gettext("No such option: {name}").format(name=error.option_name)
        if error.possibilities:
            options = ", ".join(sorted(error.possibilities))
            text += " " + gettext("(Possible options: {options})").format(options=options)
        return text
    if isinstance(error, exceptions.MissingParameter):
        kind = error.param_type or getattr(error.param, "param_type_name", "parameter")
        template = MISSING.get(kind)
        if template is None or error.message:
            return None
        return gettext(template).format(name=_hint(error) or "")
    if isinstance(error, exceptions.BadParameter):
        problem = _sentence(error.message)
        hint = _hint(error)
        if problem is None:
            return None
        if hint is None:
            return gettext("Invalid value: {problem}").format(problem=problem)
        return gettext("Invalid value for {name}: {problem}").format(name=hint, problem=problem)
    if isinstance(error, exceptions.UsageError):
        return _sentence(error.message)
    return None


def _hint(error: Any) -> str | None:
    hint = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(part) for part in hint)
    return hint


def _sentence(message: str) -> str | None:
    """A whole message Typer wrote, or one of Pydantic's (a value it could not read)."""
    for pattern, template in SENTENCES:
        found = pattern.fullmatch(message)
        if found:
            return gettext(template).format(**found.groupdict())
    for template in PYDANTIC_MESSAGES.values():
        if "{" not in template and message == template:
            return gettext(template)
    return None


@contextmanager
def spoken() -> Iterator[None]:
    """While the CLI runs: a usage error Typer prints is said in the reader's language."""
    from typer import rich_utils

    english: Callable[[Any], None] = rich_utils.rich_format_error

    def print_error(error: Any) -> None:
        if language.current() == language.DEFAULT:
            english(error)
            return
        text = said(error)
        kept = {name: getattr(rich_utils, name) for name in FRAME_WORDS}
        for name, words in FRAME_WORDS.items():
            setattr(rich_utils, name, gettext(words))
        if text is not None:
            error.format_message = lambda: text
        try:
            english(error)
        finally:
            for name, words in kept.items():
                setattr(rich_utils, name, words)

    rich_utils.rich_format_error = print_error
    try:
        yield
    finally:
        rich_utils.rich_format_error = english
