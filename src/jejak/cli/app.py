"""The Typer app, the options every command shares (--config, --since, --segment...),
opening the workspace they name, and :func:`main`, which turns a JejakError into one line."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from jejak import __version__, language
from jejak.cli import usage_errors
from jejak.cli.helptexts import SETTINGS_FILE, HelpGroup
from jejak.errors import JejakError, WorkspaceError
from jejak.language import gettext as _

# Only what every command needs is imported above, so that --help, --version and usage
# errors answer at once; each command imports the library it uses (the workspace brings
# DuckDB, Ibis, pandas and SciPy; settings bring Pydantic).

# Parameters several commands share, spelled once
Goal = Annotated[
    str | None,
    typer.Argument(help="What converts: a touchpoint, or stage:NAME (default: Convert)."),
]
TableFile = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the table as CSV (or .json).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


app = typer.Typer(
    cls=HelpGroup,
    help="jejak: customer-journey analytics. Load touchpoints, see where people are on the"
    " journey, and who to move next.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


# piped output is not cut to 80 columns: tables stay whole in files and logs
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)


DEFAULT_CONFIG = Path(SETTINGS_FILE)


class State:
    config: Path | None = None  # given with --config: must exist
    workspace: Path | None = None
    debug: bool = False
    since: str | None = None
    until: str | None = None
    only: str | None = None
    acquired: str | None = None
    segment: str | None = None
    timezone: str = "UTC"  # the workspace's, once opened: exports write times in it
    language: str | None = None  # given with --lang (or JEJAK_LANG): over the settings'


state = State()


def _checked_language(given: str | None) -> str | None:
    """--lang as a known code, spoken from now on (before any settings are read)."""
    if given is None:
        return None
    try:
        code = language.checked(given)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    language.choose(code)
    return code


def _show_version(shown: bool) -> None:
    if shown:
        out.print(f"jejak {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show jejak's version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Settings file \\[default: jejak.yaml].")
    ] = None,
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Workspace file (overrides settings).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    since: Annotated[
        str | None, typer.Option(help="Only touchpoints from this date, e.g. 2026-01-01.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only touchpoints before this date.")] = None,
    only: Annotated[
        str | None,
        typer.Option(help="Only people who had this: a touchpoint, stage:NAME or field=value."),
    ] = None,
    acquired: Annotated[
        str | None,
        typer.Option(help="Only people whose first touchpoint matches, e.g. channel=ads."),
    ] = None,
    segment: Annotated[
        str | None, typer.Option(help="Only the people of this saved segment (jejak segments).")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar="JEJAK_LANG",
            callback=_checked_language,
            help="Language of tables and messages: en or id (Bahasa Indonesia)"
            " \\[default: language: in jejak.yaml, else en].",
        ),
    ] = None,
) -> None:
    state.config, state.workspace, state.debug = config, workspace, debug
    state.since, state.until, state.only, state.acquired = since, until, only, acquired
    state.segment, state.language = segment, lang


def config_path() -> Path:
    return state.config or DEFAULT_CONFIG


def opened_workspace(*, must_exist: bool = True, analyses: bool = True):
    """The workspace named by --workspace or the settings; read commands need it to exist.
    Without ``analyses``, only its storage (loading imports neither pandas nor SciPy)."""
    from jejak.model.config import Settings, load_settings, workspace_path

    path = config_path()
    if state.config is not None or path.exists():
        settings, folder = load_settings(path), path.parent
    else:
        settings, folder = Settings(), Path(".")
    if state.language is not None:  # --lang wins for this run; kept answers are per language
        settings = settings.model_copy(update={"language": state.language})
    language.choose(settings.language, settings.stage_names)
    target = state.workspace or workspace_path(settings, folder)
    state.timezone = settings.timezone
    if must_exist and not target.exists():
        said = _("{workspace}: no workspace yet; load touchpoints first: jejak load events.csv")
        raise JejakError(said.format(workspace=target))
    try:
        if not analyses:
            from jejak.store.storage import Storage  # DuckDB and Ibis: only from here

            return Storage(target, settings)
        from jejak.store.workspace import open_workspace  # and pandas, SciPy

        # what a command imported stays for the whole process: set aside from Python's
        # garbage collector, whose full collections looked through all of it again and
        # again (jejak report on the 2,000-person demo: 2.0 s of them -> 1.6 s); what
        # the analyses make is collected as ever
        gc.freeze()
        return open_workspace(target, settings)
    except WorkspaceError as exc:  # locked: by a jejak serve, whose control file says so
        from jejak.server.control import explained

        raise explained(target, exc) from None


@contextmanager
def narrowed_workspace(warned: bool = True) -> Iterator[Any]:
    """The workspace, narrowed by --since/--until/--only/--acquired/--segment when given;
    the warnings of its answers (why one is empty) are printed when the command ends."""
    with opened_workspace() as ws:
        source = narrowed(ws)
        if not warned:
            yield source
            return
        from jejak.analyses.diagnosis import Noting

        noting = Noting(source)
        try:
            yield noting
        finally:
            warning = _("warning:")
            for note in noting.take():  # why an answer is empty, and what to set
                err.print(f"[yellow]{warning}[/yellow] {note}", highlight=False)


def narrowed(ws: Any) -> Any:
    """``ws`` narrowed by --since/--until/--only/--acquired/--segment when given."""
    return ws.narrowed(
        since=state.since,
        until=state.until,
        only=as_step(state.only or None),
        acquired=as_step(state.acquired or None),
        segment=state.segment,
    )


def scope_words() -> list[str]:
    """What --since/--until/--only/--acquired/--segment narrowed the data to, for a
    report's subtitle."""
    given = (
        ("since", state.since),
        ("until", state.until),
        ("only", state.only),
        ("acquired", state.acquired),
        ("segment", state.segment),
    )
    return [f"{name} {value}" for name, value in given if value]


def as_step(text: str | None) -> Any:
    """A touchpoint name, stage:NAME, role:NAME, field=value (e.g. channel=ads) or a JSON
    rule; None (not given) stays None: the analysis reads the roles in jejak.yaml."""
    from jejak.model.funnel import parse_step

    return None if text is None else parse_step(text)


def main() -> None:
    """Entry point: a JejakError becomes one line on stderr and exit code 1.

    Typer's standalone mode answers usage errors itself (exit code 2) and exits;
    anything else that escapes is a bug, shown briefly unless --debug.
    """
    debug = "--debug" in sys.argv
    language.choose(language.DEFAULT)  # each run starts in English: --lang or settings choose
    try:
        with usage_errors.spoken():  # Typer's usage errors in the reader's language
            app()
    except JejakError as exc:
        if debug:
            raise
        # the message is text, not markup: a pii: line's [email] must show as written
        err.print(f"[red]{_error()}[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except Exception as exc:
        if debug:
            raise
        err.print(
            f"[red]{_error()}[/red] {type(exc).__name__}: {escape(str(exc))} "
            + _("(rerun with --debug for details)"),
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)


def _error() -> str:
    """The word before an error, in the language the run chose (--lang or the settings)."""
    return _("error:")
