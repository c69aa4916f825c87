"""The HTML report on a schedule (``watch: report:``): written, and emailed if asked, once
for each scheduled moment.

A moment is the weekday (or every day) at the time given, in the workspace's time zone.
At each check the latest moment not after now is due unless its report was made before
(kept with the alerts sent: :mod:`.memory`), so a server started late, or restarted,
writes the one it missed, once; moments before the latest are not made up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jejak.alerts import mail, memory
from jejak.alerts.sending import Connection
from jejak.language import gettext
from jejak.model.watch import WEEKDAYS, ReportSchedule, Watch

CHANNEL = "report"


def latest_moment(schedule: ReportSchedule, now: datetime, zone: str) -> datetime:
    """The latest scheduled moment not after ``now`` (aware, in ``zone``)."""
    local = now.astimezone(ZoneInfo(zone))
    hour, minute = (int(part) for part in schedule.at.split(":"))
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment > local:
        moment -= timedelta(days=1)
    if schedule.every != "day":
        back = (moment.weekday() - WEEKDAYS.index(schedule.every)) % 7
        moment -= timedelta(days=back)
    # the wall-clock time again after a summer-time change in between
    return moment.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))


def next_moment(schedule: ReportSchedule, now: datetime, zone: str) -> datetime:
    """The first scheduled moment after ``now``."""
    step = timedelta(days=1 if schedule.every == "day" else 7)
    later = latest_moment(schedule, now, zone) + step
    return later.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))


def due(schedule: ReportSchedule, now: datetime, zone: str, con: Connection) -> datetime | None:
    """The moment whose report is due now, or None (made already)."""
    moment = latest_moment(schedule, now, zone)
    with con() as connection:
        made = memory.sent(connection, CHANNEL)
    return None if ("report", moment.isoformat()) in made else moment


def make(
    source: Any,
    watch: Watch,
    moment: datetime,
    folder: Path,
    con: Connection,
    scope: Sequence[str] = (),
) -> Path:
    """Write the report for ``moment`` (its file under ``folder`` unless absolute), email
    it if the schedule asks, and remember it as made. ``scope`` (what the data was narrowed
    to) follows the day in the subtitle."""
    from jejak.report import formatting as fmt
    from jejak.report.html import journey_report_sections, write_report

    schedule = watch.report
    assert schedule is not None
    path = Path(schedule.file.format(date=moment.date().isoformat()))
    path = path if path.is_absolute() else folder / path
    path.parent.mkdir(parents=True, exist_ok=True)
    title = gettext("Customer journey report")
    subtitle = " · ".join([fmt.day(moment.date()), *scope])
    write_report(path, journey_report_sections(source), title=title, subtitle=subtitle)
    if schedule.email and watch.notify.email is not None:
        send(path, watch, moment)
    with con() as connection:
        memory.remember(connection, CHANNEL, [("report", moment.isoformat())])
    return path


def keep_writing(
    schedule: ReportSchedule,
    zone: str,
    due_at: Callable[[datetime], datetime | None],
    write: Callable[[datetime], Any],
    wait: Callable[[float], bool],
    *,
    coming: Callable[[datetime], None] = lambda moment: None,
    failed: Callable[[datetime, Exception], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Write the report at each moment of ``schedule`` until ``wait`` says to stop
    (``jejak report --every``); returns how many were written.

    ``due_at(now)`` is the moment whose report is due (see :func:`due`), written at once
    (so the one missed while nothing ran comes first); then ``coming`` hears the next
    moment, and ``wait(seconds)`` sleeps towards it, at most a minute at a time so a clock
    that jumps (a laptop waking) is read again; it returns True to stop. A report that
    fails is told to ``failed`` (raised without it) and tried again at the next moment.
    """
    written, given_up = 0, None
    while True:
        now = clock()
        moment = due_at(now)
        if moment is not None and moment != given_up:
            try:
                write(moment)
            except Exception as exc:
                if failed is None:
                    raise
                failed(moment, exc)
                given_up = moment
            else:
                written += 1
            continue
        later = next_moment(schedule, now, zone)
        coming(later)
        while (left := (later - clock()).total_seconds()) > 0:
            if wait(min(left, 60.0)):
                return written


def send(path: Path, watch: Watch, moment: datetime) -> None:
    """Email the report, attached, to notify.email's people."""
    from jejak.report import formatting as fmt

    email = watch.notify.email
    assert email is not None
    message = EmailMessage()
    day = fmt.day(moment.date())
    message["Subject"] = gettext("jejak: the report of {day}").format(day=day)
    message["From"] = email.from_
    message["To"] = ", ".join(email.to)
    message.set_content(
        gettext("The customer journey report of {day} is attached; it opens offline.").format(
            day=day
        )
    )
    message.add_attachment(path.read_bytes(), maintype="text", subtype="html", filename=path.name)
    mail.deliver(message, email)
