"""A node of the paths saved as a segment (``path: {after|before, position, touchpoint}``):
its people are the node's, exactly as :meth:`paths` counts them, on a hand-made log, on
both engines; from the CLI and the API by the same parameters."""

from __future__ import annotations

import pytest

import jejak
from jejak.model.config import parse_settings

# a view, a cart and a payment; b looks twice (collapsed), c only looks, f never looks
LOG = """
customer_id,ts,event,channel
a,2026-03-01 10:00:00,lihat_produk,sosial
a,2026-03-01 10:05:00,tambah_keranjang,sosial
a,2026-03-01 10:10:00,bayar,sosial
b,2026-03-02 10:00:00,lihat_produk,cari
b,2026-03-02 10:01:00,lihat_produk,cari
b,2026-03-02 10:05:00,baca_ulasan,cari
b,2026-03-02 10:09:00,tambah_keranjang,cari
c,2026-03-03 10:00:00,lihat_produk,sosial
d,2026-03-04 10:00:00,baca_ulasan,iklan
d,2026-03-04 10:03:00,lihat_produk,iklan
d,2026-03-04 10:06:00,tambah_keranjang,iklan
d,2026-03-04 10:09:00,bayar,iklan
e,2026-03-05 10:00:00,lihat_produk,sosial
e,2026-03-05 10:04:00,chat_penjual,sosial
e,2026-03-05 10:08:00,bayar,sosial
f,2026-03-06 10:00:00,baca_ulasan,cari
f,2026-03-06 10:02:00,chat_penjual,cari
"""
AFTER = {"after": "lihat_produk", "steps": 4, "top": 3}
# after lihat_produk (top 3 by touchpoints on the paths: lihat_produk 5, bayar 3,
# tambah_keranjang 3; baca_ulasan and chat_penjual read other); c's path is one step, so
# the Sankey does not draw c
NODES_AFTER = {
    (1, "lihat_produk"): {"a", "b", "d", "e"},
    (2, "tambah_keranjang"): {"a", "d"},
    (2, "other"): {"b", "e"},
    (3, "bayar"): {"a", "d", "e"},
    (3, "tambah_keranjang"): {"b"},
}
BEFORE = {"before": "bayar", "steps": 3}
# the last 3 touchpoints up to the first bayar (d's baca_ulasan is a step too early)
NODES_BEFORE = {
    (1, "lihat_produk"): {"a", "d", "e"},
    (2, "tambah_keranjang"): {"a", "d"},
    (2, "chat_penjual"): {"e"},
    (3, "bayar"): {"a", "d", "e"},
}
SETTINGS = """
segments:
  keranjang setelah lihat:
    path: {after: lihat_produk, position: 2, touchpoint: tambah_keranjang, steps: 4, top: 3}
  lain setelah lihat:
    path: {after: lihat_produk, position: 2, touchpoint: other, steps: 4, top: 3}
  chat sebelum bayar:
    path: {before: bayar, position: 2, touchpoint: chat_penjual, steps: 3}
  lihat lagi:
    path: {after: lihat_produk, position: 2, touchpoint: lihat_produk, collapse: false}
  keranjang lalu sosial:
    path: {after: lihat_produk, position: 2, touchpoint: tambah_keranjang, steps: 4, top: 3}
    first: {channel: sosial}
"""
MEMBERS = {
    "keranjang setelah lihat": {"a", "d"},
    "lain setelah lihat": {"b", "e"},
    "chat sebelum bayar": {"e"},
    "lihat lagi": {"b"},  # b's second look counts when repeats are kept
    "keranjang lalu sosial": {"a"},
}


def _people(part) -> set[str]:
    return set(part.members().to_pyarrow()["person_id"].to_pylist())


@pytest.fixture
def source(open_workspace, write_file, on_engine):
    ws = open_workspace(parse_settings(SETTINGS))
    ws.load(write_file("log.csv", LOG))
    return on_engine(ws)


@pytest.mark.parametrize(("options", "expected"), [(AFTER, NODES_AFTER), (BEFORE, NODES_BEFORE)])
def test_a_nodes_people_are_the_ones_the_paths_count(source, options, expected):
    nodes = source.paths(**options).nodes()
    counted = {(int(r.step), r.touchpoint): int(r.people) for r in nodes.itertuples()}
    assert counted == {node: len(people) for node, people in expected.items()}
    for (position, touchpoint), people in expected.items():
        found = source.path_audience(position, touchpoint, **options).table
        assert set(found["person_id"]) == people, (position, touchpoint)


def test_each_path_segment_holds_exactly_its_people(source):
    for name, people in MEMBERS.items():
        assert _people(source.segment(name)) == people, name
    assert source.segment("lain setelah lihat").definition.describe() == (
        "other at step 2 of the paths after lihat_produk"
    )


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"path": {"position": 2, "touchpoint": "bayar"}}, "either 'after' or 'before'"),
        ({"path": {"after": "x", "before": "y", "position": 2, "touchpoint": "bayar"}},
         "either 'after' or 'before'"),
        ({"path": {"after": "x", "position": 6, "touchpoint": "bayar"}},
         "position 6 is past the path's last step \\(5\\)"),
        ({"path": {"after": {"stage": "Nowhere"}, "position": 2, "touchpoint": "bayar"}},
         "'Nowhere' is not a stage"),
    ],
)  # fmt: skip
def test_bad_path_nodes_say_what_is_wrong(open_workspace, write_file, definition, message):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with pytest.raises(jejak.JejakError, match=message):
        ws.save_segment("bad", definition)
    with pytest.raises(jejak.JejakError, match="position 0 is past"):
        ws.path_audience(0, "bayar", after="lihat_produk")


def test_a_path_node_saves_from_the_cli(tmp_path):
    from invoking import invoke as run

    (tmp_path / "log.csv").write_text(LOG.lstrip(), "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run(
        "segments", "save", "lain", "--path-after", "lihat_produk", "--position", "2",
        "--touchpoint", "other", "--path-steps", "4", "--path-top", "3", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        "Saved segment 'lain': other at step 2 of the paths after lihat_produk (2 people)"
    ) in done.stdout
    done = run(
        "segments", "save", "chat", "--path-before", "bayar", "--position", "2",
        "--touchpoint", "chat_penjual", "--path-steps", "3", cwd=tmp_path,
    )  # fmt: skip
    assert "(1 person)" in done.stdout, done.stderr
    done = run(
        "segments", "save", "lagi", "--path-after", "lihat_produk", "--position", "2",
        "--touchpoint", "lihat_produk", "--keep-repeats", cwd=tmp_path,
    )  # fmt: skip
    assert "(1 person)" in done.stdout, done.stderr
    half = run("segments", "save", "half", "--path-after", "lihat_produk", cwd=tmp_path)
    assert half.returncode == 2 and "needs --position and --touchpoint" in half.stdout + half.stderr


def test_a_path_node_saves_through_the_api(tmp_path, write_file):
    import httpx

    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG))
    keys = ensure_keys(ws.con)
    cell = {"path": {"before": "bayar", "position": 1, "touchpoint": "lihat_produk", "steps": 3}}
    headers = {"Authorization": f"Bearer {keys['read']}"}
    with running(create_app(ws)) as base:
        saved = httpx.post(
            base + "/v1/segments",
            json={"name": "lihat dulu", "definition": cell},
            headers=headers,
            timeout=60,
        )
        assert saved.status_code == 201, saved.text
        assert saved.json() == {
            "name": "lihat dulu",
            "definition": "lihat_produk at step 1 of the paths before bayar",
            "people": 3,
        }
        bad = httpx.post(
            base + "/v1/segments",
            json={"name": "x", "definition": {"path": {"before": "bayar", "touchpoint": "a"}}},
            headers=headers,
            timeout=60,
        )
        assert bad.status_code == 422 and "position" in bad.text
    ws.close()


# the nodes of AFTER, each with the options of `jejak segments save NAME` that save it
AFTER_FLAGS = "--path-after lihat_produk --position {} --touchpoint {} --path-steps 4 --path-top 3"


@pytest.mark.parametrize(("options", "expected"), [(AFTER, NODES_AFTER), (BEFORE, NODES_BEFORE)])
def test_each_node_says_the_segment_that_holds_its_people(source, options, expected):
    flows = source.paths(**options)
    shape = {"steps": options["steps"], "top": options.get("top", 10)}
    anchor = {k: v for k, v in options.items() if k in ("after", "before")}
    listed = flows.to_dict()["nodes"]
    assert [(n["step"], n["touchpoint"], n["people"]) for n in listed] == [
        (int(r.step), r.touchpoint, int(r.people)) for r in flows.nodes().itertuples()
    ]
    for node in listed:
        cell = anchor | {"position": node["step"], "touchpoint": node["touchpoint"]} | shape
        assert node["segment"] == {"path": cell}
        people = expected[node["step"], node["touchpoint"]]
        assert set(source.path_audience(**cell).table["person_id"]) == people
    repeats = source.paths(after="lihat_produk", steps=2, collapse=False).node_segments()
    assert repeats[0] == {
        "path": {"after": "lihat_produk", "position": 1, "touchpoint": "lihat_produk",
                 "steps": 2, "top": 10, "collapse": False}
    }  # fmt: skip


@pytest.mark.parametrize(
    "step",
    ["bayar", {"stage": "Convert"}, {"role": "purchase"}, {"channel": "sosial"},
     {"event": "bayar", "where": {"n": {"gte": 2}}}, {"channel": "a=b"}, {"n": 1}],
)  # fmt: skip
def test_a_step_reads_back_as_it_was_written(step):
    from jejak.model.funnel import parse_step, step_text

    assert parse_step(step_text(step)) == step
    # a name that would read as something else is written as its rule
    assert parse_step(step_text("stage:x")) == {"event": "stage:x"}
    assert parse_step(step_text("a=b")) == {"event": "a=b"}


def test_the_cli_lists_the_nodes_with_the_options_that_save_them(tmp_path):
    import csv
    import shlex

    from invoking import invoke as run

    (tmp_path / "log.csv").write_text(LOG.lstrip(), "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    flows = run("paths", "--after", "lihat_produk", "--steps", "4", "--top", "3", cwd=tmp_path)
    assert "--nodes lists each step's touchpoints" in flows.stdout
    done = run(
        "paths", "--after", "lihat_produk", "--steps", "4", "--top", "3", "--nodes",
        "-o", "nodes.csv", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Paths after lihat_produk: each step's touchpoints" in done.stdout
    rows = [line.strip("│ ").split(" │ ") for line in done.stdout.splitlines() if "--path" in line]
    shown = {(int(step), touchpoint.strip()): (int(people), flags.strip())
             for step, touchpoint, people, flags in rows}  # fmt: skip
    assert shown == {
        node: (len(people), AFTER_FLAGS.format(*node)) for node, people in NODES_AFTER.items()
    }
    with open(tmp_path / "nodes.csv", newline="") as f:
        written = [(r["step"], r["touchpoint"], r["people"], r["save"]) for r in csv.DictReader(f)]
    assert written == [(str(s), t, str(n), flags) for (s, t), (n, flags) in shown.items()]
    for number, ((position, touchpoint), (people, flags)) in enumerate(shown.items()):
        saved = run("segments", "save", f"n{number}", *shlex.split(flags), cwd=tmp_path)
        assert saved.returncode == 0, saved.stderr
        said = f"{touchpoint} at step {position} of the paths after lihat_produk ({people} "
        assert said in saved.stdout
    keeping = run("paths", "--before", "bayar", "--keep-repeats", "--nodes", cwd=tmp_path)
    flags = "--path-before bayar --position 5 --touchpoint bayar --path-steps 5 --path-top 10"
    assert f"{flags} --keep-repeats" in keeping.stdout
    top = run("paths", "--to", "bayar", "--nodes", cwd=tmp_path)
    assert top.returncode == 2 and "--nodes goes with --after or --before" in top.stderr


def test_the_api_lists_the_nodes_each_with_the_segment_that_saves_it(tmp_path, write_file):
    import httpx

    from jejak.server import create_app
    from jejak.server.keys import ensure_keys
    from serving import running

    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG))
    keys = ensure_keys(ws.con)
    headers = {"Authorization": f"Bearer {keys['read']}"}
    with running(create_app(ws)) as base:
        got = httpx.get(
            base + "/v1/analyses/paths",
            params={"after": "lihat_produk", "steps": 4, "top": 3},
            headers=headers,
            timeout=60,
        )
        assert got.status_code == 200, got.text
        nodes = got.json()["nodes"]
        assert {(n["step"], n["touchpoint"]): n["people"] for n in nodes} == {
            node: len(people) for node, people in NODES_AFTER.items()
        }
        for number, node in enumerate(nodes):
            cell = {"after": "lihat_produk", "position": node["step"],
                    "touchpoint": node["touchpoint"], "steps": 4, "top": 3}  # fmt: skip
            assert node["segment"] == {"path": cell}
            saved = httpx.post(
                base + "/v1/segments",
                json={"name": f"n{number}", "definition": node["segment"]},
                headers=headers,
                timeout=60,
            )
            assert saved.status_code == 201, saved.text
            assert saved.json()["people"] == node["people"]
    ws.close()
