"""Report sections of contact (:mod:`jejak.analyses.contact`)."""

from __future__ import annotations

from typing import Any

from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.html.page import Section


def contact_sections(source: Any, by: str = "campaign") -> list[Section]:
    """Messages per campaign (or ``by`` channel, source, medium, segment), messages per
    week against the response, and send hours."""
    metrics = source.contact_metrics(by=by)
    if not metrics.meta["sent"]:
        return []
    # totals count each message once, even when a person is in several segments
    overall = metrics if by == "campaign" else source.contact_metrics()
    frequency = source.contact_frequency()
    hours = source.send_times()
    labels = [by, *(["channel"] if by != "channel" and "channel" in metrics.table else [])]
    fall = frequency.meta["returns_fall_after"]
    meta = frequency.meta
    sections = [
        Section(
            heading=metrics.title,
            intro=gettext(
                "{sent} messages sent; {opened} were opened and {clicked} clicked (in the"
                " seeds' example, under 5% of 3,000 emails got a meaningful click). Rates are"
                " per message sent."
            ).format(
                sent=fmt.people(overall.meta["sent"]),
                opened=fmt.percent(overall.meta["open_rate"]),
                clicked=fmt.percent(overall.meta["click_rate"]),
            ),
            figures=[metrics.figure()],
            table=metrics.table.head(15),
            columns=[
                *(fmt.Column(name, fmt.label(name)) for name in labels),
                fmt.Column("sent", N_("Sent"), fmt.people),
                fmt.Column("open_rate", N_("Opened"), fmt.percent),
                fmt.Column("click_rate", N_("Clicked"), fmt.percent),
                fmt.Column("click_to_open", N_("Click-to-open"), fmt.percent),
                fmt.Column("unsubscribe_rate", N_("Unsubscribed"), fmt.percent),
                fmt.Column("complaint_rate", N_("Complaints"), fmt.percent),
            ],
        ),
        Section(
            heading=frequency.title,
            intro=gettext("People got {count} messages per week they were contacted.").format(
                count=fmt.number(meta["messages_per_person_week"], 2)
            )
            + " "
            + (
                gettext(
                    "Beyond {count} a week, more messages bring fewer clicks per person and"
                    " more unsubscribes."
                ).format(count=fall)
                + " "
                if fall is not None
                else ""
            )
            + gettext("Observational: who gets more messages is the shop's choice."),
            figures=[frequency.figure()],
        ),
        Section(
            heading=hours.title,
            intro=gettext(
                "The share of messages opened by the day and hour they went out (in the"
                " workspace's time zone). `jejak contact --send-time -o best_hours.csv` exports"
                " each person's best hour, from their own history when they have one."
            ),
            figures=[hours.figure()],
        ),
    ]
    return sections
