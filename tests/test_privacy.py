"""Personal data hashed with the workspace's salt (pii:) and touchpoints without consent
(consent:), at load and at the collector (through a real server): the raw values are
nowhere in the workspace file, and journeys stitched on hashes are those stitched on
the raw ids."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

import jejak
from jejak.errors import ConfigError
from jejak.model.config import parse_settings
from jejak.model.privacy import Consent
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from jejak.store import personal
from serving import running

EMAIL = "Budi.Santoso@Mail.example"  # stored nowhere as written, nor lower-cased
PHONE = "0812-3456-7890"
NAME = "Budi Santoso"
SECRETS = (EMAIL, EMAIL.lower(), "budi.santoso", PHONE, "+6281234567890", "81234567890", NAME)

PII = "pii:\n  email: [email]\n  phone: [hp]\n  text: [nama]\n  ids: true\n"
CONSENT = "consent: {field: consent}\n"


def hashed(value: str, ws: jejak.Workspace) -> str:
    """HMAC-SHA256 under the workspace's salt, by Python's own hmac."""
    key = bytes.fromhex(personal.salt(ws.con))
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def file_bytes(ws: jejak.Workspace) -> bytes:
    """The workspace file as written, after a checkpoint (the write-ahead log folded in)."""
    ws.con.execute("CHECKPOINT")
    return Path(ws.path).read_bytes()


def found_secrets(data: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode("utf-8") in data]


# -- hashing -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["budi@mail.com", "", "Ñandú 🙂", "x" * 200])
def test_hmac_in_sql_is_pythons_hmac(value):
    pii = parse_settings("pii: hash\n").pii
    pii._salt = "0f" * 32
    con = duckdb.connect()
    sql = personal.hash_sql("v", pii)
    found = con.execute(f"SELECT {sql} FROM (SELECT ? AS v)", [value]).fetchall()[0][0]
    expected = hmac.new(bytes.fromhex("0f" * 32), value.encode(), hashlib.sha256).hexdigest()
    assert found == expected == personal.hash_text(value, pii)


def test_the_salt_is_made_once_per_workspace_and_kept(tmp_path):
    settings = parse_settings("pii: hash\n")
    with jejak.Workspace(tmp_path / "a.duckdb", settings) as ws:
        first = personal.salt(ws.con)
        assert ws.settings.pii._salt == first and len(bytes.fromhex(first)) == 32
    with jejak.Workspace(tmp_path / "a.duckdb", settings) as ws:
        assert personal.salt(ws.con) == first
    with jejak.Workspace(tmp_path / "b.duckdb", settings) as ws:
        assert personal.salt(ws.con) != first
    with jejak.Workspace(tmp_path / "c.duckdb") as ws:  # no pii: no salt made
        assert (
            ws.con.execute("SELECT count(*) FROM jejak_meta WHERE key = 'pii_salt'").fetchall()[0][
                0
            ]
            == 0
        )


LOG = f"""customer_id,anonymous_id,ts,event,email,hp,nama,plan
cust-0001,anon-0001,2026-01-01T10:00:00Z,page_view, {EMAIL} ,{PHONE},{NAME},pro
cust-0001,anon-0001,2026-01-01T11:00:00Z,order,{EMAIL.lower()},,{NAME},pro
,anon-0002,2026-01-02T10:00:00Z,page_view,,,,free
cust-0003,,2026-01-02T10:00:00Z,bad-time-row,{EMAIL},{PHONE},{NAME},x
"""


def test_a_load_stores_hashes_and_no_raw_value_is_in_the_file(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG.replace("2026-01-02T10:00:00Z,bad", "31/02/2026,bad"))
    # control: without pii the raw values are there to be found in the file's bytes
    with jejak.Workspace(tmp_path / "raw.duckdb") as ws:
        ws.load(path, skip_invalid=True)
        assert found_secrets(file_bytes(ws)) == [*SECRETS[:4], NAME]
    with jejak.Workspace(tmp_path / "pii.duckdb", parse_settings(PII)) as ws:
        summary = ws.load(path, skip_invalid=True)
        assert (summary.stored, summary.rejected) == (3, 1)
        rows = ws.con.execute(
            "SELECT customer_id, anonymous_id, properties FROM touchpoints ORDER BY ts"
        ).fetchall()
        email = hashed(EMAIL.lower(), ws)  # trimmed and lower-cased first
        assert [(c, a, json.loads(p)) for c, a, p in rows] == [
            (
                hashed("cust-0001", ws),
                hashed("anon-0001", ws),
                {
                    "email": email,
                    "hp": hashed("+6281234567890", ws),  # E.164 first
                    "nama": hashed(NAME, ws),
                    "plan": "pro",
                },
            ),
            (
                hashed("cust-0001", ws),
                hashed("anon-0001", ws),
                {"email": email, "nama": hashed(NAME, ws), "plan": "pro"},
            ),
            (None, hashed("anon-0002", ws), {"plan": "free"}),
        ]
        # the rejected row keeps neither its personal columns nor its ids
        record = json.loads(ws.rejected().record[0])
        assert record == {"ts": "31/02/2026", "event": "bad-time-row", "plan": "x"}
        assert found_secrets(file_bytes(ws)) == []
        assert b"cust-0001" not in file_bytes(ws)


SOURCES = """\
sources:
  web: {files: "web*.csv", ids: {customer_id: user_id, anonymous_id: cookie, email: email}}
  orders: {files: "orders*.csv", columns: {ts: tanggal}, constants: {event: order},
           ids: {email: email_pembeli}}
  wa: {files: "wa*.csv", columns: {ts: waktu}, constants: {event: wa_sent, channel: whatsapp},
       ids: {phone: nomor}}
  crm: {files: "crm*.csv", identities_only: true,
        ids: {customer_id: id, email: email, phone: telepon}}
"""

FILES = {
    "web.csv": "user_id,cookie,ts,event,channel,email\n"
    ",k1,2026-03-01T08:00:00Z,page_view,search,\n"
    ",k1,2026-03-01T08:05:00Z,product_view,search,\n"
    "C-1,k1,2026-03-01T08:10:00Z,account_created,,\n"
    ",k2,2026-03-02T09:00:00Z,page_view,social,\n"
    f",k2,2026-03-02T09:10:00Z,newsletter_signup,,{EMAIL}\n"
    ",k3,2026-03-03T09:00:00Z,page_view,email,\n",
    "orders.csv": "tanggal,email_pembeli,revenue\n"
    f"2026-03-04T10:00:00Z,{EMAIL.upper()},150000\n"
    "2026-03-05T10:00:00Z,dewi@mail.example,90000\n",
    "wa.csv": "waktu,nomor\n2026-03-03T12:00:00Z,+62 812 3456 7890\n"
    "2026-03-06T12:00:00Z,0857-0000-1111\n",
    "crm.csv": f"id,email,telepon\nC-1,sari@mail.example,\nC-2,{EMAIL},{PHONE}\n",
}


def _shop(folder: Path, settings: str) -> jejak.Workspace:
    folder.mkdir()
    ws = jejak.Workspace(folder / "w.duckdb", parse_settings(SOURCES + settings))
    for name, text in FILES.items():
        (folder / name).write_text(text)
        ws.load(folder / name)
    return ws


def test_a_person_is_forgotten_by_the_id_they_give_though_it_is_stored_hashed(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG)
    with jejak.Workspace(tmp_path / "pii.duckdb", parse_settings(PII)) as ws:
        ws.load(path, skip_invalid=True)
        erased = ws.forget(["cust-0001"], compact=False)  # what the person knows
        assert erased.ids == {"cust-0001": True} and erased.people == 1
        left = ws.con.execute("SELECT customer_id, anonymous_id FROM touchpoints").fetchall()
        others = {(None, hashed("anon-0002", ws)), (hashed("cust-0003", ws), None)}
        assert set(left) == others  # theirs are gone, the others' kept
        again = ws.forget(["anon-0001"], compact=False)  # their cookie: nothing left
        assert again.ids == {"anon-0001": False}
        # the log counts the ids asked for, not the hashed forms looked for too
        logged = ws.con.execute("SELECT ids_asked FROM erasures ORDER BY erased_at").fetchall()
        assert logged == [(1,), (1,)]


def test_journeys_stitched_on_hashes_are_those_stitched_on_raw_ids(tmp_path):
    raw, private = _shop(tmp_path / "raw", ""), _shop(tmp_path / "pii", PII)
    try:

        def journeys(ws: jejak.Workspace) -> Counter:
            frame = ws.events().to_pandas().sort_values(["person_id", "ts", "event"])
            return Counter(
                tuple(group.event) for _, group in frame.groupby("person_id", sort=False)
            )

        expected = journeys(raw)
        assert sum(expected.values()) == 5  # C-1, C-2 (email, phone, cookie k2), dewi, k3, phone
        assert journeys(private) == expected
        # and each person is the hash of the raw one's id
        names = {f"anon:{hashed(k, private)}": f"anon:{k}" for k in ("k1", "k2", "k3")} | {
            hashed(c, private): c for c in ("C-1", "C-2")
        }
        names[f"email:{hashed('dewi@mail.example', private)}"] = "email:dewi@mail.example"
        names[f"phone:{hashed('+6285700001111', private)}"] = "phone:+6285700001111"
        people = sorted(private.events().to_pandas().person_id.map(names).unique())
        assert people == sorted(raw.events().to_pandas().person_id.unique())
        for ws in (raw, private):
            assert ws.count() == 10
        stages = [ws.stages().table for ws in (raw, private)]
        assert stages[0].equals(stages[1])
        funnels = [ws.funnel(["page_view", "order"], window="30d").table for ws in (raw, private)]
        assert funnels[0].equals(funnels[1])
        assert funnels[0].entered.tolist() == [3, 1]  # C-2 came and bought
        paths = [ws.paths(after="page_view").table for ws in (raw, private)]
        assert paths[0].equals(paths[1])
        assert found_secrets(file_bytes(private)) == []
        assert b"dewi@mail.example" not in file_bytes(private)
    finally:
        raw.close()
        private.close()


# -- consent at load -----------------------------------------------------------------------

CONSENTS = f"""customer_id,anonymous_id,ts,event,revenue,consent,email
cust-1,a1,2026-01-01T10:00:00Z,page_view,,yes,{EMAIL}
cust-1,a1,2026-01-01T11:00:00Z,order,100,false,{EMAIL}
,a2,2026-01-02T10:00:00Z,page_view,, Tidak ,
,a2,2026-01-02T10:05:00Z,order,50,,
,a3,not a time,page_view,,no,
,a4,2026-01-03T10:00:00Z,page_view,,0,
"""


@pytest.mark.parametrize("action", ["strip", "drop"])
def test_touchpoints_without_consent_are_stored_without_ids_or_dropped(tmp_path, action):
    path = tmp_path / "log.csv"
    path.write_text(CONSENTS)
    settings = parse_settings(f"consent: {{field: consent, action: {action}}}\n")
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        summary = ws.load(path, skip_invalid=True)
        assert summary.rows_read == 6 and summary.rejected == 1
        # the invalid row keeps its place in the file whatever was dropped before it
        assert ws.rejected().row.tolist() == [5]
        kept = ws.con.execute(
            "SELECT customer_id, anonymous_id, event, revenue, properties FROM touchpoints"
            " ORDER BY ts"
        ).fetchall()
        people = ws.events().to_pandas().groupby("person_id").event.apply(list).to_dict()
        assert people == {"cust-1": ["page_view"], "anon:a2": ["order"]}
        if action == "strip":
            assert (summary.withheld.stripped, summary.withheld.dropped) == (3, 0)
            assert summary.stored == 5 and "3 without consent stored without identifiers" in str(
                summary
            )
            stripped = [(c, a, e, r, json.loads(p)) for c, a, e, r, p in kept if c is a is None]
            assert stripped == [
                (None, None, "order", 100.0, {"consent": "false"}),  # its email removed
                (None, None, "page_view", None, {"consent": " Tidak "}),
                (None, None, "page_view", None, {"consent": "0"}),
            ]
            assert ws.con.execute("SELECT sum(revenue) FROM touchpoints").fetchall() == [(150.0,)]
        else:
            assert (summary.withheld.stripped, summary.withheld.dropped) == (0, 3)
            assert summary.stored == 2 and "3 without consent not stored" in str(summary)
            assert [k[2] for k in kept] == ["page_view", "order"]
            assert ws.loads().rows_read.tolist() == [6]


def test_every_row_dropped_for_consent_is_no_error(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("anonymous_id,ts,event,consent\na1,2026-01-01T10:00:00Z,page_view,denied\n")
    settings = parse_settings("consent: {field: consent, action: drop}\n")
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        summary = ws.load(path)
        assert (summary.stored, summary.withheld.dropped, ws.count()) == (0, 1, 0)


def test_privacy_settings_are_checked():
    with pytest.raises(ConfigError, match=re.escape("'pii.emial': unknown key")):
        parse_settings("pii: {emial: [x]}\n")
    with pytest.raises(ConfigError, match="'nama' is listed under both 'email' and 'text'"):
        parse_settings("pii: {email: [nama], text: nama}\n")
    with pytest.raises(ConfigError, match=re.escape("line 2: 'consent.action'")):
        parse_settings("pii: hash\nconsent: {field: c, action: delete}\n")
    with pytest.raises(ConfigError, match=re.escape("'consent.field'")):
        parse_settings("consent: {refused: [no]}\n")
    with pytest.raises(ConfigError, match=re.escape("or name the fields: 'pii: {email:")):
        parse_settings("pii: true\n")
    with pytest.raises(ConfigError, match=re.escape("answer: 'consent: {field: setuju}'")):
        parse_settings("consent: setuju\n")
    # YAML reads no and off as false: each stands for all it may have been written as
    refused = parse_settings("consent: {field: c, refused: [no, 0, Tidak]}\n").consent.refusals
    assert refused == ("0", "false", "no", "off", "tidak")


def test_the_readmes_privacy_settings_parse():
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    section = readme.split("### Privacy\n", 1)[1].split("\n### ", 1)[0]
    assert "#### Personal data" in section and "#### Consent" in section
    blocks = [b.split("```", 1)[0] for b in section.split("```yaml\n")[1:]]
    assert len(blocks) >= 2
    pii, consent = (parse_settings(block) for block in blocks)
    assert pii.pii.names["no_hp"] == "phone" and pii.pii.ids
    # the README gives the default refusals
    assert consent.consent.refusals == Consent(field="consent").refusals


# -- the collector, through a real server --------------------------------------------------


class Live:
    def __init__(self, base: str, keys: dict[str, str], ws: jejak.Workspace, app) -> None:
        self.base, self.keys, self.ws, self.app = base, keys, ws, app

    def post(self, path: str, body, basic: bool = False) -> httpx.Response:
        if basic:  # as Segment's SDKs send the write key
            auth = "Basic " + base64.b64encode(f"{self.keys['write']}:".encode()).decode()
        else:
            auth = f"Bearer {self.keys['write']}"
        return httpx.post(self.base + path, json=body, headers={"Authorization": auth}, timeout=60)

    def rows(self, sql: str) -> list[tuple]:
        with self.app.state.jejak.using():
            return self.ws.con.execute(sql).fetchall()

    def bytes(self) -> bytes:
        with self.app.state.jejak.using():
            return file_bytes(self.ws)


def _live(path: Path, settings: str) -> Iterator[Live]:
    ws = jejak.Workspace(path, parse_settings(settings))
    keys = ensure_keys(ws.con)
    app = create_app(ws)
    with running(app) as base:
        yield Live(base, keys, ws, app)
    ws.close()


@pytest.fixture
def live(tmp_path) -> Iterator[Live]:
    yield from _live(tmp_path / "w.duckdb", PII + CONSENT)


def event(n: int, **given) -> dict:
    return {
        "event_id": f"e{n}",
        "anonymous_id": f"anon-{n}",
        "ts": f"2026-01-0{n}T10:00:00Z",
        "event": "page_view",
        **given,
    }


BATCH = [
    event(1, customer_id="cust-0001", properties={"email": EMAIL, "nama": NAME, "plan": "pro"}),
    event(2, customer_id="cust-0001", hp=PHONE, consent="yes"),  # hp: a top-level property
    event(3, properties={"email": EMAIL, "consent": False}),
    event(4, customer_id="cust-0002", consent="tidak", nama=NAME),
    event(5, ts="yesterday", properties={"email": EMAIL}),  # rejected: its record is kept
    event(6, consent="denied", anonymous_id=None),  # no id at all: rejected first
]


def test_collected_events_are_hashed_and_stripped_without_consent(live):
    sent = live.post("/v1/events", BATCH)
    assert sent.status_code == 202
    answer = sent.json()
    assert {k: v for k, v in answer.items() if k != "rejected"} == {
        "received": 6,
        "stored": 4,
        "already_stored": 0,
        "stored_without_identifiers": 2,
        "dropped_without_consent": 0,
    }
    assert [(r["index"], r["field"]) for r in answer["rejected"]] == [(4, "ts"), (5, "customer_id")]
    ws = live.ws
    rows = live.rows(
        "SELECT event_id, customer_id, anonymous_id, properties FROM touchpoints ORDER BY event_id"
    )
    with live.app.state.jejak.using():
        email, name = hashed(EMAIL.lower(), ws), hashed(NAME, ws)
        phone, customer = hashed("+6281234567890", ws), hashed("cust-0001", ws)
        anon = {n: hashed(f"anon-{n}", ws) for n in (1, 2)}
    assert [(e, c, a, json.loads(p)) for e, c, a, p in rows] == [
        ("e1", customer, anon[1], {"email": email, "nama": name, "plan": "pro"}),
        ("e2", customer, anon[2], {"consent": "yes", "hp": phone}),
        ("e3", None, None, {"consent": False}),
        ("e4", None, None, {"consent": "tidak"}),
    ]
    kept = [json.loads(r[0]) for r in live.rows("SELECT record FROM rejected_rows ORDER BY row")]
    assert kept[0]["properties"] == {"email": email} and kept[0]["anonymous_id"] == hashed(
        "anon-5", live.ws
    )
    # sent again: every stored event is known, the stripped ones too (no conflict)
    again = live.post("/v1/events", BATCH).json()
    assert (again["stored"], again["already_stored"], again["stored_without_identifiers"]) == (
        0,
        4,
        2,
    )
    assert found_secrets(live.bytes()) == []


def test_a_retried_event_matches_in_the_sql_checks_too(live):
    # an event the plain checks cannot take (a revenue with a comma) sends the group to
    # the SQL checks, which hash and strip it as the plain ones did
    first = live.post("/v1/events", BATCH[:4]).json()
    odd = [*BATCH[:4], event(7, revenue="1,5", properties={"email": EMAIL})]
    again = live.post("/v1/events", odd).json()
    assert (first["stored"], again["stored"], again["already_stored"]) == (4, 1, 4)
    assert again["stored_without_identifiers"] == 2


def test_only_rejected_events_are_scrubbed_and_accepted_ones_are_still_hashed(live, monkeypatch):
    from jejak.server import commits

    scrubbed, scrub, depth = [], personal.scrubbed, [0]

    def counting(record, settings):
        if not depth[0]:  # the records asked for, not its own calls within one
            scrubbed.append(record)
        depth[0] += 1
        try:
            return scrub(record, settings)
        finally:
            depth[0] -= 1

    monkeypatch.setattr(commits.personal, "scrubbed", counting)
    good = event(1, properties={"email": EMAIL, "plan": "pro"})
    bad = event(2, ts="yesterday", email=EMAIL, hp=PHONE, properties={"nama": NAME})
    answer = live.post("/v1/events", [good, bad, good | {"event_id": "e3"}]).json()
    assert (answer["stored"], [r["index"] for r in answer["rejected"]]) == (2, [1])
    assert scrubbed == [bad]  # the rejected event alone: the stored ones are hashed as stored
    with live.app.state.jejak.using():
        ws = live.ws
        email = hashed(EMAIL.lower(), ws)
        record = json.loads(ws.rejected().record[0])
        assert (record["email"], record["hp"]) == (email, hashed("+6281234567890", ws))
        assert record["properties"] == {"nama": hashed(NAME, ws)}
        stored = ws.con.execute("SELECT properties FROM touchpoints").fetchall()
    assert [json.loads(p) for (p,) in stored] == [{"plan": "pro", "email": email}] * 2
    assert found_secrets(live.bytes()) == []


def test_collector_drops_events_without_consent_when_told(tmp_path):
    for live in _live(tmp_path / "w.duckdb", PII + "consent: {field: consent, action: drop}\n"):
        answer = live.post("/v1/events", BATCH).json()
        # e6 has no id either: dropped before it is checked
        assert (answer["stored"], answer["dropped_without_consent"]) == (2, 3)
        assert [r["index"] for r in answer["rejected"]] == [4]
        assert answer["stored_without_identifiers"] == 0
        assert [r[0] for r in live.rows("SELECT event_id FROM touchpoints")] == ["e1", "e2"]


def test_segment_calls_with_an_email_trait_keep_no_raw_personal_data(live):
    identify = {
        "type": "identify",
        "messageId": "m1",
        "userId": "cust-0001",
        "anonymousId": "anon-9",
        "traits": {"email": EMAIL, "nama": NAME, "phone": PHONE},
        "timestamp": "2026-01-05T10:00:00Z",
    }
    assert live.post("/v1/identify", identify, basic=True).status_code == 200
    track = {
        "type": "track",
        "messageId": "m2",
        "anonymousId": "anon-9",
        "event": "Order Completed",
        "properties": {"email": EMAIL, "revenue": 10},
        "context": {"traits": {"email": EMAIL}},
        "timestamp": "2026-01-05T10:05:00Z",
    }
    bad = {**track, "messageId": "m3", "timestamp": "not a time", "sentAt": None}
    answer = live.post("/v1/batch", {"batch": [track, bad]}, basic=True).json()
    assert (answer["stored"], [r["index"] for r in answer["rejected"]]) == (1, [1])
    with live.app.state.jejak.using():
        ws = live.ws
        customer, anon, email = (
            hashed("cust-0001", ws),
            hashed("anon-9", ws),
            hashed(EMAIL.lower(), ws),
        )
        assert ws.con.execute(
            "SELECT anonymous_id, customer_id FROM identity_links"
        ).fetchall() == [(anon, customer)]
        # the order joins the customer through the hashed link
        assert ws.events().to_pandas().person_id.tolist() == [customer]
        props = ws.con.execute("SELECT properties FROM touchpoints").fetchall()[0][0]
        assert json.loads(props)["email"] == email
        record = json.loads(ws.rejected().record[0])
        assert record["context"]["traits"]["email"] == email and record["anonymousId"] == anon
    assert found_secrets(live.bytes()) == []


def test_jejak_identify_links_are_hashed_ids(live):
    link = {"anonymous_id": "anon-1", "customer_id": "cust-0001"}
    assert live.post("/v1/identify", link).json()["stored"] == 1
    with live.app.state.jejak.using():
        ws = live.ws
        assert ws.con.execute(
            "SELECT anonymous_id, customer_id FROM identity_links"
        ).fetchall() == [(hashed("anon-1", ws), hashed("cust-0001", ws))]
    assert b"cust-0001" not in live.bytes()
