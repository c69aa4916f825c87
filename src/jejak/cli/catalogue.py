"""The help texts of every command for the catalogue: a Babel extraction method.

Babel's Python extractor finds ``gettext("...")`` calls, not docstrings or ``help=``;
this one walks the Typer app, as ``--help`` shows it, and gives each command's help and
each parameter's help as :func:`~jejak.cli.helptexts.shown` makes them, the msgid the
help looks up. ``babel.cfg`` names it for this file::

    [extractors]
    help = jejak.cli.catalogue:extract

    [help: src/jejak/cli/catalogue.py]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

from jejak.cli.helptexts import shown


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``command`` (itself first), with the words that call it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def help_texts(command: Any) -> Iterator[tuple[str, str | None, str]]:
    """(the command's words, the parameter's name or None, msgid) for the help of
    ``command`` (the root) and of every command under it, and of each of their parameters
    (--help too), in the order --help lists them."""
    for path, each in commands(command):
        called = " ".join(("jejak", *path))
        for text in (each.help, each.short_help):
            if text:
                yield called, None, shown(text)
        context = each.context_class(each, info_name=called)
        for param in each.get_params(context):
            if getattr(param, "help", None):
                yield called, param.opts[0] if param.opts else param.name, shown(param.help)


def app_command() -> Any:
    """The ``jejak`` command as Click runs it."""
    import typer

    from jejak.cli import app

    return typer.main.get_command(app)


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Any, options: Mapping[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method: this file's marked messages, then every help text
    (with a translator's comment naming where it is first shown)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    seen: set[str] = set()
    for called, param, text in help_texts(app_command()):
        if text not in seen:  # one comment, where it is first shown
            seen.add(text)
            yield 0, None, text, [f"help of {called} {param or ''}".rstrip()]
