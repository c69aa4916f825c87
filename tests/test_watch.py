"""Watch rules on hand-made logs with exact answers, and alerts delivered for real: a
webhook receiver and an SMTP server on 127.0.0.1, started here."""

from __future__ import annotations

import json
import math
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from jejak.alerts.conversion import checked_week
from jejak.model.config import parse_settings

# Subscribe -> Convert, in Jakarta's weeks (UTC+7): Mondays 5, 12 and 19 January 2026
LOG = """
customer_id,ts,event
p1,2026-01-05T10:00:00+07:00,newsletter_signup
p1,2026-01-08T10:00:00+07:00,order
p2,2026-01-06T10:00:00+07:00,newsletter_signup
p2,2026-01-20T10:00:00+07:00,order
p3,2026-01-12T10:00:00+07:00,newsletter_signup
p3,2026-01-13T10:00:00+07:00,order
p4,2026-01-18T23:30:00+07:00,newsletter_signup
p4,2026-01-25T23:30:00+07:00,order
p5,2026-01-19T05:00:00+07:00,newsletter_signup
p6,2026-01-10T10:00:00+07:00,order
p6,2026-01-20T10:00:00+07:00,newsletter_signup
p7,2026-01-21T10:00:00+07:00,newsletter_signup
p8,2026-01-22T10:00:00+07:00,newsletter_signup
p8,2026-01-30T10:00:00+07:00,order
"""

RULE = """
timezone: Asia/Jakarta
watch:
  rules:
    subscribe-convert:
      {kind: conversion_drop, from: Subscribe, to: Convert, drop: 20%, weeks: 2,
       within: 7d, min_people: 1}
"""

# the window of the week of 19 January closes on 2 February, 00:00 in Jakarta
CLOSED = datetime(2026, 2, 1, 17, 0, tzinfo=UTC)


@pytest.fixture
def conversion(open_workspace, write_file):
    ws = open_workspace(parse_settings(RULE))
    ws.load(write_file("log.csv", LOG))
    return ws


def test_the_week_checked_is_the_latest_whose_window_has_closed():
    week = checked_week(CLOSED, timedelta(days=7), "Asia/Jakarta")
    assert week.isoformat() == "2026-01-19T00:00:00+07:00"
    earlier = checked_week(CLOSED - timedelta(seconds=1), timedelta(days=7), "Asia/Jakarta")
    assert earlier.isoformat() == "2026-01-12T00:00:00+07:00"


def test_conversion_this_week_against_the_weeks_before(conversion):
    (finding,) = conversion.watch(as_of=CLOSED).findings
    # week of 5 Jan: p1 moved, p2 took 14 days (not within 7): 1 of 2
    # week of 12 Jan: p3, and p4 exactly 7 days later (within is inclusive): 2 of 2
    # week of 19 Jan: p5 (05:00 in Jakarta, still the 18th in UTC) never ordered; p6
    # ordered before subscribing (reaching both stages is converting); p7 never; p8
    # after 8 days: 1 of 4, against a mean of (1/2 + 2/2) / 2 = 0.75
    numbers = finding.numbers
    assert (numbers["week_start"], numbers["people"], numbers["moved"]) == ("2026-01-19", 4, 1)
    assert numbers["conversion"] == 0.25 and numbers["mean"] == 0.75
    assert numbers["weeks_in_mean"] == 2
    assert numbers["fall"] == pytest.approx(2 / 3)
    assert finding.fired and finding.subject == "2026-01-19"
    assert finding.path == (
        "/dashboard/funnels?steps=stage%3ASubscribe%2Cstage%3AConvert&window=7d"
        "&since=2026-01-19&until=2026-01-26"
    )
    assert "25.0%" in finding.message and "75.0%" in finding.message


def test_a_week_whose_window_is_open_is_not_checked(conversion):
    (finding,) = conversion.watch(as_of=CLOSED - timedelta(seconds=1)).findings
    # the week of 12 January, against the week of 5 January only (29 Dec had no one)
    numbers = finding.numbers
    assert (numbers["week_start"], numbers["people"], numbers["moved"]) == ("2026-01-12", 2, 2)
    assert (numbers["mean"], numbers["weeks_in_mean"]) == (0.5, 1)
    assert not finding.fired


def test_a_fall_no_larger_than_the_rule_allows_does_not_fire(open_workspace, write_file):
    # 0.25 is exactly 2/3 below 0.75: a 67% rule does not fire, a 66% one does
    for drop, fires in (("67%", False), ("66", True)):
        ws = open_workspace(parse_settings(RULE.replace("20%", drop)), name=f"{drop}.duckdb")
        ws.load(write_file("log.csv", LOG))
        assert ws.watch(as_of=CLOSED).findings[0].fired is fires


def test_a_week_with_too_few_people_is_not_checked(open_workspace, write_file):
    ws = open_workspace(parse_settings(RULE.replace("min_people: 1", "min_people: 3")))
    ws.load(write_file("log.csv", LOG))
    (finding,) = ws.watch(as_of=CLOSED).findings
    # the week of 19 January has 4, but no week before has 3 people
    assert finding.numbers["weeks_in_mean"] == 0 and not finding.fired
