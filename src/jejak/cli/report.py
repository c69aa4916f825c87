"""``jejak report`` (the self-contained HTML report) and ``jejak demo``."""

from __future__ import annotations

import select
import signal
import socket
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from jejak.cli.app import (
    err,
    narrowed,
    narrowed_workspace,
    opened_workspace,
    out,
    scope_words,
)
from jejak.cli.output import print_funnel, progress_bar
from jejak.errors import JejakError
from jejak.language import gettext as _
from jejak.language import ngettext
from jejak.report import formatting as fmt


def report(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="HTML file to write (report.html; with --every jejak-report-{date}.html,"
            " {date} being the day it is for).",
        ),
    ] = None,
    min_count: Annotated[
        int, typer.Option(help="Leave transitions rarer than this out of the process map.")
    ] = 1,
    every: Annotated[
        str | None,
        typer.Option(
            help="Keep running and write the report every monday ... sunday, or every day,"
            " until stopped (Ctrl-C); one missed while nothing ran is written at once.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="With --every: the time of day, in the workspace's time zone (08:00)."),
    ] = None,
    email: Annotated[
        bool,
        typer.Option(
            "--email", help="With --every: email each report to watch: notify: email's people."
        ),
    ] = False,
) -> None:
    """Write a self-contained HTML report (opens offline; mail it to a colleague), once or
    on a schedule.

    Examples: jejak report -o report.html | jejak report --every monday --at 07:30 --email
    """
    if every is None:
        if at is not None or email:
            raise JejakError(_("--at and --email go with --every (e.g. --every monday)"))
        _report_once(output or Path("report.html"), min_count)
        return
    _report_every(every, at, output, email)


def _report_once(output: Path, min_count: int) -> None:
    from jejak.report.html import journey_report_sections, write_report

    with narrowed_workspace(warned=False) as ws:  # the report shows them in its sections
        path = write_report(
            output,
            journey_report_sections(ws, min_count=min_count),
            title=_("Customer journey report"),
            subtitle=" · ".join([_("journey {name}").format(name=ws.journey.name), *scope_words()]),
        )
    out.print(_("Wrote {file}").format(file=path))


def _schedule(every: str, at: str | None, output: Path | None, email: bool) -> Any:
    """The schedule the options give; those not given come from ``watch: report:``."""
    from pydantic import ValidationError

    from jejak.model.watch import ReportSchedule

    with opened_workspace() as ws:  # its settings (and that it exists), then let go
        watch = ws.settings.watch
        zone = ws.settings.timezone
    given = (watch.report or ReportSchedule()).model_dump()
    given |= {"every": every} | ({"at": at} if at is not None else {})
    given |= {"file": str(output)} if output is not None else {}
    given |= {"email": email}
    try:
        schedule = ReportSchedule.model_validate(given)
    except ValidationError as exc:
        said = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise JejakError(said) from None
    if email and watch.notify.email is None:
        raise JejakError(
            _("--email needs watch: notify: email: in jejak.yaml (who gets it, and how)")
        )
    return watch.model_copy(update={"report": schedule}), zone


class Stopping:
    """SIGTERM and Ctrl-C ask the loop to stop: between reports at once, never in the
    middle of one (the one under way is finished and remembered)."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __enter__(self) -> Stopping:
        self.asked = False
        self.reader, self.writer = socket.socketpair()
        self.reader.setblocking(False)
        self.writer.setblocking(False)
        self.wakeup = signal.set_wakeup_fd(self.writer.fileno())
        self.before = {number: signal.getsignal(number) for number in self.SIGNALS}
        for number in self.SIGNALS:
            signal.signal(number, self._ask)
        return self

    def _ask(self, number: int, frame: Any) -> None:
        self.asked = True

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, less when asked to stop; True when asked."""
        if not self.asked:  # a signal from here on wakes select through the socket
            select.select([self.reader], [], [], seconds)
        return self.asked

    def __exit__(self, *exc: object) -> None:
        for number, handler in self.before.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self.wakeup)
        self.reader.close()
        self.writer.close()


def _report_every(every: str, at: str | None, output: Path | None, email: bool) -> None:
    """Write the report at each scheduled moment until stopped (Ctrl-C or SIGTERM). The
    workspace is opened only to write one, so loads and the server go on meanwhile."""
    from jejak.alerts import reporting

    watch, zone = _schedule(every, at, output, email)
    schedule = watch.report

    def due_at(now: datetime) -> datetime | None:
        with opened_workspace() as ws:
            return reporting.due(schedule, now, zone, lambda: nullcontext(ws.con))

    def write(moment: datetime) -> None:
        with opened_workspace() as ws:
            path = reporting.make(
                narrowed(ws),
                watch,
                moment,
                Path.cwd(),
                lambda: nullcontext(ws.con),
                scope=scope_words(),
            )
        said = _("Wrote {file}").format(file=path)
        if schedule.email:
            said += " " + _("and emailed it to {people}").format(
                people=", ".join(watch.notify.email.to)
            )
        out.print(said, highlight=False)

    def coming(moment: datetime) -> None:
        said = _("Next report: {moment} ({zone}); Ctrl-C stops")
        out.print(said.format(moment=fmt.when(moment), zone=zone), highlight=False)

    def failed(moment: datetime, exc: Exception) -> None:
        said = _("could not write the report of {day}: {error}; trying again at the next one")
        err.print(said.format(day=fmt.day(moment.date()), error=exc), highlight=False)

    with Stopping() as stop:
        written = reporting.keep_writing(
            schedule, zone, due_at, write, stop.wait, coming=coming, failed=failed
        )
    said = ngettext("Stopped after {count} report", "Stopped after {count} reports", written)
    out.print(said.format(count=written), highlight=False)


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the demo.")] = Path(
        "demo"
    ),
    customers: Annotated[int, typer.Option(help="People in the simulated shop.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same shop).")] = 7,
) -> None:
    """Simulate a shop, load it, compute the journey, print the funnel, write report.html.

    Example: jejak demo --customers 5000
    """
    from jejak.demo import run_demo

    bar, report_progress = progress_bar()
    with bar:
        outcome = run_demo(directory, customers=customers, seed=seed, on_progress=report_progress)
    said = _("Simulated {people} people and {touchpoints} touchpoints into {workspace}")
    out.print(
        said.format(
            people=fmt.people(outcome.people),
            touchpoints=fmt.people(outcome.touchpoints),
            workspace=outcome.workspace,
        )
    )
    print_funnel(outcome.funnel)
    out.print(_("Report: {report}").format(report=outcome.report))
    out.print(_("Planted truth: {truth}").format(truth=outcome.truth))
