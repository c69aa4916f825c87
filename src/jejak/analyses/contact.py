"""Contact: what happened to the messages sent, how often people were contacted, and at
which hours they answer.

Definitions (event names per kind come from ``contact:`` in the settings):
- *Metrics* count touchpoints per kind: sent, delivered, opened, clicked, unsubscribed,
  complained, grouped by a field of the touchpoints (campaign, channel, ...) or by
  segment. Rates are per message sent (click-to-open per open); an open or click twice
  counts twice. The delivery (open) rate is empty for a channel without any delivery
  (open) events: it does not track them, as SMS does not track opens.
- *Frequency*: per person and calendar week (Monday first, local time) with at least one
  message, the messages sent that week against that week's opens, clicks and
  unsubscribes, and whether the person entered a further journey stage after the week's
  first message, that week or the next. Returns fall beyond the frequency with the most
  clicks per person-week (among frequencies with at least ``min_weeks`` person-weeks).
  Observational: who gets more messages is the shop's choice.
- *Campaigns of answers*: an open, click, delivery, unsubscribe or complaint without a
  campaign takes the campaign of the latest message sent to the person on the same
  channel at or before it, so per-campaign rates, the totals and the send-time grid agree.
- *Send time*: each open or click answers the latest message sent to the person on the
  same channel and campaign before it. Per hour of the week the message was sent (local
  time in the workspace time zone, summer time included): messages, the share opened and the
  share clicked. A person's best hour (of the day) is the hour their own messages were
  opened most, shrunk towards everyone's rate for that hour (``prior`` messages' worth);
  with fewer than ``min_messages`` messages it is everyone's best hour. Everyone's best
  hour (and day) ranks by the 95% Wilson lower bound of the open rate, so a handful of
  messages cannot win.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.diagnosis import warn
from jejak.analyses.result import Result, drawn
from jejak.analyses.stages import NONE_LABEL, entered_column, stage_entries
from jejak.engine.functions import from_utc_timestamp, timestamp_micros, unix_micros
from jejak.errors import JejakError
from jejak.language import gettext
from jejak.model.contact import KINDS, ContactEvents
from jejak.model.journey import Journey

WEEK_US = 7 * 86_400_000_000
MONDAY_US = 4 * 86_400_000_000  # 1970-01-05, the first Monday after the epoch
HOUR_US = 3_600_000_000
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class ContactMetrics(Result):
    """``table``: one row per group and channel with counts and rates."""

    def figure(self) -> Any:
        return drawn(self)


@dataclass
class ContactFrequency(Result):
    """``table``: one row per messages-per-week, with the response to them."""

    def figure(self) -> Any:
        return drawn(self)


@dataclass
class SendTimes(Result):
    """``table``: one row per hour of the week (and group); ``people``: best hour each."""

    people: pd.DataFrame | None = None

    def figure(self) -> Any:
        return drawn(self)


def _kinds(events: ibis.Table, contact: ContactEvents) -> ibis.Table:
    """Contact touchpoints with their ``kind``; an answer (delivery, open, click,
    unsubscribe, complaint) without a campaign takes the campaign of the latest message
    sent to the person on the same channel at or before it, as most exports log opens and
    clicks without one."""
    names = contact.kind_of()
    marked = events.filter(events.event.isin(list(names)))
    if contact.channel_of:  # messages named per channel say their channel
        named = ibis.cases(
            *[(marked.event == name, channel) for name, channel in contact.channel_of.items()],
            else_=ibis.null("string"),
        )
        marked = marked.mutate(channel=ibis.coalesce(marked.channel, named))
    cases = [
        (marked.event.isin([n for n, k in names.items() if k == kind]), kind) for kind in KINDS
    ]
    marked = marked.mutate(
        kind=ibis.cases(*cases),
        _line=marked.channel.fill_null(NONE_LABEL),
        _at=unix_micros(marked.ts),
    )
    is_sent = marked.kind == "sent"
    line = ibis.window(
        group_by=[marked.person_id, marked._line],
        order_by=[marked._at, is_sent.ifelse(0, 1)],  # a send before an answer at that time
        preceding=None,
        following=0,
    )
    marked = marked.mutate(_sent_at=is_sent.ifelse(marked._at, ibis.null("int64")).max().over(line))
    sends = marked.filter(marked.kind == "sent")
    sends = sends.group_by(["person_id", "_line", "_at"]).aggregate(
        _sent_campaign=sends.campaign.max()
    )
    joined = marked.left_join(
        sends,
        [
            marked.person_id == sends.person_id,
            marked._line == sends._line,
            marked._sent_at == sends._at,
        ],
    )
    return joined.select(
        *[c for c in events.columns if c != "campaign"],
        "kind",
        campaign=ibis.coalesce(joined.campaign, joined._sent_campaign),
    )


def contact_metrics(
    events: ibis.Table,
    contact: ContactEvents,
    *,
    by: str = "campaign",
    groups: ibis.Table | None = None,
) -> ContactMetrics:
    """Counts and rates per ``by`` value and channel (see the module's definitions).

    ``table`` columns: the ``by`` value, channel (unless by channel), sent, delivered,
    opened, clicked, unsubscribed, complained, delivery_rate, open_rate, click_rate, click_to_open,
    unsubscribe_rate, complaint_rate.
    """
    marked = _kinds(events, contact)
    if groups is not None:
        marked = marked.join(groups.rename(_group=by), "person_id")
    elif by in ("campaign", "channel", "source", "medium", "event"):
        marked = marked.mutate(_group=marked[by])
    else:
        raise JejakError(
            gettext(
                "cannot split contact by {by}; use campaign, channel, source, medium or segment"
            ).format(by=repr(by))
        )
    marked = marked.mutate(
        _group=marked._group.cast("string").fill_null(NONE_LABEL),
        _channel=marked.channel.fill_null(NONE_LABEL),
    )
    keys = ["_group"] if by == "channel" else ["_group", "_channel"]
    counts = marked.group_by([*keys, "kind"]).aggregate(n=marked.count()).to_pandas()
    table = counts.pivot_table(index=keys, columns="kind", values="n", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=list(KINDS), fill_value=0).astype("int64")
    table = table.reset_index().rename(columns={"_group": by, "_channel": "channel"})
    table = table.sort_values(["sent", by], ascending=[False, True]).reset_index(drop=True)
    tracked = bool(table["delivered"].sum())
    sent = table["sent"].where(table["sent"] > 0)
    # a channel without any delivery (or open) events does not track them (SMS opens):
    # no rate, rather than 0%
    table["delivery_rate"] = (table["delivered"] / sent).where(
        _tracks(counts, table, by, "delivered")
    )
    # clicks with not one open recorded (image blocking, a template without the open
    # pixel): that row's opens are not tracked, so it has no open rate rather than 0%
    tracks_opens = _tracks(counts, table, by, "opened")
    blind = tracks_opens & (table["opened"] == 0) & (table["clicked"] > 0)
    table["open_rate"] = (table["opened"] / sent).where(tracks_opens & ~blind)
    table["click_rate"] = table["clicked"] / sent
    table["click_to_open"] = table["clicked"] / table["opened"].where(table["opened"] > 0)
    table["unsubscribe_rate"] = table["unsubscribed"] / sent
    table["complaint_rate"] = table["complained"] / sent
    total = table[list(KINDS)].sum()
    meta = {
        "by": by,
        "sent": int(total["sent"]),
        "open_rate": float(total["opened"] / total["sent"]) if total["sent"] else np.nan,
        "click_rate": float(total["clicked"] / total["sent"]) if total["sent"] else np.nan,
        "unsubscribe_rate": (
            float(total["unsubscribed"] / total["sent"]) if total["sent"] else np.nan
        ),
        "delivery_tracked": tracked,
    }
    title = gettext("Messages by {field}").format(field=gettext(by))
    result = ContactMetrics(title=title, table=table, meta=meta)
    if blind.any():
        shown = [by] if by == "channel" else [by, "channel"]
        rows = table[blind].head(3)
        named = ", ".join(
            gettext("{value} by {channel}").format(value=row[by], channel=row["channel"])
            if len(shown) == 2
            else str(row[by])
            for _, row in rows.iterrows()
        )
        warn(
            result,
            gettext(
                "{named}: people clicked but not one open was recorded, so opens are not"
                " tracked there (image blocking, or a template without the open pixel); the"
                " open rate is left out there rather than shown as 0%"
            ).format(named=named),
        )
    return result


def _tracks(counts: pd.DataFrame, table: pd.DataFrame, by: str, kind: str) -> pd.Series:
    """Per row of ``table``: whether its channel has any ``kind`` events at all."""
    seen = counts[counts["kind"] == kind]
    if by == "channel":
        return table[by].isin(set(seen["_group"]))
    return table["channel"].isin(set(seen["_channel"]))


def _local_us(ts: ibis.Value, zone: str) -> ibis.Value:
    """Microseconds of the wall-clock time in ``zone`` (for calendar weeks and hours)."""
    return unix_micros(ts if zone == "UTC" else from_utc_timestamp(ts, zone))


def contact_frequency(
    events: ibis.Table,
    journey: Journey,
    contact: ContactEvents,
    *,
    cap: int = 7,
    min_weeks: int = 100,
    zone: str = "UTC",
) -> ContactFrequency:
    """Messages per person-week against the response (see the module's definitions).

    ``table`` columns: per_week (messages that week; ``cap`` means that many or more),
    person_weeks, messages, open_rate, click_rate (per message), clicks_per_person_week,
    unsubscribe_rate (per person-week), moved_on (share entering a further stage that
    week or the next).
    """
    if cap < 2:
        raise JejakError(
            gettext("cap is the largest messages-per-week shown on its own: 2 or more")
        )
    marked = _kinds(events, contact)
    marked = marked.mutate(week=(_local_us(marked.ts, zone) - MONDAY_US) // WEEK_US)
    weekly = marked.group_by(["person_id", "week"]).aggregate(
        first_sent=unix_micros(marked.ts).min(where=marked.kind == "sent"),
        **{kind: marked.count(where=marked.kind == kind) for kind in KINDS},
    )
    weekly = weekly.filter(weekly.sent > 0)
    wide = stage_entries(events, journey)
    later = [wide[entered_column(i)] for i in range(1, len(journey.stages))]
    if later:
        moves = ibis.union(
            *[
                wide.filter(t.notnull()).select(
                    "person_id", move_us=unix_micros(t), move_local=_local_us(t, zone)
                )
                for t in later
            ]
        )
        moved = weekly.left_join(moves, "person_id")
        # a move after the week's first message, up to the end of the next week: a move
        # before it (which often sets off messages, e.g. a welcome) does not count
        until = (moved.week + 2) * WEEK_US + MONDAY_US  # local: the next week's end
        near = (moved.move_us > moved.first_sent) & (moved.move_local < until)
        flagged = moved.group_by(["person_id", "week"]).aggregate(
            _moved=near.fill_null(False).any()
        )
        weekly = weekly.left_join(flagged, ["person_id", "week"]).drop(
            "person_id_right", "week_right"
        )
    else:  # a one-stage journey: nowhere to move on to
        weekly = weekly.mutate(_moved=ibis.literal(False))
    per_week = ibis.least(weekly.sent, cap)
    grouped = weekly.group_by(per_week=per_week).aggregate(
        person_weeks=weekly.count(),
        messages=weekly.sent.sum(),
        opened=weekly.opened.sum(),
        clicked=weekly.clicked.sum(),
        unsubscribed=weekly.unsubscribed.sum(),
        moved=weekly.count(where=weekly._moved.fill_null(False)),
    )
    table = grouped.to_pandas().sort_values("per_week").reset_index(drop=True)
    for column in ("person_weeks", "messages", "opened", "clicked", "unsubscribed", "moved"):
        table[column] = table[column].astype("int64")
    table["open_rate"] = table["opened"] / table["messages"]
    table["click_rate"] = table["clicked"] / table["messages"]
    table["clicks_per_person_week"] = table["clicked"] / table["person_weeks"]
    table["unsubscribe_rate"] = table["unsubscribed"] / table["person_weeks"]
    table["moved_on"] = table["moved"] / table["person_weeks"]
    enough = table[table["person_weeks"] >= min_weeks]
    best = (
        int(enough.loc[enough["clicks_per_person_week"].idxmax(), "per_week"])
        if len(enough)
        else None
    )
    meta = {
        "cap": cap,
        "min_weeks": min_weeks,
        "best_per_week": best,
        # returns fall only where a higher frequency has enough person-weeks to show it
        "returns_fall_after": (
            best if best is not None and len(enough) and best < enough["per_week"].max() else None
        ),
        "messages_per_person_week": (
            float(table["messages"].sum() / table["person_weeks"].sum()) if len(table) else np.nan
        ),
    }
    columns = [
        "per_week",
        "person_weeks",
        "messages",
        "open_rate",
        "click_rate",
        "clicks_per_person_week",
        "unsubscribe_rate",
        "moved_on",
    ]
    return ContactFrequency(
        title=gettext("Messages per week and the response"), table=table[columns], meta=meta
    )


def send_times(
    events: ibis.Table,
    contact: ContactEvents,
    *,
    zone: str = "UTC",
    groups: ibis.Table | None = None,
    by: str | None = None,
    min_messages: int = 5,
    prior: float = 2.0,
) -> SendTimes:
    """Open and click rates by the hour of the week messages were sent, and each person's
    best hour of the day (see the module's definitions).

    ``table`` columns: [the ``by`` group], weekday (0 = Monday), day, hour, messages,
    opened, clicked, open_rate, click_rate. ``people``: person_id, messages, opened,
    best_hour (0-23), from (own history or everyone's).
    """
    marked = _kinds(events, contact)
    marked = marked.filter(marked.kind.isin(["sent", "opened", "clicked"]))
    marked = marked.mutate(
        _us=unix_micros(marked.ts),
        _channel=marked.channel.fill_null(NONE_LABEL),
        _campaign=marked.campaign.fill_null(NONE_LABEL),
    )
    is_sent = marked.kind == "sent"
    window = ibis.window(
        group_by=[marked.person_id, marked._channel, marked._campaign],
        order_by=[marked._us, is_sent.ifelse(0, 1)],  # a send before an answer at the same time
        preceding=None,
        following=0,
    )
    marked = marked.mutate(
        _message=is_sent.ifelse(marked._us, ibis.null("int64")).max().over(window)
    )
    answered = marked.filter(marked._message.notnull())
    messages = answered.group_by(["person_id", "_channel", "_campaign", "_message"]).aggregate(
        opened=answered.count(where=answered.kind == "opened") > 0,
        clicked=answered.count(where=answered.kind == "clicked") > 0,
    )
    local = _local_us(timestamp_micros(messages._message), zone) - MONDAY_US
    messages = messages.mutate(
        weekday=(local % WEEK_US) // (24 * HOUR_US), hour=(local % (24 * HOUR_US)) // HOUR_US
    )
    # both counts below read the messages (a window over every send and answer): once
    with messages.cache() as messages:
        keys = ["weekday", "hour"]
        counted = messages
        if groups is not None:  # a person in several segments counts in each
            counted = messages.join(groups.rename(_group=by), "person_id")
            keys = ["_group", *keys]
        grouped = counted.group_by(keys).aggregate(
            messages=counted.count(),
            opened=counted.count(where=counted.opened),
            clicked=counted.count(where=counted.clicked),
        )
        table = grouped.to_pandas().sort_values(keys).reset_index(drop=True)
        for column in ("weekday", "hour", "messages", "opened", "clicked"):
            table[column] = table[column].astype("int64")
        table["day"] = [DAYS[d] for d in table["weekday"]]
        table["open_rate"] = table["opened"] / table["messages"]
        table["click_rate"] = table["clicked"] / table["messages"]
        if groups is not None:
            table = table.rename(columns={"_group": by})
        columns = ([by] if groups is not None else []) + [
            "weekday",
            "day",
            "hour",
            "messages",
            "opened",
            "clicked",
            "open_rate",
            "click_rate",
        ]
        table = table[columns]
        people = _best_hours(messages, min_messages, prior)
    overall = _everyone(people, table, groups is not None)
    meta = {
        "timezone": zone,
        "min_messages": min_messages,
        "prior": prior,
        "best_weekday": overall[0],
        "best_hour": overall[1],
        "by": by,
    }
    return SendTimes(
        title=gettext("When messages get opened"), table=table, meta=meta, people=people
    )


def _surely_opened(opened: pd.Series, messages: pd.Series) -> pd.Series:
    """The 95% Wilson lower bound of the open rate: a cell of one opened message does not
    beat a thousand messages opened at 30%."""
    z = 1.959963984540054
    n = messages.astype(float)
    p = opened / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n)


def _everyone(people: pd.DataFrame, table: pd.DataFrame, grouped: bool) -> tuple[Any, Any]:
    if grouped:
        table = table.groupby(["weekday", "hour"], as_index=False)[["messages", "opened"]].sum()
    if table.empty:
        return None, None
    score = _surely_opened(table["opened"], table["messages"])
    best = table.loc[score.idxmax()]
    return int(best["weekday"]), int(best["hour"])


def _best_hours(messages: ibis.Table, min_messages: int, prior: float) -> pd.DataFrame:
    """Each person's best hour of the day: their own open rate per hour, shrunk towards
    everyone's; with too few messages, everyone's best hour."""
    per = messages.group_by(["person_id", "hour"]).aggregate(
        messages=messages.count(), opened=messages.count(where=messages.opened)
    )
    frame = per.to_pandas()
    columns = ["person_id", "messages", "opened", "best_hour", "from"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    hours = frame.groupby("hour")[["messages", "opened"]].sum()
    rate = (hours["opened"] / hours["messages"]).rename("everyone")
    frame = frame.join(rate, on="hour")
    frame["score"] = (frame["opened"] + prior * frame["everyone"]) / (frame["messages"] + prior)
    best_all = int(_surely_opened(hours["opened"], hours["messages"]).idxmax())
    totals = frame.groupby("person_id")[["messages", "opened"]].sum()
    own = frame.sort_values(["person_id", "score", "messages"], ascending=[True, False, False])
    own = own.drop_duplicates("person_id").set_index("person_id")["hour"]
    people = totals.join(own.rename("best_hour"))
    few = people["messages"] < min_messages
    people.loc[few, "best_hour"] = best_all
    people["best_hour"] = people["best_hour"].astype("int64")
    people["from"] = np.where(few, "everyone's", "own history")
    return people.reset_index().sort_values("person_id").reset_index(drop=True)[columns]
