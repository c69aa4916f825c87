"""Erasing a person by an email or a phone that is only a property (not an identity
link): jejak forget finds the touchpoints whose personal properties hold it, as written
or hashed under pii:, erases their people and says where it found it; a phone is found
in rejected rows however it was typed."""

from __future__ import annotations

import json

import pytest

import jejak
from invoking import invoke
from jejak.model.config import parse_settings
from jejak.store import contact_traces, personal
from test_erasure import holding

# siti (c1, device a1) gave her email once, as a property; a2's phone is a property of
# its one touchpoint; c2's email and phone differ from theirs by one character; c3's and
# c4's refused rows hold siti's and another phone number, as people type them
LOG = """customer_id,anonymous_id,ts,event,email,phone
c1,a1,2026-01-01T10:00:00Z,signup, Siti@Mail.example ,
,a1,2026-01-01T09:00:00Z,page_view,,
,a2,2026-01-02T10:00:00Z,page_view,,0812-3456-7890
c2,a3,2026-01-03T10:00:00Z,signup,asiti@mail.example,0812-3456-7891
c3,,2026-01-04T10:00:00Z,order,,
c3,,not a date,order,,+62 812 3456 7890
c4,,not a date either,order,,(0812) 3456 7891
"""
OTHERS = ["c2", "c3"]  # the customers left once siti and a2 are forgotten


def customers(ws: jejak.Workspace) -> list[str]:
    rows = ws.con.execute("SELECT DISTINCT customer_id FROM touchpoints ORDER BY 1").fetchall()
    return [c for (c,) in rows if c is not None]


def test_jejak_forget_finds_an_email_and_a_phone_held_only_as_properties(tmp_path):
    (tmp_path / "log.csv").write_text(LOG)
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(tmp_path / "log.csv", skip_invalid=True)
        assert ws.con.execute("SELECT count(*) FROM identity_links").fetchall() == [(0,)]
        assert ws.count() == 5 and len(ws.rejected()) == 2

    done = invoke("-w", "w.duckdb", "forget", "SITI@mail.example", "0812 3456 7890", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "SITI@mail.example: erased (found in the 'email' property of 1 touchpoint)",
        "0812 3456 7890: erased (found in the 'phone' property of 1 touchpoint)",
    ]
    assert "People removed: 2." in done.stdout and "rejected_rows 1" in done.stdout

    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        assert customers(ws) == OTHERS and ws.count() == 2
        # siti's device went with her; c2's near-misses stayed
        left = ws.con.execute("SELECT anonymous_id, properties FROM touchpoints").fetchall()
        assert [a for a, _ in left] == ["a3", None]
        assert json.loads(left[0][1]) == {
            "email": "asiti@mail.example",
            "phone": "0812-3456-7891",
        }
        # the refused row with the other number is kept, the one with theirs is not
        assert [json.loads(r)["customer_id"] for r in ws.rejected().record] == ["c4"]
        gone = ("siti@mail.example", "0812-3456-7890", "+62 812 3456 7890", "c1", "a1", "a2")
        assert holding(ws.con, gone) == []


def test_an_email_or_phone_nowhere_says_so(tmp_path):
    (tmp_path / "log.csv").write_text(LOG)
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(tmp_path / "log.csv", skip_invalid=True)
        erased = ws.forget(["nobody@mail.example", "phone:0812 0000 0000"], compact=False)
        assert erased.ids == {"nobody@mail.example": False, "phone:0812 0000 0000": False}
        assert erased.said("nobody@mail.example") == "nothing stored for this id"
        assert ws.count() == 5 and len(ws.rejected()) == 2


PII = "pii:\n  email: [email]\n  phone: [phone]\n"


def test_hashed_properties_are_found_by_the_email_and_phone_as_the_person_gives_them(tmp_path):
    (tmp_path / "log.csv").write_text(LOG)
    with jejak.Workspace(tmp_path / "w.duckdb", parse_settings(PII)) as ws:
        ws.load(tmp_path / "log.csv", skip_invalid=True)
        pii = ws.settings.pii
        email = personal.hash_text("siti@mail.example", pii)
        phone = personal.hash_text("+6281234567890", pii)
        held = {(table, value) for table, _, value in holding(ws.con, (email, phone))}
        assert {t for t, _ in held} == {"touchpoints", "stitched"} and len(held) == 4
        erased = ws.forget([" Siti@Mail.example", "+62 812-3456-7890"], compact=False)
        assert erased.to_dict()["ids"] == [
            {
                "id": "Siti@Mail.example",
                "found": True,
                "note": "found in the 'email' property of 1 touchpoint",
            },
            {
                "id": "+62 812-3456-7890",
                "found": True,
                "note": "found in the 'phone' property of 1 touchpoint",
            },
        ]
        assert erased.people == 2 and customers(ws) == OTHERS
        assert holding(ws.con, (email, phone, "c1", "a1", "a2")) == []


@pytest.mark.parametrize(
    "typed",
    [
        "0812 3456 7890",
        "+62 812-3456-7890",
        "(0812) 3456-7890",
        "+6281234567890",
        "62-812-34567890",
    ],
)
def test_a_phone_is_found_in_a_record_however_it_was_typed(typed):
    record = json.dumps({"customer_id": "c9", "hp": typed, "ts": "2026-01-32"})
    assert contact_traces.phone_in(record, "+6281234567890", "ID")
    assert not contact_traces.phone_in(record, "+6281234567891", "ID")


def test_who_an_id_names():
    region = "ID"
    for given in ("Ann@X.id", "email: Ann@X.id "):
        assert contact_traces.contact_of(given, region) == contact_traces.Contact(
            "email", "ann@x.id"
        )
    assert contact_traces.contact_of("phone:0812-3456-7890", region).key == "phone:+6281234567890"
    assert contact_traces.contact_of("0812 3456 7890", region).value == "+6281234567890"
    # customer ids are not read as phones, nor is a number that is no valid phone
    for given in ("1042", "cust-0812345", "00001", "phone:123"):
        assert contact_traces.contact_of(given, region) is None
