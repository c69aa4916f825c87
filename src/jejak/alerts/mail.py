"""Alerts by email over SMTP: one message with every new alert.

The password is read from the environment variable ``password_env`` names; STARTTLS is
used unless ``starttls: false`` (a server on this machine, say)."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

from jejak.alerts.findings import Finding
from jejak.errors import ConfigError
from jejak.language import gettext, ngettext
from jejak.model.watch import Email


def message(findings: list[Finding], email: Email, link: str | None) -> EmailMessage:
    """The email: a subject that counts the alerts, and each alert with its link."""
    mail = EmailMessage()
    count = len(findings)
    subject = ngettext("jejak: {count} alert", "jejak: {count} alerts", count)
    mail["Subject"] = subject.format(count=count)
    mail["From"] = email.from_
    mail["To"] = ", ".join(email.to)
    lines = [f"{f.rule}: {f.message}\n{f.url(link)}\n" for f in findings]
    mail.set_content("\n".join(lines))
    return mail


def password(email: Email) -> str | None:
    """The SMTP password from the environment; a ConfigError when the variable is unset."""
    if email.password_env is None:
        return None
    value = os.environ.get(email.password_env)
    if value is None:
        raise ConfigError(
            gettext(
                "watch.notify.email: the environment variable {name} holds no password;"
                " set it before jejak runs"
            ).format(name=email.password_env)
        )
    return value


def send(findings: list[Finding], email: Email, link: str | None) -> None:
    """Send the alerts as one email; SMTP errors raise :class:`smtplib.SMTPException`."""
    secret = password(email)
    with smtplib.SMTP(email.host, email.port, timeout=email.timeout) as smtp:
        if email.starttls:
            smtp.starttls()
        if email.user is not None:
            smtp.login(email.user, secret or "")
        smtp.send_message(message(findings, email, link))
