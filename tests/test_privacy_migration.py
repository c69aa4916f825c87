"""Workspaces written before pii: hashed with the workspace's salt: opening one with
pii: set never mixes the older form with the salted one. A workspace of the earlier
'pii: hash' (bare SHA-256 ids) or with personal data in clear is refused, saying what
it holds and what to do, and is left as it was; one with nothing personal gets its salt."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

import jejak
from invoking import invoke
from jejak.errors import PiiSettingsError, WorkspaceError
from jejak.model.config import parse_settings
from test_imports import SHOPIFY_ROWS, write_csv

SOURCES = """\
sources:
  web: {files: "web*.csv", ids: {customer_id: user_id, anonymous_id: cookie, email: email}}
  wa: {files: "wa*.csv", columns: {ts: waktu}, constants: {event: wa_sent}, ids: {phone: nomor}}
"""
FILES = {
    "web.csv": "user_id,cookie,ts,event,email\n,k1,2026-03-01T08:00:00Z,page_view,\n"
    "C-1,k1,2026-03-01T08:10:00Z,signup, Budi@Mail.example \n",
    "wa.csv": "waktu,nomor\n2026-03-03T12:00:00Z,0812-3456-7890\n",
}
# what jejak stored before the salt (commit 5e20654, 'pii: hash'): an email or phone id
# as the bare SHA-256 of the normalised value; these two digests are those a workspace
# written by that jejak holds for the files above
BARE = {
    "email:budi@mail.example": "email:b557b1f84e2b0bf37f6adc577775f20b"
    "9af7fd086e27b253fae8bc554d2f1d7f",
    "phone:+6281234567890": "phone:62397bbd6a8c9ae53bc914a6017300eb"
    "6b13af5be20e4cc9ad2dc3d61ecb24cd",
}


def written(folder: Path, settings: str = SOURCES) -> Path:
    """A workspace of FILES written without pii: (contact keys in clear)."""
    for name, text in FILES.items():
        (folder / name).write_text(text)
    with jejak.Workspace(folder / "w.duckdb", parse_settings(settings)) as ws:
        for name in FILES:
            ws.load(folder / name)
    return folder / "w.duckdb"


def earlier_pii_hash(folder: Path) -> Path:
    """A workspace as the earlier 'pii: hash' wrote it: its contact keys bare SHA-256."""
    path = written(folder)
    with jejak.Workspace(path) as ws:
        for clear, bare in BARE.items():
            kind, value = clear.split(":", 1)
            assert bare == f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"
            for table, column in [
                ("touchpoints", "anonymous_id"),
                ("identity_links", "anonymous_id"),
                ("identity_links", "customer_id"),
            ]:
                ws.con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [bare, clear])
        # the rows that jejak wrote for these files
        ids = "SELECT customer_id, anonymous_id FROM touchpoints ORDER BY ts"
        assert ws.con.execute(ids).fetchall() == [
            (None, "k1"),
            ("C-1", "k1"),
            (None, BARE["phone:+6281234567890"]),
        ]
        links = ws.con.execute("SELECT anonymous_id, customer_id FROM identity_links")
        assert links.fetchall() == [(BARE["email:budi@mail.example"], "C-1")]
        ws.con.execute("CHECKPOINT")
    return path


def salted(path: Path) -> bool:
    with jejak.Workspace(path) as ws:
        rows = ws.con.execute("SELECT count(*) FROM jejak_meta WHERE key = 'pii_salt'")
        return rows.fetchall()[0][0] == 1


def test_a_workspace_of_the_earlier_pii_hash_is_refused_with_what_to_do(tmp_path):
    path = earlier_pii_hash(tmp_path)
    before = path.read_bytes()
    with pytest.raises(WorkspaceError) as refused:
        jejak.Workspace(path, parse_settings(SOURCES + "pii: hash\n"))
    said = str(refused.value)
    assert said.startswith(f"{path}: holds 2 email or phone ids stored as bare SHA-256")
    assert "move " + str(path) + " aside" in said and "run jejak load on the same files" in said
    assert path.read_bytes() == before and not salted(path)  # left as it was
    # the command line says it in one line, and stores nothing
    (tmp_path / "jejak.yaml").write_text(SOURCES + "pii: hash\nworkspace: w.duckdb\n")
    done = invoke("load", "web.csv", cwd=tmp_path)
    assert done.returncode == 1 and "bare SHA-256" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    with jejak.Workspace(path) as ws:
        assert ws.count() == 3


def test_the_files_loaded_again_into_a_new_workspace_are_all_salted(tmp_path):
    path = earlier_pii_hash(tmp_path)
    shutil.move(path, tmp_path / "w.duckdb.old")  # what the refusal says to do
    with jejak.Workspace(path, parse_settings(SOURCES + "pii: hash\n")) as ws:
        for name in FILES:
            ws.load(tmp_path / name)
        keys = "SELECT anonymous_id FROM identity_links UNION SELECT anonymous_id FROM touchpoints"
        stored = {
            k for (k,) in ws.con.execute(keys).fetchall() if k.startswith(("email:", "phone:"))
        }
        assert len(stored) == 2 and not stored & set(BARE.values())  # salted: other hashes
        people = ws.events().to_pandas().groupby("person_id").event.apply(sorted).tolist()
        assert sorted(people) == [["page_view", "signup"], ["wa_sent"]]


def test_personal_data_in_clear_is_refused_with_both_ways_on(tmp_path):
    path = written(tmp_path)
    with jejak.Workspace(path) as ws:  # an email property besides the contact keys
        ws.con.execute(
            'UPDATE touchpoints SET properties = \'{"email": "budi@mail.example"}\''
            " WHERE event = 'signup'"
        )
    with pytest.raises(WorkspaceError) as refused:
        jejak.Workspace(path, parse_settings(SOURCES + "pii: {ids: true}\n"))
    said = str(refused.value)
    assert re.search(
        r"holds 2 email or phone ids and 'email' in 1 touchpoint and customer and"
        r" anonymous ids in 4 rows \(pii: has ids: true\) in clear",
        said,
    ), said
    assert "take pii: out of jejak.yaml" in said and not salted(path)


def test_a_shopify_export_loaded_without_pii_is_refused(tmp_path):
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(write_csv(tmp_path / "orders_export_1.csv", SHOPIFY_ROWS))
    with pytest.raises(WorkspaceError, match="holds 2 Shopify orders' customers stored as bare"):
        jejak.Workspace(tmp_path / "w.duckdb", parse_settings("pii: hash\n"))


def test_a_workspace_with_nothing_personal_gets_its_salt(tmp_path):
    (tmp_path / "log.csv").write_text(
        "customer_id,anonymous_id,ts,event,plan\nc1,a1,2026-01-01T10:00:00Z,signup,pro\n"
    )
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.load(tmp_path / "log.csv")
    with jejak.Workspace(tmp_path / "w.duckdb", parse_settings("pii: hash\n")) as ws:
        assert ws.count() == 1
    assert salted(tmp_path / "w.duckdb")


def test_pii_changed_after_data_was_stored_refuses_loads_until_put_back(tmp_path):
    (tmp_path / "log.csv").write_text(
        "customer_id,anonymous_id,ts,event,email,nama\n"
        "c1,a1,2026-01-01T10:00:00Z,signup,budi@mail.example,Budi\n"
    )
    (tmp_path / "more.csv").write_text(
        "customer_id,anonymous_id,ts,event,email,nama\n"
        "c1,a2,2026-01-02T10:00:00Z,order,budi@mail.example,Budi\n"
    )
    first = parse_settings("pii: {email: [email]}\n")
    with jejak.Workspace(tmp_path / "w.duckdb", first) as ws:
        ws.load(tmp_path / "log.csv")

    def refused(settings: str) -> str:
        """What a load under ``settings`` says; it opens, reads, and stores nothing."""
        with jejak.Workspace(tmp_path / "w.duckdb", parse_settings(settings)) as ws:
            before = ws.count(), len(ws.loads())
            with pytest.raises(PiiSettingsError) as refusal:
                ws.load(tmp_path / "more.csv")
            assert (ws.count(), len(ws.loads())) == before
        return str(refusal.value)

    # ids: true now would hash new ids beside the clear ones; 'nama' is stored in clear
    later = "pii: {email: [email], text: [nama], ids: true}\n"
    said = refused(later)
    assert (
        "(ids: true, but ids are in clear in 1 row; 'nama' listed as text, but it is in clear"
        " in 1 touchpoint)" in said
    )
    assert (
        "Put pii: back as it was (pii: {email: [email], phone: [phone], text: [], ids: false})"
        in said
    )
    # the email no longer listed: the stored hashes would meet clear addresses
    gone = "'email' no longer listed, but it is hashed as email in 1 touchpoint"
    assert gone in refused("pii: {email: []}\n")
    # as it was, it loads; a name no touchpoint holds can be added, and is kept from then
    with jejak.Workspace(tmp_path / "w.duckdb", first) as ws:
        assert ws.load(tmp_path / "more.csv").stored == 1
    wider = parse_settings("pii: {email: [email], phone: [hp]}\n")
    with jejak.Workspace(tmp_path / "w.duckdb", wider) as ws:
        assert ws.count() == 2
    put_back = "back as it was (pii: {email: [email], phone: [hp], text: [], ids: false})"
    assert put_back in refused(later)
