"""Loading files into a workspace, through a real DuckDB file.

Every file is a few hand-written rows, so each count and stored value can be checked by eye.
Rows in error messages are 1-based data rows (the header is not counted).
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import jejak
from jejak import ConfigError, JejakError, LoadError, Settings
from jejak.store import loading

HEADER = "customer_id,ts,event,revenue,currency,properties"
GOOD_1 = "c1,2026-01-01T10:00:00Z,page_view,,,"
GOOD_3 = "c3,2026-01-01T12:00:00Z,page_view,,,"
REJECTS_HEADER = ["_jejak_row", "_jejak_field", "_jejak_reason"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def stored(ws: jejak.Workspace, *columns: str) -> list[tuple]:
    """The given columns of every stored touchpoint, in time order."""
    return ws.con.execute(
        f"SELECT {', '.join(columns)} FROM touchpoints ORDER BY ts, event, customer_id"
    ).fetchall()


def stored_row(ws: jejak.Workspace) -> dict:
    """The only stored touchpoint, every field."""
    cursor = ws.con.execute("SELECT * EXCLUDE (load_id) FROM touchpoints")
    rows = cursor.fetchall()
    assert len(rows) == 1
    return dict(zip([d[0] for d in cursor.description], rows[0], strict=True))


def snapshot(ws: jejak.Workspace) -> tuple:
    """Everything a failed load must leave as it was."""
    touchpoints = ws.con.execute("SELECT * FROM touchpoints ORDER BY event_id").fetchall()
    loads = ws.con.execute("SELECT load_id, file FROM loads ORDER BY load_id").fetchall()
    return ws.count(), touchpoints, loads


def load_fails(ws: jejak.Workspace, path: Path, **kwargs) -> LoadError:
    """Load ``path``, expect a LoadError naming the file, and prove nothing changed."""
    before = snapshot(ws)
    with pytest.raises(LoadError) as caught:
        ws.load(path, **kwargs)
    assert snapshot(ws) == before
    assert str(path) in str(caught.value)
    return caught.value


@pytest.fixture(params=["empty", "holding rows"])
def target(request, open_workspace, write_file) -> jejak.Workspace:
    """A workspace that is either empty or already holds 2 touchpoints from a good load."""
    ws = open_workspace()
    if request.param == "holding rows":
        earlier = write_file(
            "earlier.csv",
            """
            customer_id,ts,event
            c8,2025-12-01T08:00:00Z,page_view
            c9,2025-12-01T09:00:00Z,order
            """,
        )
        assert ws.load(earlier).stored == 2
    return ws


# -- formats -------------------------------------------------------------------------------


def test_csv_stores_every_field_as_written(open_workspace, tmp_path):
    ws = open_workspace()
    written = {
        "event_id": "e1",
        "customer_id": "00123",
        "anonymous_id": "d1",
        "ts": "2026-01-02T03:04:05Z",
        "event": "order",
        "channel": "email",
        "source": "newsletter",
        "medium": "email",
        "campaign": "jan-sale",
        "context": "curiosity",
        "need": "save money",
        "revenue": "150000.5",
        "currency": "IDR",
        "properties": '{"plan": "pro"}',
    }
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(written))
        writer.writeheader()
        writer.writerow(written)

    summary = ws.load(path)

    assert (summary.rows_read, summary.stored, summary.already_stored) == (1, 1, 0)
    assert (summary.duplicates_in_file, summary.rejected, summary.rejects_file) == (0, 0, None)
    assert stored_row(ws) == written | {
        "customer_id": "00123",  # ids are text: leading zeros kept
        "ts": utc(2026, 1, 2, 3, 4, 5),
        "revenue": 150000.5,
        "properties": '{"plan":"pro"}',
    }


def test_csv_rows_without_ids_get_distinct_derived_ids(open_workspace, write_file):
    ws = open_workspace()
    path = write_file(
        "events.csv",
        """
        customer_id,anonymous_id,ts,event,revenue,currency
        c1,,2026-01-01T10:00:00Z,page_view,,
        ,d7,2026-01-01T11:00:00Z,page_view,,
        c1,,2026-01-01T12:00:00Z,order,250000,IDR
        """,
    )

    assert ws.load(path).stored == 3
    assert stored(ws, "customer_id", "anonymous_id", "ts", "event", "revenue", "currency") == [
        ("c1", None, utc(2026, 1, 1, 10), "page_view", None, None),
        (None, "d7", utc(2026, 1, 1, 11), "page_view", None, None),
        ("c1", None, utc(2026, 1, 1, 12), "order", 250000.0, "IDR"),
    ]
    ids = [event_id for (event_id,) in stored(ws, "event_id")]
    assert len(set(ids)) == 3
    assert all(len(event_id) == 32 for event_id in ids)


def test_tsv_stores_exact_rows(open_workspace, tmp_path):
    ws = open_workspace()
    path = tmp_path / "events.tsv"
    path.write_text(
        "customer_id\tts\tevent\tchannel\n"
        "c1\t2026-01-01T10:00:00Z\tpage_view\tsearch\n"
        "c2\t2026-01-01T11:00:00Z\tsignup\tdirect\n"
    )

    assert ws.load(path).stored == 2
    assert stored(ws, "customer_id", "ts", "event", "channel") == [
        ("c1", utc(2026, 1, 1, 10), "page_view", "search"),
        ("c2", utc(2026, 1, 1, 11), "signup", "direct"),
    ]


def test_parquet_stores_exact_rows_with_typed_columns(open_workspace, tmp_path):
    ws = open_workspace()
    path = tmp_path / "events.parquet"
    table = pa.table(
        {
            "customer_id": ["c1", "c2"],
            "ts": pa.array([utc(2026, 1, 5, 8), utc(2026, 1, 6, 9, 30)], pa.timestamp("us", "UTC")),
            "event": ["order", "refund"],
            "revenue": [10.5, -4.0],
            "currency": ["USD", "USD"],
            "items": [3, None],
        }
    )
    pq.write_table(table, path)

    assert ws.load(path).stored == 2
    assert stored(ws, "customer_id", "ts", "event", "revenue", "currency", "properties") == [
        ("c1", utc(2026, 1, 5, 8), "order", 10.5, "USD", '{"items":3}'),
        ("c2", utc(2026, 1, 6, 9, 30), "refund", -4.0, "USD", "{}"),
    ]


def test_parquet_naive_timestamps_are_read_in_the_workspace_zone(open_workspace, tmp_path):
    ws = open_workspace(Settings(timezone="Asia/Jakarta"))
    path = tmp_path / "events.parquet"
    table = pa.table(
        {
            "customer_id": ["c1"],
            "ts": pa.array([datetime(2026, 1, 1, 10)], pa.timestamp("us")),
            "event": ["page_view"],
        }
    )
    pq.write_table(table, path)

    assert ws.load(path).stored == 1
    assert stored(ws, "ts") == [(utc(2026, 1, 1, 3),)]


def test_json_lines_nested_properties_are_stored_as_json_object_text(open_workspace, tmp_path):
    ws = open_workspace()
    path = tmp_path / "events.jsonl"
    lines = [
        {
            "anonymous_id": "d1",
            "ts": "2026-01-03T00:00:00Z",
            "event": "page_view",
            "properties": {"plan": "pro"},
        },
        {
            "anonymous_id": "d1",
            "ts": "2026-01-03T01:00:00Z",
            "event": "page_view",
            "properties": {"n": 2, "tags": ["x", "y"]},
        },
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    assert ws.load(path).stored == 2
    rows = stored(ws, "anonymous_id", "ts", "properties")
    # the other row's keys are not carried over as nulls
    assert rows == [
        ("d1", utc(2026, 1, 3, 0), '{"plan":"pro"}'),
        ("d1", utc(2026, 1, 3, 1), '{"n":2,"tags":["x","y"]}'),
    ]
    assert [json.loads(properties) for *_, properties in rows] == [
        {"plan": "pro"},
        {"n": 2, "tags": ["x", "y"]},
    ]


def test_gzip_csv_stores_exact_rows(open_workspace, tmp_path):
    ws = open_workspace()
    path = tmp_path / "events.csv.gz"
    path.write_bytes(
        gzip.compress(
            b"customer_id,ts,event,revenue\n"
            b"c1,2026-01-04T00:00:00Z,signup,\n"
            b"c1,2026-01-04T01:00:00Z,order,99.9\n"
        )
    )

    summary = ws.load(path)

    assert (summary.rows_read, summary.stored) == (2, 2)
    assert stored(ws, "customer_id", "ts", "event", "revenue") == [
        ("c1", utc(2026, 1, 4, 0), "signup", None),
        ("c1", utc(2026, 1, 4, 1), "order", 99.9),
    ]


# -- column mapping ------------------------------------------------------------------------


def test_mapped_columns_fill_their_fields(tmp_path, write_file):
    path = write_file(
        "export.csv",
        """
        user,time,event
        u1,2026-01-01T00:00:00Z,order
        u2,2026-01-01T01:00:00Z,signup
        """,
    )
    settings = Settings(columns={"customer_id": "user", "ts": "time"})
    with jejak.Workspace(tmp_path / "w.duckdb", settings) as ws:
        assert ws.load(path).stored == 2
        # mapped columns are fields, not leftovers in properties
        assert stored(ws, "customer_id", "ts", "event", "properties") == [
            ("u1", utc(2026, 1, 1, 0), "order", "{}"),
            ("u2", utc(2026, 1, 1, 1), "signup", "{}"),
        ]


def test_unmapped_columns_go_to_properties_without_empty_cells(open_workspace, write_file):
    ws = open_workspace(Settings(columns={"customer_id": "user", "ts": "time"}))
    path = write_file(
        "export.csv",
        """
        user,time,event,plan,coupon,properties
        u1,2026-01-01T00:00:00Z,order,pro,,"{""src"": ""app""}"
        u2,2026-01-01T01:00:00Z,order,,X1,
        u3,2026-01-01T02:00:00Z,order,,,
        """,
    )

    assert ws.load(path).stored == 3
    assert stored(ws, "customer_id", "properties") == [
        ("u1", '{"plan":"pro","src":"app"}'),
        ("u2", '{"coupon":"X1"}'),
        ("u3", "{}"),
    ]


def test_mapping_to_a_column_the_file_lacks_names_the_setting(target, open_workspace, write_file):
    target.settings = Settings(columns={"customer_id": "user"})
    path = write_file(
        "events.csv",
        """
        customer_id,ts,event
        c1,2026-01-01T10:00:00Z,page_view
        """,
    )

    error = load_fails(target, path)

    message = str(error)
    assert isinstance(error, JejakError)
    assert "maps 'customer_id' to column 'user'" in message
    assert "columns found: customer_id, ts, event" in message
    assert "fix 'columns.customer_id'" in message


def test_mapping_an_unknown_field_in_settings_is_a_config_error():
    with pytest.raises(ConfigError) as caught:
        jejak.parse_settings("timezone: UTC\ncolumns:\n  user_id: user\n", "jejak.yaml")
    message = str(caught.value)
    assert message.startswith("jejak.yaml line 3: 'columns': 'user_id' is not a touchpoint field")
    assert "map one of event_id, customer_id" in message


# -- time ----------------------------------------------------------------------------------


def test_naive_time_is_read_in_the_workspace_zone(open_workspace, write_file):
    ws = open_workspace(Settings(timezone="Asia/Jakarta"))
    path = write_file(
        "events.csv",
        """
        customer_id,ts,event
        c1,2026-01-01 10:00:00,page_view
        """,
    )

    ws.load(path)

    assert stored(ws, "ts") == [(utc(2026, 1, 1, 3),)]


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2026-01-01 10:00:00+00:00", utc(2026, 1, 1, 10)),
        ("2026-01-01T10:00:00Z", utc(2026, 1, 1, 10)),
        ("2026-01-01T10:00:00+07:00", utc(2026, 1, 1, 3)),
    ],
)
def test_time_with_an_offset_is_stored_as_written(open_workspace, write_file, written, instant):
    ws = open_workspace(Settings(timezone="Asia/Jakarta"))
    path = write_file("events.csv", f"customer_id,ts,event\nc1,{written},page_view")

    ws.load(path)

    assert stored(ws, "ts") == [(instant,)]


@pytest.mark.parametrize(
    ("zone", "instant"),
    [("UTC", utc(2026, 1, 31, 10)), ("Asia/Jakarta", utc(2026, 1, 31, 3))],
)
def test_ts_format_parses_day_first_times(open_workspace, write_file, zone, instant):
    ws = open_workspace(Settings(timezone=zone, ts_format="%d/%m/%Y %H:%M"))
    path = write_file("events.csv", "customer_id,ts,event\nc1,31/01/2026 10:00,page_view")

    ws.load(path)

    assert stored(ws, "ts") == [(instant,)]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta"])
def test_epoch_seconds_and_milliseconds_are_utc_instants(open_workspace, write_file, zone):
    # an epoch number is an instant; the workspace zone must not shift it
    ws = open_workspace(Settings(timezone=zone))
    path = write_file(
        "events.csv",
        """
        customer_id,ts,event
        c1,1767225600,seconds
        c1,1767261600123,millis
        """,
    )

    assert ws.load(path).stored == 2
    assert stored(ws, "event", "ts") == [
        ("seconds", utc(2026, 1, 1, 0)),
        ("millis", utc(2026, 1, 1, 10, 0, 0, 123000)),
    ]


def test_a_cell_loses_the_spaces_at_its_ends_only(open_workspace, tmp_path):
    # spaces end where a value is trimmed (inner spaces and tabs stay); a cell of spaces
    # is empty; nine digits are epoch seconds too, and an ISO time of ten characters is
    # no epoch
    path = tmp_path / "spaces.csv"
    path.write_text(
        "customer_id,anonymous_id,ts,event,channel,properties\n"
        '"  c1 ",,2026-01-01T10:00:00Z, buka halaman,"\tiklan "," {""a"": 1} "\n'
        '"   ",a2, 2026-01-01T11:00:00Z ,kunjungan,web,\n'
        "c3,,999999999,lama,,\n"
        "c4,,2026-01-02,harian,,\n",
        "utf-8",
    )
    ws = open_workspace()

    assert ws.load(path).stored == 4
    assert stored(ws, "customer_id", "anonymous_id", "event", "channel", "ts", "properties") == [
        ("c3", None, "lama", None, utc(2001, 9, 9, 1, 46, 39), "{}"),
        ("c1", None, "buka halaman", "\tiklan", utc(2026, 1, 1, 10), '{"a":1}'),
        (None, "a2", "kunjungan", "web", utc(2026, 1, 1, 11), "{}"),
        ("c4", None, "harian", None, utc(2026, 1, 2), "{}"),
    ]


# -- event ids -----------------------------------------------------------------------------


def test_loading_the_same_file_twice_stores_nothing_new(open_workspace, write_file):
    ws = open_workspace()
    path = write_file(
        "events.csv",
        """
        customer_id,ts,event
        c1,2026-01-01T10:00:00Z,page_view
        c1,2026-01-01T11:00:00Z,order
        c2,2026-01-01T12:00:00Z,page_view
        """,
    )
    first = ws.load(path)

    second = ws.load(path)

    assert (first.stored, first.already_stored) == (3, 0)
    assert (second.rows_read, second.stored, second.already_stored) == (3, 0, 3)
    assert ws.count() == 3


def test_identical_rows_in_one_file_are_both_kept(open_workspace, write_file):
    ws = open_workspace()
    path = write_file(
        "events.csv",
        """
        customer_id,ts,event
        c1,2026-01-01T10:00:00Z,add_to_cart
        c1,2026-01-01T10:00:00Z,add_to_cart
        """,
    )

    summary = ws.load(path)
    again = ws.load(path)

    assert (summary.stored, summary.duplicates_in_file) == (2, 0)
    assert (again.stored, again.already_stored) == (0, 2)
    ids = stored(ws, "event_id")
    assert len(ids) == 2
    assert len(set(ids)) == 2


def test_growing_file_stores_only_the_new_copy_of_a_repeated_row(open_workspace, write_file):
    ws = open_workspace()
    row = "c1,2026-01-01T10:00:00Z,add_to_cart"
    ws.load(write_file("day1.csv", f"customer_id,ts,event\n{row}\n{row}"))

    summary = ws.load(write_file("day2.csv", f"customer_id,ts,event\n{row}\n{row}\n{row}"))

    assert (summary.stored, summary.already_stored) == (1, 2)
    assert ws.count() == 3


@pytest.mark.parametrize(
    "written",
    ["2026-01-01 17:00:00+07:00", "2026-01-01 10:00:00", "1767261600", "1767261600000"],
)
def test_same_instant_in_another_notation_is_already_stored(open_workspace, write_file, written):
    ws = open_workspace()
    ws.load(write_file("first.csv", "customer_id,ts,event\nc1,2026-01-01T10:00:00Z,order"))

    summary = ws.load(write_file("again.csv", f"customer_id,ts,event\nc1,{written},order"))

    assert (summary.stored, summary.already_stored) == (0, 1)
    assert ws.count() == 1


def test_event_id_repeated_with_the_same_content_is_kept_once(open_workspace, write_file):
    ws = open_workspace()
    path = write_file(
        "events.csv",
        """
        event_id,customer_id,ts,event
        e1,c1,2026-01-01T10:00:00Z,page_view
        e1,c1,2026-01-01T10:00:00Z,page_view
        e2,c1,2026-01-01T11:00:00Z,order
        """,
    )

    summary = ws.load(path)
    again = ws.load(path)

    assert (summary.rows_read, summary.stored, summary.duplicates_in_file) == (3, 2, 1)
    assert (summary.already_stored, summary.conflicts, summary.rejects_file) == (0, 0, None)
    assert (again.stored, again.already_stored, again.duplicates_in_file) == (0, 2, 1)
    assert stored(ws, "event_id", "ts", "event") == [
        ("e1", utc(2026, 1, 1, 10), "page_view"),
        ("e2", utc(2026, 1, 1, 11), "order"),
    ]


# -- files that cannot be loaded ----------------------------------------------------------


def test_empty_file_is_refused(target, tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(b"")

    error = load_fails(target, path)

    assert str(error) == f"{path}: the file is empty; it needs a header row and touchpoints"


def test_header_without_rows_is_refused(target, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n")

    error = load_fails(target, path)

    assert str(error) == f"{path}: the file has a header but no touchpoints; nothing to load"


@pytest.mark.parametrize(
    ("missing", "header", "row"),
    [
        ("ts", "customer_id,event", "c1,page_view"),
        ("event", "customer_id,ts", "c1,2026-01-01T10:00:00Z"),
    ],
)
def test_missing_required_column_lists_columns_and_how_to_map(
    target, write_file, missing, header, row
):
    path = write_file("events.csv", f"{header}\n{row}")

    error = load_fails(target, path)

    message = str(error)
    assert f"{path}: no '{missing}' column" in message
    assert f"(columns found: {header.replace(',', ', ')})" in message
    assert f"rename your column to '{missing}'" in message
    assert f"columns: {{{missing}: your_column}}" in message


def test_file_without_a_person_column_is_refused(target, write_file):
    path = write_file("events.csv", "user,ts,event\nu1,2026-01-01T10:00:00Z,page_view")

    error = load_fails(target, path)

    message = str(error)
    assert f"{path}: no 'customer_id' or 'anonymous_id' column" in message
    assert "(columns found: user, ts, event)" in message
    assert "rename or map one in jejak.yaml 'columns'" in message


def test_unknown_file_type_is_refused(target, tmp_path):
    path = tmp_path / "events.pdf"
    path.write_bytes(b"%PDF-1.7")

    error = load_fails(target, path)

    assert str(error).startswith(f"{path}: unknown file type; name it .csv, .tsv, .xlsx, .parquet")


def test_missing_file_is_refused(target, tmp_path):
    path = tmp_path / "nowhere.csv"

    error = load_fails(target, path)

    assert str(error) == f"{path}: no such file; check the path"


LATIN_1 = b"customer_id,ts,event,note\nc1,2026-01-01T10:00:00Z,page_view,caf\xe9\n"


def test_latin1_file_loads_with_encoding_setting(open_workspace, tmp_path):
    ws = open_workspace(Settings(encoding="latin-1"))
    path = tmp_path / "events.csv"
    path.write_bytes(LATIN_1)

    assert ws.load(path).stored == 1
    assert stored(ws, "customer_id", "properties") == [("c1", '{"note":"café"}')]


# -- rows that cannot be loaded ------------------------------------------------------------

# (bad data row, field named, value shown in the message or None, start of the reason, the fix)
BAD_ROWS = {
    "unparseable ts": (
        "c2,31/02/2026,page_view,,,",
        "ts",
        "31/02/2026",
        "is not a time",
        "use ISO 8601 like 2026-02-01T10:00:00+07:00, or set ts_format",
    ),
    "ts in year 3000": (
        "c2,3000-01-01T00:00:00Z,page_view,,,",
        "ts",
        "3000-01-01T00:00:00Z",
        "is outside 1990 to tomorrow",
        "check the year, the time zone or ts_format",
    ),
    "ts before 1990": (
        "c2,1989-12-31T00:00:00Z,page_view,,,",
        "ts",
        "1989-12-31T00:00:00Z",
        "is outside 1990 to tomorrow",
        "check the year, the time zone or ts_format",
    ),
    "empty ts": ("c2,,page_view,,,", "ts", None, "is empty", "every touchpoint needs a time"),
    "empty event": (
        "c2,2026-01-01T11:00:00Z,,,,",
        "event",
        None,
        "is empty",
        "every touchpoint needs a name such as page_view",
    ),
    "no person": (
        ",2026-01-01T11:00:00Z,page_view,,,",
        "customer_id",
        None,
        "and anonymous_id are both empty",
        "every touchpoint needs one of them",
    ),
    "revenue not a number": (
        "c2,2026-01-01T11:00:00Z,order,abc,,",
        "revenue",
        "abc",
        "is not a number",
        "write digits with a dot for decimals, like 1234.5",
    ),
    "negative revenue on an order": (
        "c2,2026-01-01T11:00:00Z,order,-5,IDR,",
        "revenue",
        "-5",
        "is negative",
        "only refund touchpoints may be (see roles: refund in jejak.yaml)",
    ),
    "currency not a code": (
        "c2,2026-01-01T11:00:00Z,order,5,rupiah,",
        "currency",
        "rupiah",
        "is not a 3-letter ISO 4217 code",
        "like IDR or USD",
    ),
    "properties an array": (
        'c2,2026-01-01T11:00:00Z,order,5,IDR,"[1,2]"',
        "properties",
        "[1,2]",
        "is not a JSON object",
        'like {"plan": "pro"}',
    ),
    "properties not JSON": (
        "c2,2026-01-01T11:00:00Z,order,5,IDR,{bad",
        "properties",
        "{bad",
        "is not a JSON object",
        'like {"plan": "pro"}',
    ),
}


@pytest.mark.parametrize(
    ("bad", "field", "value", "reason", "fix"), BAD_ROWS.values(), ids=BAD_ROWS
)
def test_bad_row_names_file_row_field_and_fix_and_stores_nothing(
    target, write_file, bad, field, value, reason, fix
):
    path = write_file("events.csv", "\n".join([HEADER, GOOD_1, bad, GOOD_3]))

    error = load_fails(target, path)

    message = str(error)
    shown = "" if value is None else f" {value!r}"
    assert message.startswith(f"{path} row 2: '{field}'{shown} {reason}")
    assert fix in message
    assert "Nothing was stored (2 valid rows would have been)" in message
    assert "more invalid rows" not in message
    assert (error.invalid_rows, error.valid_rows) == (1, 2)
    assert [(r["row"], r["field"], r["value"]) for r in error.rejected] == [(2, field, value)]


def test_negative_revenue_is_allowed_on_a_refund(open_workspace, write_file):
    ws = open_workspace()
    path = write_file(
        "events.csv",
        """
        customer_id,ts,event,revenue,currency
        c1,2026-01-01T10:00:00Z,order,100,IDR
        c1,2026-01-02T10:00:00Z,refund,-100,IDR
        """,
    )

    assert ws.load(path).stored == 2
    assert stored(ws, "event", "revenue") == [("order", 100.0), ("refund", -100.0)]


def test_refund_events_setting_names_the_refunds(open_workspace, write_file):
    ws = open_workspace(Settings(refund_events=["chargeback"]))
    chargeback = write_file(
        "chargeback.csv", "customer_id,ts,event,revenue\nc1,2026-01-02T10:00:00Z,chargeback,-40"
    )
    refund = write_file(
        "refund.csv", "customer_id,ts,event,revenue\nc1,2026-01-03T10:00:00Z,refund,-40"
    )

    assert ws.load(chargeback).stored == 1
    error = load_fails(ws, refund)  # 'refund' is no longer a refund event

    assert str(error).startswith(f"{refund} row 1: 'revenue' '-40' is negative")
    assert stored(ws, "event", "revenue") == [("chargeback", -40.0)]


def test_error_starts_at_the_earliest_bad_row_and_counts_the_rest(target, write_file):
    path = write_file(
        "events.csv",
        "\n".join(
            [
                HEADER,
                GOOD_1,
                "c2,2026-01-01T11:00:00Z,order,abc,,",  # row 2: revenue
                "c2,2026-01-01T11:00:00Z,,,,",  # row 3: event
                GOOD_3,
                "c4,nope,order,,,",  # row 5: ts
                "c5,2026-01-01T13:00:00Z,signup,,,",
            ]
        ),
    )

    error = load_fails(target, path)

    message = str(error)
    assert message.startswith(f"{path} row 2: 'revenue' 'abc' is not a number")
    assert "(and 2 more invalid rows)" in message
    assert "Nothing was stored (3 valid rows would have been)" in message
    assert "--skip-invalid" in message
    assert (error.invalid_rows, error.valid_rows) == (3, 3)
    assert [(r["row"], r["field"]) for r in error.rejected] == [
        (2, "revenue"),
        (3, "event"),
        (5, "ts"),
    ]


def test_row_with_two_problems_is_counted_once(open_workspace, write_file):
    ws = open_workspace()
    path = write_file("events.csv", "\n".join([HEADER, GOOD_1, "c2,nope,,abc,rupiah,[", GOOD_3]))

    error = load_fails(ws, path)

    # the event is checked first, so that is the problem named
    assert str(error).startswith(f"{path} row 2: 'event' is empty")
    assert (error.invalid_rows, error.valid_rows) == (1, 2)


# -- skip_invalid ----------------------------------------------------------------------------

MIXED = "\n".join(
    [
        HEADER,
        GOOD_1,
        "c2,nope,page_view,,,",  # row 2
        "c2,2026-01-01T11:00:00Z,order,abc,,",  # row 3
        GOOD_3,
        "c4,2026-01-01T13:00:00Z,order,-1,,",  # row 5
    ]
)


def read_rejects(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_skip_invalid_stores_valid_rows_and_writes_rejects_beside_the_file(
    target, write_file, tmp_path
):
    before = target.count()
    path = write_file("events.csv", MIXED)

    summary = target.load(path, skip_invalid=True)

    rejects = tmp_path / "events.csv.rejected.csv"
    assert (summary.rows_read, summary.stored, summary.rejected) == (5, 2, 3)
    assert summary.rejects_file == str(rejects)
    assert target.count() == before + 2
    assert stored(target, "customer_id", "ts")[-2:] == [
        ("c1", utc(2026, 1, 1, 10)),
        ("c3", utc(2026, 1, 1, 12)),
    ]
    with rejects.open(newline="", encoding="utf-8") as f:
        assert next(csv.reader(f))[:3] == REJECTS_HEADER
    rows = read_rejects(rejects)
    assert [(r["_jejak_row"], r["_jejak_field"], r["customer_id"]) for r in rows] == [
        ("2", "ts", "c2"),
        ("3", "revenue", "c2"),
        ("5", "revenue", "c4"),
    ]
    assert rows[0]["_jejak_reason"].startswith("is not a time")
    assert rows[1]["_jejak_reason"].startswith("is not a number")
    assert rows[2]["_jejak_reason"].startswith("is negative")
    # the rejected rows as they were in the file, under the file's own column names
    assert [rows[0]["ts"], rows[1]["revenue"], rows[2]["revenue"]] == [
        "nope",
        "abc",
        "-1",
    ]


def test_skip_invalid_writes_rejects_to_a_given_path(open_workspace, write_file, tmp_path):
    ws = open_workspace()
    path = write_file("events.csv", MIXED)
    rejects = tmp_path / "review" / "bad-rows.csv"
    rejects.parent.mkdir()

    summary = ws.load(path, skip_invalid=True, rejects_path=rejects)

    assert summary.rejects_file == str(rejects)
    assert not (tmp_path / "events.csv.rejected.csv").exists()
    assert [(r["_jejak_row"], r["_jejak_field"]) for r in read_rejects(rejects)] == [
        ("2", "ts"),
        ("3", "revenue"),
        ("5", "revenue"),
    ]
    assert ws.count() == 2


def test_rejected_rows_are_kept_in_the_workspace_with_the_load(
    open_workspace, write_file, monkeypatch
):
    ws = open_workspace()
    path = write_file("events.csv", MIXED)
    with pytest.raises(LoadError):
        ws.load(path)  # all or nothing: a refused file keeps no rejected rows either
    assert ws.rejected().empty
    summary = ws.load(path, skip_invalid=True, name="nightly export")
    kept = ws.rejected()
    assert kept["load_id"].unique().tolist() == [summary.load_id]
    assert kept["file"].unique().tolist() == ["nightly export"]
    assert [(r.row, r.field) for r in kept.itertuples()] == [
        (2, "ts"),
        (3, "revenue"),
        (5, "revenue"),
    ]
    assert json.loads(kept["record"].iloc[0])["ts"] == "nope"  # the row as it was
    assert kept["reason"].iloc[2].startswith("is negative")
    assert ws.loads()["file"].tolist() == ["nightly export"]
    monkeypatch.setattr(loading, "KEPT_REJECTS", 2)  # a very bad file keeps only the first
    again = ws.load(write_file("again.csv", MIXED), skip_invalid=True)
    assert ws.rejected(again.load_id)["row"].tolist() == [2, 3]
    assert again.rejected == 3  # counted and written to the side file all the same


def test_skip_invalid_with_all_rows_valid_writes_no_side_file(open_workspace, write_file, tmp_path):
    ws = open_workspace()
    path = write_file("events.csv", "\n".join([HEADER, GOOD_1, GOOD_3]))

    summary = ws.load(path, skip_invalid=True)

    assert (summary.stored, summary.rejected, summary.rejects_file) == (2, 0, None)
    assert not (tmp_path / "events.csv.rejected.csv").exists()


# -- the load record and progress ------------------------------------------------------------


def test_loads_records_each_load(open_workspace, write_file):
    ws = open_workspace()
    good = write_file("good.csv", "\n".join([HEADER, GOOD_1, GOOD_3]))
    mixed = write_file("mixed.csv", MIXED)
    bad = write_file("bad.csv", "\n".join([HEADER, GOOD_1, "c2,nope,page_view,,,"]))

    ws.load(good)
    ws.load(mixed, skip_invalid=True)  # its 2 valid rows are good.csv's rows
    ws.load(good)
    with pytest.raises(LoadError):
        ws.load(bad)

    loads = ws.loads()
    columns = ["load_id", "file", "rows_read", "rows_stored", "rows_rejected", "rows_repeated"]
    assert loads[columns].values.tolist() == [
        [1, str(good), 2, 2, 0, 0],
        [2, str(mixed), 5, 0, 3, 0],
        [3, str(good), 2, 0, 0, 0],
    ]
    assert loads["rejects_file"].tolist()[1] == f"{mixed}.rejected.csv"
    assert ws.con.execute("SELECT DISTINCT load_id FROM touchpoints").fetchall() == [(1,)]


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        # a first load into an empty workspace: stored as its rows are checked
        (False, ["checking rows", "stitching journeys"]),
        (
            True,
            [
                "checking rows",
                "deriving event ids",
                "matching event ids",
                "storing touchpoints",
                "stitching journeys",
            ],
        ),
    ],
)
def test_progress_reports_every_step_and_ends_each_at_one(
    open_workspace, write_file, earlier, expected
):
    ws = open_workspace()
    if earlier:
        ws.load(write_file("earlier.csv", "\n".join([HEADER, GOOD_1])))
    path = write_file("events.csv", "\n".join([HEADER, GOOD_1, GOOD_3]))
    reports: list[tuple[str, float | None]] = []

    ws.load(path, on_progress=lambda step, done: reports.append((step, done)))

    steps = list(dict.fromkeys(step for step, _ in reports))
    assert steps == expected  # a plain file is read once, as its rows are checked
    for step in steps:
        fractions = [done for s, done in reports if s == step]
        assert fractions[0] == 0.0
        assert fractions[-1] == 1.0
        assert all(done is None or 0.0 <= done <= 1.0 for done in fractions)


# -- identity mapping files -----------------------------------------------------------------


def links(ws: jejak.Workspace) -> list[tuple]:
    return ws.con.execute(
        "SELECT anonymous_id, customer_id FROM identity_links ORDER BY ALL"
    ).fetchall()


def test_load_identities_stores_links(open_workspace, write_file):
    ws = open_workspace()
    path = write_file(
        "identities.csv",
        """
        anonymous_id,customer_id
        d1,c1
        d2,c1
        d3,c2
        """,
    )

    assert ws.load_identities(path) == 3
    assert links(ws) == [("d1", "c1"), ("d2", "c1"), ("d3", "c2")]


def test_load_identities_twice_adds_nothing(open_workspace, write_file):
    ws = open_workspace()
    path = write_file("identities.csv", "anonymous_id,customer_id\nd1,c1\nd2,c1")

    assert ws.load_identities(path) == 2
    assert ws.load_identities(path) == 0
    assert links(ws) == [("d1", "c1"), ("d2", "c1")]


@pytest.mark.parametrize("bad", ["d3,", ",c3"])
def test_load_identities_with_a_missing_id_stores_nothing(open_workspace, write_file, bad):
    ws = open_workspace()
    ws.load_identities(write_file("earlier.csv", "anonymous_id,customer_id\nd1,c1"))
    loads_before = len(ws.loads())
    path = write_file("identities.csv", f"anonymous_id,customer_id\nd2,c2\n{bad}\nd4,c4")

    with pytest.raises(LoadError) as caught:
        ws.load_identities(path)

    message = str(caught.value)
    assert message.startswith(f"{path} row ")
    assert "is empty; every row links an anonymous_id to a customer_id" in message
    assert "Nothing was stored; fill or remove those rows" in message
    assert links(ws) == [("d1", "c1")]
    assert len(ws.loads()) == loads_before


def test_load_identities_error_names_the_row(open_workspace, write_file):
    ws = open_workspace()
    path = write_file("identities.csv", "anonymous_id,customer_id\nd2,c2\nd3,\nd4,c4")

    with pytest.raises(LoadError, match=r"row 2\b.*'customer_id'"):
        ws.load_identities(path)


def test_load_identities_records_rows_read(open_workspace, write_file):
    ws = open_workspace()
    path = write_file("identities.csv", "anonymous_id,customer_id\nd1,c1\nd2,c1")

    ws.load_identities(path)
    ws.load_identities(path)

    loads = ws.loads()
    assert loads[["rows_read", "rows_stored"]].values.tolist() == [[2, 2], [2, 0]]


def test_row_with_an_unquoted_delimiter_is_named(open_workspace, write_file):
    ws = open_workspace()
    path = write_file(
        "ragged.csv",
        """
        customer_id,ts,event,properties
        c1,2026-01-01 00:00:00,page_view,
        c2,2026-01-01 00:00:00,page_view,[1,2]
        """,
    )
    with pytest.raises(LoadError) as caught:
        ws.load(path)
    assert str(caught.value).startswith(f"{path} row 2: has 5 fields but the header has 4;")
    assert "quote values that contain the delimiter" in str(caught.value)
    assert ws.count() == 0


def test_a_fixed_rejects_file_loads_as_it_is(open_workspace, write_file, tmp_path):
    ws = open_workspace()
    path = write_file(
        "orders.csv",
        """
        customer_id,ts,event,revenue,plan
        c1,2026-01-01 10:00:00,order,100,basic
        c2,2026-01-01 11:00:00,order,-5,pro
        """,
    )
    ws.load(path, skip_invalid=True)
    rejects = tmp_path / "orders.csv.rejected.csv"
    rows = read_rejects(rejects)
    assert [(r["customer_id"], r["revenue"], r["plan"]) for r in rows] == [("c2", "-5", "pro")]

    rejects.write_text(rejects.read_text().replace(",-5,", ",5,"), "utf-8")  # the fix
    summary = ws.load(rejects)
    assert (summary.stored, summary.rejected) == (1, 0)
    stored_row = ws.con.execute(
        "SELECT revenue, properties FROM touchpoints WHERE customer_id = 'c2'"
    ).fetchall()
    assert stored_row == [(5.0, '{"plan":"pro"}')]  # the _jejak_ columns are not kept


def test_ts_format_is_not_mistaken_for_epoch_seconds(open_workspace, write_file):
    ws = open_workspace(Settings(ts_format="%Y%m%d%H"))
    ws.load(write_file("hours.csv", "customer_id,ts,event\nc1,2026010110,page_view"))
    assert ws.con.execute("SELECT ts FROM touchpoints").fetchall()[0][0] == utc(2026, 1, 1, 10)
