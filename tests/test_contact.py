"""Contact metrics, frequency and send times on a hand-made log, on both engines."""

from __future__ import annotations

import pandas as pd
import pytest

from jejak.errors import JejakError
from jejak.model.config import parse_settings

# Weeks (Monday first): 2026-01-05, 2026-01-12. Times UTC.
LOG = """
customer_id,ts,event,channel,campaign
a,2026-01-05 08:00:00,email_sent,email,tips
a,2026-01-05 09:00:00,email_open,email,tips
a,2026-01-05 09:05:00,email_click,email,tips
a,2026-01-06 20:00:00,email_sent,email,sale
a,2026-01-07 20:00:00,email_sent,email,sale
a,2026-01-07 21:00:00,unsubscribe,email,sale
a,2026-01-07 22:00:00,content_view,web,
b,2026-01-05 08:00:00,email_sent,email,tips
b,2026-01-05 08:00:00,email_delivered,email,tips
b,2026-01-05 08:30:00,email_open,email,tips
b,2026-01-05 08:40:00,email_open,email,tips
b,2026-01-12 08:00:00,email_sent,email,tips
b,2026-01-12 08:30:00,email_open,email,tips
b,2026-01-12 09:00:00,sms_sent,sms,sale
b,2026-01-12 09:10:00,sms_click,sms,sale
c,2026-01-12 20:00:00,email_sent,email,sale
c,2026-01-13 07:00:00,spam_complaint,email,sale
"""


SETTINGS = "segments:\n  texted: {had: sms_sent}\n  quiet: {not: {had: email_open}}\n"


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace(parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


def test_metrics_per_campaign_and_channel(source):
    table = source.contact_metrics().table.set_index(["campaign", "channel"])
    tips = table.loc[("tips", "email")]
    assert tips[["sent", "delivered", "opened", "clicked"]].tolist() == [3, 1, 4, 1]
    assert tips["open_rate"] == pytest.approx(4 / 3)  # b opened one message twice
    assert tips["click_to_open"] == pytest.approx(1 / 4)
    sale = table.loc[("sale", "email")]
    assert sale[["sent", "unsubscribed", "complained"]].tolist() == [3, 1, 1]
    assert sale["unsubscribe_rate"] == pytest.approx(1 / 3)
    assert sale["delivery_rate"] == 0.0  # delivery is tracked somewhere, not here
    sms = table.loc[("sale", "sms")]
    assert (sms["sent"], sms["clicked"], sms["click_rate"]) == (1, 1, 1.0)
    by_channel = source.contact_metrics(by="channel").table.set_index("channel")
    assert by_channel["sent"].to_dict() == {"email": 6, "sms": 1}
    with pytest.raises(JejakError, match="cannot split contact by 'stage'"):
        source.contact_metrics(by="stage")


def test_frequency_per_person_week(source):
    result = source.contact_frequency(cap=2, min_weeks=1)
    table = result.table.set_index("per_week")
    # person-weeks: a wk1 3 messages (capped to 2), b wk1 1, b wk2 2, c wk2 1
    assert table["person_weeks"].to_dict() == {1: 2, 2: 2}
    assert table["messages"].to_dict() == {1: 2, 2: 5}
    assert table.loc[1, "open_rate"] == pytest.approx(2 / 2)  # b's two opens of one message
    assert table.loc[2, "click_rate"] == pytest.approx(2 / 5)  # a's email click, b's sms click
    assert table.loc[2, "unsubscribe_rate"] == pytest.approx(1 / 2)
    # a entered Engagement (content) in its week; nobody else moved on
    assert table["moved_on"].to_dict() == {1: 0.0, 2: 0.5}
    assert result.meta["best_per_week"] == 2
    assert result.meta["messages_per_person_week"] == pytest.approx(7 / 4)


def test_send_times_and_best_hours(source):
    result = source.send_times(min_messages=2)
    table = result.table.set_index(["day", "hour"])
    # Monday 08:00: a's and b's tips, both opened, a's clicked; Monday 09:00 is b's sms
    assert table.loc[("Mon", 8), ["messages", "opened", "clicked"]].tolist() == [3, 3, 1]
    assert table.loc[("Mon", 9), ["messages", "opened", "clicked"]].tolist() == [1, 0, 1]
    assert table.loc[("Tue", 20), ["messages", "opened"]].tolist() == [1, 0]
    assert table.loc[("Wed", 20), ["messages", "opened"]].tolist() == [1, 0]
    people = result.people.set_index("person_id")
    assert people.loc["b", ["messages", "opened"]].tolist() == [3, 2]
    assert people.loc["b", "best_hour"] == 8
    assert people.loc["b", "from"] == "own history"
    assert people.loc["c", "from"] == "everyone's"  # one message
    assert (result.meta["best_weekday"], result.meta["best_hour"]) == (0, 8)


def test_send_times_in_the_workspace_time_zone(open_workspace, write_file):
    ws = open_workspace(parse_settings("timezone: Asia/Jakarta\n"))
    ws.load(write_file("log.csv", "customer_id,ts,event,channel\n"
                       "a,2026-01-05 08:00:00+00:00,email_sent,email\n"))  # fmt: skip
    row = ws.send_times().table.iloc[0]
    assert (row["day"], row["hour"]) == ("Mon", 15)  # UTC+7


def test_send_hours_are_local_in_summer_and_winter(open_workspace, write_file, on_engine):
    ws = open_workspace(parse_settings("timezone: Europe/Berlin\n"))
    ws.load(write_file("log.csv", "customer_id,ts,event,channel\n"
                       "a,2026-01-05 08:00:00+00:00,email_sent,email\n"  # 09:00 winter time
                       "b,2026-07-06 07:00:00+00:00,email_sent,email\n"  # 09:00 summer time
                       "c,2026-03-29 00:30:00+00:00,email_sent,email\n"))  # fmt: skip
    table = on_engine(ws).send_times().table
    hours = sorted(zip(table["day"], table["hour"], table["messages"], strict=True))
    assert hours == [("Mon", 9, 2), ("Sun", 1, 1)]  # 29 March: 01:30, the night clocks go on


def test_a_channel_without_opens_has_no_open_rate(source):
    table = source.contact_metrics().table.set_index(["campaign", "channel"])
    assert pd.isna(table.loc[("sale", "sms"), "open_rate"])
    assert table.loc[("sale", "email"), "open_rate"] == 0.0  # email tracks opens: none here


def test_metrics_and_send_times_per_segment(source):
    table = source.contact_metrics(by="segment").table.set_index(["segment", "channel"])
    # texted: b; quiet: c (a and b opened an email)
    assert table.loc[("texted", "email"), "sent"] == 2
    assert table.loc[("texted", "sms"), "clicked"] == 1
    assert table.loc[("quiet", "email"), ["sent", "complained"]].tolist() == [1, 1]
    assert table.loc[("(in no segment)", "email"), "sent"] == 3  # a
    hours = source.send_times(by="segment").table.set_index(["segment", "day", "hour"])
    assert hours.loc[("texted", "Mon", 8), ["messages", "opened"]].tolist() == [2, 2]
    assert hours.loc[("quiet", "Mon", 20), ["messages", "opened"]].tolist() == [1, 0]


# a shop whose opens and clicks carry no campaign (most exports): each answer belongs to
# the latest message sent to the person on the same channel at or before it
UNLABELLED = """
customer_id,ts,event,channel,campaign
a,2026-01-05 08:00:00,email_terkirim,email,tips
a,2026-01-05 09:00:00,email_dibuka,email,
a,2026-01-05 09:05:00,klik_email,email,
a,2026-01-06 20:00:00,email_terkirim,email,sale
a,2026-01-06 21:00:00,email_dibuka,email,
a,2026-01-06 21:00:00,wa_dibaca,whatsapp,
b,2026-01-05 08:00:00,email_dibuka,email,
b,2026-01-05 08:00:00,email_terkirim,email,sale
b,2026-01-12 08:30:00,email_dibuka,email,
"""


def test_answers_without_a_campaign_take_the_campaign_of_their_message(
    open_workspace, write_file, on_engine
):
    settings = parse_settings(
        "roles:\n  messages: {sent: email_terkirim, opened: [email_dibuka, wa_dibaca],"
        " clicked: klik_email}\n"
    )
    ws = open_workspace(settings)
    ws.load(write_file("unlabelled.csv", UNLABELLED))
    source = on_engine(ws)
    table = source.contact_metrics().table.set_index(["campaign", "channel"])
    assert table.loc[("tips", "email"), ["sent", "opened", "clicked"]].tolist() == [1, 1, 1]
    # b's open at the moment of sending and a week later both answer the sale message
    assert table.loc[("sale", "email"), ["sent", "opened", "clicked"]].tolist() == [2, 3, 0]
    # a WhatsApp read with no WhatsApp message sent has nothing to take its campaign from
    assert table.loc[("(none)", "whatsapp"), "opened"] == 1
    metrics = source.contact_metrics()
    assert metrics.meta["sent"] == 3 and metrics.meta["open_rate"] == pytest.approx(5 / 3)
    grid = source.send_times(min_messages=1).table
    assert grid["messages"].sum() == 3
    assert grid["opened"].sum() == 3  # every message sent by email was opened
    assert grid["clicked"].sum() == 1


# a WhatsApp broadcast log and an email export: no channel field, messages named per channel
PER_CHANNEL = """
customer_id,ts,event,campaign
a,2026-01-05 08:00:00,wa_kirim,lebaran
a,2026-01-05 08:30:00,wa_dibaca,
a,2026-01-05 09:00:00,email_terkirim,tips
a,2026-01-05 09:30:00,email_dibuka,
b,2026-01-05 08:00:00,wa_kirim,lebaran
"""


def test_messages_named_per_channel_carry_their_channel(open_workspace, write_file, on_engine):
    settings = parse_settings(
        "roles:\n  messages:\n"
        "    whatsapp: {sent: wa_kirim, opened: wa_dibaca}\n"
        "    email: {sent: email_terkirim, opened: email_dibuka}\n"
    )
    assert settings.roles.messages.sent == ["wa_kirim", "email_terkirim"]
    ws = open_workspace(settings)
    ws.load(write_file("per_channel.csv", PER_CHANNEL))
    table = on_engine(ws).contact_metrics().table.set_index(["campaign", "channel"])
    assert table.loc[("lebaran", "whatsapp"), ["sent", "opened"]].tolist() == [2, 1]
    # a's email open answers the email, not the later-read WhatsApp message
    assert table.loc[("tips", "email"), ["sent", "opened"]].tolist() == [1, 1]
    with pytest.raises(Exception, match="channel 'whatsapp': dibaca is not a kind; use sent"):
        parse_settings("roles:\n  messages:\n    whatsapp: {sent: wa_kirim, dibaca: x}\n")


def test_a_campaign_clicked_with_no_open_recorded_has_no_open_rate(open_workspace, write_file):
    # email records opens (tips), but promo's click came with no open: opens are not
    # tracked there, so its open rate is left out, not 0%, and a note says so
    log = LOG + "d,2026-01-12 10:00:00,email_sent,email,promo\n"
    log += "d,2026-01-12 10:05:00,email_click,email,promo\n"
    ws = open_workspace()
    ws.load(write_file("log.csv", log))
    result = ws.contact_metrics()
    table = result.table.set_index(["campaign", "channel"])
    assert pd.isna(table.loc[("promo", "email"), "open_rate"])
    assert table.loc[("promo", "email"), "click_rate"] == 1.0
    assert table.loc[("sale", "email"), "open_rate"] == 0.0  # no click: nothing to say
    (note,) = result.meta["warnings"]
    assert note.startswith("promo by email: people clicked but not one open was recorded")


def test_send_time_colours_start_at_no_message_opened():
    from jejak.report.figures import send_time_figure

    table = pd.DataFrame(
        {"weekday": [0, 0], "hour": [8, 9], "messages": [10, 10], "opened": [2, 3]}
    )
    (heatmap,) = send_time_figure(table, "When").data
    assert (heatmap.zmin, heatmap.zmax) == (0, 0.3)  # from 0%, not from the lowest share
