"""A workspace whose data was stored under pii: keeps those settings. Opened without
pii: (a jejak.yaml that lost it, code that opens the file bare), it stores what comes
next as before: hashed, people joined. Opened with other pii: settings, every write of
personal data (loads, imports, identity files, the collector, Segment calls) stores
nothing and says the pii: line to put back, while reads and erasure work as ever.
Through the library, the jejak command in a fresh process, and a real server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jejak
from invoking import invoke, spawn
from jejak.errors import PiiSettingsError
from jejak.model.config import Settings, parse_settings
from jejak.server import create_app
from jejak.server.keys import ensure_keys
from jejak.store import batches, kept_pii, personal
from jejak.store.loading import load_file
from serving import running
from test_imports import GA4_EVENTS, GA4_SCHEMA, SHOPIFY_ROWS, write_csv

STORED = "pii: {email: [email], text: [nama], ids: true}\n"
# what every refusal says to put back: the settings above, as jejak.yaml takes them
PUT_BACK = "pii: {email: [email], phone: [phone], text: [nama], ids: true}"
OTHERS = {
    "ids in clear": "pii: {email: [email], text: [nama]}\n",
    "nama no longer listed": "pii: {email: [email], ids: true}\n",
}
HEADER = "customer_id,anonymous_id,ts,event,email,nama\n"
FILES = {
    "log.csv": HEADER
    + "cust-1,anon-1,2026-01-01T10:00:00Z,signup, Budi@Mail.example ,Budi Santoso\n",
    "more.csv": HEADER + ",anon-2,2026-01-02T10:00:00Z,page_view,budi@mail.example,Budi Santoso\n",
    "links.csv": "anonymous_id,customer_id\nanon-2,cust-1\n",
    "late.csv": HEADER + ",anon-3,2026-01-03T10:00:00Z,page_view,budi@mail.example,Budi Santoso\n",
}
SECRETS = (
    "Budi@Mail.example",
    "budi@mail.example",
    "Budi Santoso",
    "cust-1",
    "anon-1",
    "anon-2",
    "anon-3",
)
TABLES = ("touchpoints", "identity_links", "loads", "rejected_rows")


def stored(folder: Path) -> Path:
    """A workspace holding log.csv, stored under STORED."""
    for name, text in FILES.items():
        (folder / name).write_text(text)
    with jejak.Workspace(folder / "w.duckdb", parse_settings(STORED)) as ws:
        ws.load(folder / "log.csv")
    return folder / "w.duckdb"


def rows(ws: jejak.Workspace) -> dict[str, int]:
    """How many rows each table that personal data is written to holds."""
    return {t: ws.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}


def hashed(value: str, ws: jejak.Workspace) -> str:
    key = bytes.fromhex(personal.salt(ws.con))
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def found_secrets(path: Path) -> list[str]:
    data = path.read_bytes()
    return [s for s in SECRETS if s.encode("utf-8") in data]


def joined(ws: jejak.Workspace) -> list[tuple]:
    """Each stored touchpoint's ids and properties, and how many people they make."""
    people = ws.events().person_id.nunique().execute()
    found = ws.con.execute(
        "SELECT customer_id, anonymous_id, properties FROM touchpoints ORDER BY ts"
    ).fetchall()
    return [people, *((c, a, json.loads(p)) for c, a, p in found)]


def expected(ws: jejak.Workspace, anonymous: list[str], people: int = 1) -> list[tuple]:
    """What joined() holds when every load was hashed under STORED (cust-1 first)."""
    properties = {"email": hashed("budi@mail.example", ws), "nama": hashed("Budi Santoso", ws)}
    first = (hashed("cust-1", ws), hashed(anonymous[0], ws), properties)
    return [people, first, *((None, hashed(a, ws), properties) for a in anonymous[1:])]


# -- no pii: given: the kept settings -------------------------------------------------------


def test_opened_without_pii_it_stores_as_its_data_was_stored(tmp_path):
    path = stored(tmp_path)
    with jejak.Workspace(path) as ws:  # no pii: at all
        assert kept_pii.form(ws.settings.pii) == kept_pii.form(parse_settings(STORED).pii)
        ws.load(tmp_path / "more.csv")
        assert ws.load_identities(tmp_path / "links.csv") == 1
        # hashed as the first load was: one person across the loads, nothing in clear
        assert joined(ws) == expected(ws, ["anon-1", "anon-2"])
        assert ws.con.execute("SELECT * FROM identity_links").fetchall() == [
            (hashed("anon-2", ws), hashed("cust-1", ws), 3)
        ]
        ws.con.execute("CHECKPOINT")
    assert found_secrets(path) == []


def test_code_that_writes_with_no_pii_at_all_is_refused(tmp_path):
    path = stored(tmp_path)
    with jejak.Workspace(path) as ws:
        before = rows(ws)
        for write in (
            lambda: load_file(ws.con, tmp_path / "more.csv", Settings(), load_id=2),
            lambda: batches.check(ws.con, [{"event_id": "e1"}], Settings(), "events"),
        ):
            with pytest.raises(PiiSettingsError) as refused:
                write()
            said = str(refused.value)
            assert f"{path}: nothing was stored: " in said
            assert "the settings in use have no pii:" in said
            assert said.endswith(f"Put this back in jejak.yaml: {PUT_BACK}")
        assert rows(ws) == before


# -- other pii: given: writes refused, reads as ever ----------------------------------------


def ga4_file(folder: Path) -> Path:
    path = folder / "events_20260101.parquet"
    pq.write_table(pa.Table.from_pylist(GA4_EVENTS, schema=GA4_SCHEMA), path)
    return path


@pytest.mark.parametrize("other", OTHERS.values(), ids=OTHERS.keys())
def test_other_pii_settings_refuse_every_write_and_store_nothing(tmp_path, other):
    path = stored(tmp_path)
    shopify = write_csv(tmp_path / "orders_export_1.csv", SHOPIFY_ROWS)
    segment = tmp_path / "segment.jsonl"
    segment.write_text(
        json.dumps(
            {"type": "identify", "userId": "cust-1", "anonymousId": "anon-9", "messageId": "m"}
        )
        + "\n"
    )
    (tmp_path / "folder").mkdir()
    shutil.copy(tmp_path / "more.csv", tmp_path / "folder")
    with jejak.Workspace(path, parse_settings(other)) as ws:
        before = rows(ws)
        writes = {
            "a file": lambda: ws.load(tmp_path / "more.csv"),
            "a folder": lambda: ws.load(tmp_path / "folder"),
            "Shopify": lambda: ws.load(shopify),
            "GA4": lambda: ws.load(ga4_file(tmp_path)),
            "Segment": lambda: ws.load(segment, format="segment"),
            "an identity file": lambda: ws.load_identities(tmp_path / "links.csv"),
            "rejected rows": lambda: ws.record_rejected(
                [{"row": 0, "reason": "x", "record": '{"email": "budi@mail.example"}'}],
                name="collector",
                received=1,
            ),
            "collected events": lambda: batches.check(
                ws.con, [{"event_id": "e1", "anonymous_id": "anon-5"}], ws.settings, "events"
            ),
        }
        for name, write in writes.items():
            with pytest.raises(PiiSettingsError) as refused:
                write()
            said = str(refused.value)
            assert f"{path}: nothing was stored: pii: in jejak.yaml is not what" in said, name
            assert f"Put pii: back as it was ({PUT_BACK})" in said, name
        assert rows(ws) == before
        # reads as ever
        assert ws.count() == 1 and len(ws.loads()) == 1
        assert ws.stages().to_dict()
    assert found_secrets(path) == []
    # the line to put back is jejak.yaml's: with it, the same file loads
    with jejak.Workspace(path, parse_settings(PUT_BACK + "\n")) as ws:
        ws.load(tmp_path / "more.csv")
        assert joined(ws)[1:] == expected(ws, ["anon-1", "anon-2"])[1:]


def test_forget_and_prune_find_people_as_they_were_stored(tmp_path):
    path = stored(tmp_path)
    with jejak.Workspace(path, parse_settings(STORED)) as ws:
        ws.load(tmp_path / "more.csv")
        ws.load_identities(tmp_path / "links.csv")
    shutil.copy(path, tmp_path / "copy.duckdb")
    asked = ["budi@mail.example", "cust-1", "nobody@mail.example"]
    answers = []
    for file, settings in [(path, STORED), (tmp_path / "copy.duckdb", OTHERS["ids in clear"])]:
        with jejak.Workspace(file, parse_settings(settings)) as ws:
            erased = ws.forget(asked)
            answers.append(([erased.said(given) for given in asked], erased.to_dict()))
            assert ws.count() == 0
    assert answers[0] == answers[1]
    assert (
        answers[0][0][0].startswith("erased") and answers[0][0][2] == "nothing stored for this id"
    )
    # prune, under settings that differ from the kept ones
    with jejak.Workspace(tmp_path / "p.duckdb", parse_settings(STORED)) as ws:
        ws.load(tmp_path / "log.csv")
        ws.load(tmp_path / "more.csv")
    other = parse_settings(OTHERS["ids in clear"] + "keep_days: 1\n")
    with jejak.Workspace(tmp_path / "p.duckdb", other) as ws:
        pruned = ws.prune(now=datetime(2026, 1, 2, 12, tzinfo=UTC))  # log.csv's is older
        assert pruned.rows["touchpoints"] == 1 and ws.count() == 1


# -- the jejak command, in a fresh process --------------------------------------------------


def yaml(folder: Path, pii: str) -> None:
    (folder / "jejak.yaml").write_text(f"workspace: w.duckdb\n{pii}")


def test_jejak_load_with_a_jejak_yaml_without_or_with_other_pii(tmp_path):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    yaml(tmp_path, STORED)
    assert spawn("load", "log.csv", cwd=tmp_path).returncode == 0
    # the pii: section lost: the kept settings hash the next file and the links
    yaml(tmp_path, "")
    assert spawn("load", "more.csv", cwd=tmp_path).returncode == 0
    assert spawn("load", "--identities", "links.csv", cwd=tmp_path).returncode == 0
    path = tmp_path / "w.duckdb"
    assert found_secrets(path) == []
    # other pii: settings: nothing stored, and the line to put back said
    yaml(tmp_path, OTHERS["ids in clear"])
    for args in (["late.csv"], ["--identities", "links.csv"]):
        refused = spawn("load", *args, cwd=tmp_path)
        said = " ".join((refused.stdout + refused.stderr).split())  # as wrapped to the terminal
        assert refused.returncode == 1, said
        assert "nothing was stored" in said and f"Put pii: back as it was ({PUT_BACK})" in said
    with jejak.Workspace(path) as ws:
        assert rows(ws) == {"touchpoints": 2, "identity_links": 1, "loads": 3, "rejected_rows": 0}
    yaml(tmp_path, PUT_BACK + "\n")
    assert spawn("load", "late.csv", cwd=tmp_path).returncode == 0
    with jejak.Workspace(path) as ws:
        # anon-2 is cust-1's through the links; anon-3 no one's yet
        assert joined(ws) == expected(ws, ["anon-1", "anon-2", "anon-3"], people=2)
    assert found_secrets(path) == []


def test_jejak_forget_says_the_same_under_other_pii_settings(tmp_path):
    path = stored(tmp_path)
    (tmp_path / "other").mkdir()
    shutil.copy(path, tmp_path / "other" / "w.duckdb")
    yaml(tmp_path, STORED)
    yaml(tmp_path / "other", OTHERS["ids in clear"])
    said = [
        invoke("forget", "budi@mail.example", "anon-1", "nobody", cwd=folder)
        for folder in (tmp_path, tmp_path / "other")
    ]
    assert [s.returncode for s in said] == [0, 0]
    assert said[0].stdout == said[1].stdout
    assert "budi@mail.example: erased" in said[0].stdout


# -- the collector, through a real server ---------------------------------------------------


@contextmanager
def served(path: Path, settings: str | None, keys: dict) -> Iterator[tuple[str, jejak.Workspace]]:
    """A real server over the workspace; ``keys`` gets its keys the first time."""
    ws = jejak.Workspace(path, None if settings is None else parse_settings(settings))
    keys.update(ensure_keys(ws.con))
    app = create_app(ws)
    try:
        with running(app) as base:
            yield base, ws
    finally:
        ws.close()


def post(base: str, keys: dict, where: str, body, basic: bool = False) -> httpx.Response:
    if basic:  # as Segment's SDKs send the write key
        auth = "Basic " + base64.b64encode(f"{keys['write']}:".encode()).decode()
    else:
        auth = f"Bearer {keys['write']}"
    return httpx.post(base + where, json=body, headers={"Authorization": auth}, timeout=60)


EVENT = {
    "event_id": "e9",
    "anonymous_id": "anon-4",
    "ts": "2026-01-04T10:00:00Z",
    "event": "page_view",
    "properties": {"email": "Budi@Mail.example", "nama": "Budi Santoso"},
}
SEGMENT_CALL = {
    "type": "track",
    "event": "Order Completed",
    "anonymousId": "anon-5",
    "messageId": "m1",
    "timestamp": "2026-01-05T10:00:00Z",
    "properties": {"email": "budi@mail.example"},
}


def test_the_collector_refuses_under_other_pii_and_stores_under_the_kept(tmp_path):
    path = stored(tmp_path)
    keys: dict[str, str] = {}
    with served(path, OTHERS["nama no longer listed"], keys) as (base, ws):
        before = rows(ws)
        answers = [
            post(base, keys, "/v1/events", [EVENT]),
            # refused at once (no event_id): only its record would be kept, scrubbed
            post(base, keys, "/v1/events", [{"anonymous_id": "anon-6", "email": "budi@x.id"}]),
            post(base, keys, "/v1/identify", {"anonymous_id": "anon-4", "customer_id": "cust-1"}),
            post(base, keys, "/v1/batch", {"batch": [SEGMENT_CALL]}, basic=True),
        ]
        for answer in answers:
            assert answer.status_code == 409, answer.text
            assert f"Put pii: back as it was ({PUT_BACK})" in answer.json()["detail"]
        # reads as ever
        read = {"Authorization": f"Bearer {keys['read']}"}
        assert httpx.get(base + "/v1/analyses/stages", headers=read).status_code == 200
        assert rows(ws) == before
    # without pii: the kept settings store it, hashed and joined
    with served(path, None, keys) as (base, ws):
        assert post(base, keys, "/v1/events", [EVENT]).json()["stored"] == 1
        link = {"anonymous_id": "anon-4", "customer_id": "cust-1"}
        assert post(base, keys, "/v1/identify", link).json()["stored"] == 1
    # and so do the settings the refusal said to put back
    with served(path, PUT_BACK + "\n", keys) as (base, ws):
        assert (
            post(base, keys, "/v1/batch", {"batch": [SEGMENT_CALL]}, basic=True).json()["stored"]
            == 1
        )
    with jejak.Workspace(path) as ws:
        found = joined(ws)
        # anon-4 is cust-1's, through the link; anon-5 someone else
        assert found[:3] == expected(ws, ["anon-1", "anon-4"], people=2)
        email = hashed("budi@mail.example", ws)
        assert found[3] == (None, hashed("anon-5", ws), {"email": email})
        ws.con.execute("CHECKPOINT")
    assert found_secrets(path) == []
