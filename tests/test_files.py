"""Files as shops have them: local amounts, Excel workbooks, other encodings, folders,
very long lines and event ids reused for other content.

Every file is a few hand-written rows; each error must name the file, the row, the field
and the fix, and a failed load must leave what was stored before as it was.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

import jejak
from jejak import ConfigError, LoadError, Settings
from jejak.cli import app
from jejak.store.storage import SCHEMA_VERSION

GOOD = "customer_id,ts,event\nc8,2025-12-01T08:00:00Z,page_view\nc9,2025-12-01T09:00:00Z,order\n"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def stored(ws: jejak.Workspace, *columns: str) -> list[tuple]:
    return ws.con.execute(
        f"SELECT {', '.join(columns)} FROM touchpoints ORDER BY ts, event, customer_id"
    ).fetchall()


@pytest.fixture
def holding(open_workspace, tmp_path) -> jejak.Workspace:
    """A workspace that already holds 2 touchpoints from a good load."""
    ws = open_workspace(Settings(timezone="Asia/Jakarta"))
    (tmp_path / "earlier.csv").write_text(GOOD, "utf-8")
    assert ws.load(tmp_path / "earlier.csv").stored == 2
    return ws


def refused(ws: jejak.Workspace, path: Path) -> str:
    """Load ``path``, expect a LoadError naming it, prove nothing stored was lost."""
    before = (stored(ws, "*"), ws.loads()["load_id"].tolist())
    with pytest.raises(LoadError) as caught:
        ws.load(path)
    assert (stored(ws, "*"), ws.loads()["load_id"].tolist()) == before
    message = str(caught.value)
    assert message.startswith(str(path)), message
    return message


def write_sheet(path: Path, rows: list[list], title: str = "Sheet1", more: dict | None = None):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, extra in (more or {}).items():
        other = book.create_sheet(name)
        for row in extra:
            other.append(row)
    book.save(path)
    return path


def read_rejects(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# -- amounts as shops write them -------------------------------------------------------------


def test_semicolon_file_with_rupiah_and_decimal_commas_is_detected(holding, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id;ts;event;revenue\n"
        "c1;2026-01-01T10:00:00Z;order;150000,50\n"
        "c2;2026-01-01T11:00:00Z;order;Rp 150.000\n"
        "c3;2026-01-01T12:00:00Z;order;IDR 1.250.000\n"
        "c4;2026-01-01T13:00:00Z;order;Rp150.000,50\n"
        "c5;2026-01-01T14:00:00Z;refund;-Rp 20.000\n",
        "utf-8",
    )

    summary = holding.load(path)

    assert summary.stored == 5
    assert "revenue read with decimal ',' and thousands '.' (detected" in str(summary)
    assert stored(holding, "customer_id", "revenue", "currency")[2:] == [
        ("c1", 150000.5, None),
        ("c2", 150000.0, "IDR"),
        ("c3", 1250000.0, "IDR"),
        ("c4", 150000.5, "IDR"),
        ("c5", -20000.0, "IDR"),
    ]


def test_detected_amounts_are_checked_in_the_checks_order(open_workspace, tmp_path):
    # the marks are detected from the checked rows, whose revenue is then read and checked:
    # each row's first failing check is the one the settings' marks would have found
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id;ts;event;revenue;currency;properties\n"
        "c1;2026-01-01T10:00:00Z;order;1.234,5;;\n"
        "c2;yesterday;order;12x;;\n"
        'c3;2026-01-01T12:00:00Z;order;12x;;{"bad\n'
        "c4;2026-01-01T13:00:00Z;order;Rp 5.000;USD;\n"
        "c5;2026-01-01T14:00:00Z;order;-5,5;;\n"
        "c6;2026-01-01T15:00:00Z;order;;;[1]\n"
        "c7;2026-01-01T16:00:00Z;refund;-7,25;;\n",
        "utf-8",
    )
    answers = []
    for name, settings in (("detected", Settings()), ("set", Settings(decimal=","))):
        ws = open_workspace(settings, f"{name}.duckdb")
        summary = ws.load(path, skip_invalid=True, rejects_path=tmp_path / "rejected.csv")
        rejected = ws.rejected()[["row", "field", "reason"]].values.tolist()
        answers.append((summary.stored, stored(ws, "customer_id", "revenue"), rejected))

    assert answers[0] == answers[1]
    count, rows, rejected = answers[0]
    assert (count, rows) == (2, [("c1", 1234.5), ("c7", -7.25)])
    assert [(row, field) for row, field, _ in rejected] == [
        (2, "ts"),
        (3, "revenue"),
        (4, "currency"),
        (5, "revenue"),
        (6, "properties"),
    ]
    assert rejected[1][2].startswith("is not a number; write digits with a comma for decimals")
    assert rejected[3][2].startswith("is negative")
    # the rejected rows keep the amount as written, in the side file and the workspace
    side = list(csv.DictReader((tmp_path / "rejected.csv").open(encoding="utf-8")))
    assert [r["revenue"] for r in side] == ["12x", "12x", "Rp 5.000", "-5,5", ""]


def test_dollar_amounts_with_thousands_commas_are_detected(open_workspace, tmp_path):
    ws = open_workspace()
    path = tmp_path / "orders.csv"
    path.write_text(
        'customer_id,ts,event,revenue\nc1,2026-01-01T10:00:00Z,order,"$1,234.50"\n'
        "c2,2026-01-01T11:00:00Z,order,12.5\nc3,2026-01-01T12:00:00Z,order,USD 7\n",
        "utf-8",
    )

    summary = ws.load(path)

    assert "revenue read" not in str(summary)  # the usual marks need no word
    # '$' names many currencies, so it fills nothing; a code does
    assert stored(ws, "customer_id", "revenue", "currency") == [
        ("c1", 1234.5, None),
        ("c2", 12.5, None),
        ("c3", 7.0, "USD"),
    ]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, 150.0),  # a comma-separated file without evidence: '.' is the decimal mark
        ({"decimal": ","}, 150000.0),
        ({"thousands": "."}, 150000.0),
        ({"decimal": ",", "thousands": ""}, None),  # then 150.000 is no number at all
    ],
)
def test_ambiguous_amount_is_read_as_the_settings_say(open_workspace, tmp_path, settings, expected):
    ws = open_workspace(Settings(**settings))
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,ts,event,revenue\nc1,2026-01-01T10:00:00Z,order,150.000\n")

    if expected is None:
        message = refused(ws, path)
        assert message.startswith(f"{path} row 1: 'revenue' '150.000' is not a number;")
        assert "write digits with a comma for decimals, like 1234,5" in message
        assert "set decimal and thousands in jejak.yaml" in message
        return
    assert ws.load(path).stored == 1
    assert stored(ws, "revenue") == [(expected,)]


def test_semicolon_separator_setting_and_rupiah_without_decimals(open_workspace, tmp_path):
    ws = open_workspace(Settings(separator=";"))
    path = tmp_path / "orders.txt"
    path.write_text("customer_id;ts;event;revenue\nc1;2026-01-01T10:00:00Z;order;150.000\n")

    assert ws.load(path).stored == 1
    assert stored(ws, "revenue") == [(150000.0,)]


def test_amounts_that_disagree_on_the_decimal_mark_stop_the_load(holding, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id;ts;event;revenue\nc1;2026-01-01T10:00:00Z;order;150000,50\n"
        "c2;2026-01-01T11:00:00Z;order;7\nc3;2026-01-01T12:00:00Z;order;12.5\n"
    )

    message = refused(holding, path)

    assert message == (
        f"{path} rows 1 and 3: 'revenue' is written with a decimal comma ('150000,50', row 1)"
        " and with a decimal dot ('12.5', row 3); make them agree, or set decimal (and"
        " thousands) in jejak.yaml"
    )


def test_rupiah_thousands_and_a_decimal_dot_disagree(holding, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id;ts;event;revenue\nc1;2026-01-01T10:00:00Z;order;Rp 150.000\n"
        "c2;2026-01-01T11:00:00Z;order;1.5\n"
    )

    message = refused(holding, path)

    assert message == (
        f"{path} rows 1 and 2: 'revenue' is written with a decimal comma ('Rp 150.000', row 1)"
        " and with a decimal dot ('1.5', row 2); make them agree, or set decimal (and"
        " thousands) in jejak.yaml"
    )


def test_currency_that_differs_from_the_amounts_is_refused(holding, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id;ts;event;revenue;currency\nc1;2026-01-01T10:00:00Z;order;Rp 150.000;USD\n"
    )

    message = refused(holding, path)

    assert message.startswith(
        f"{path} row 1: 'currency' 'USD' is not the currency written with the revenue"
        " amount; make them agree"
    )


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("decimal: ';'", "decimal", "is not a decimal mark; write '.' or ','"),
        ("decimal: ','\nthousands: ','", "thousands", "is also the decimal mark"),
        ("separator: ';;'", "separator", "is not one character"),
        ("max_line_size: 0", "max_line_size", "greater than 0"),
    ],
)
def test_file_settings_are_checked(text, key, says):
    with pytest.raises(ConfigError) as caught:
        jejak.parse_settings(text)
    assert f"'{key}'" in str(caught.value) and says in str(caught.value)


# -- Excel workbooks -------------------------------------------------------------------------


def test_xlsx_first_sheet_with_time_cells_in_the_workspace_zone(holding, tmp_path):
    path = write_sheet(
        tmp_path / "orders.xlsx",
        [
            ["customer_id", "ts", "event", "revenue", "note"],
            ["00123", datetime(2026, 1, 2, 10, 30), "order", 150000, "first"],
            [456, datetime(2026, 1, 2, 11, 0), "order", 1250.5, None],
        ],
        more={"Other": [["customer_id", "ts", "event"], ["x", "2026-01-01", "page_view"]]},
    )

    summary = holding.load(path)

    assert (summary.rows_read, summary.stored) == (2, 2)
    assert stored(holding, "customer_id", "ts", "revenue", "properties")[2:] == [
        ("00123", utc(2026, 1, 2, 3, 30), 150000.0, '{"note":"first"}'),  # 10:30 in Jakarta
        ("456", utc(2026, 1, 2, 4, 0), 1250.5, "{}"),
    ]


def test_xlsx_named_sheet_text_amounts_and_ts_format(open_workspace, tmp_path):
    ws = open_workspace(Settings(sheet="Orders", ts_format="%d/%m/%Y %H:%M"))
    path = write_sheet(
        tmp_path / "shop.xlsx",
        [["not", "this"], [1, 2]],
        more={
            "Orders": [
                ["customer_id", "ts", "event", "revenue"],
                ["c1", "02/01/2026 10:30", "order", "Rp 150.000"],  # text in ts_format
                ["c2", datetime(2026, 1, 2, 11, 0), "order", "Rp 1.250.000,50"],  # a real time
            ]
        },
    )

    assert ws.load(path).stored == 2
    assert stored(ws, "customer_id", "ts", "revenue", "currency") == [
        ("c1", utc(2026, 1, 2, 10, 30), 150000.0, "IDR"),
        ("c2", utc(2026, 1, 2, 11), 1250000.5, "IDR"),
    ]


def test_xlsx_errors_name_the_row_below_the_header(holding, tmp_path):
    path = write_sheet(
        tmp_path / "orders.xlsx",
        [
            ["customer_id", "ts", "event"],
            ["c1", datetime(2026, 1, 2, 10, 30), "order"],
            ["c2", datetime(2026, 1, 2, 10, 30), None],
        ],
    )

    message = refused(holding, path)

    assert message.startswith(f"{path} row 2: 'event' is empty")


def test_xlsx_unknown_sheet_lists_the_sheets(holding, tmp_path):
    holding.settings = Settings(sheet="Orderz", timezone="Asia/Jakarta")
    path = write_sheet(tmp_path / "orders.xlsx", [["customer_id", "ts", "event"]], "Orders")

    message = refused(holding, path)

    assert message == f"{path}: no sheet named 'Orderz' (sheets: Orders); fix 'sheet' in jejak.yaml"


def test_xlsx_renamed_to_csv_says_keep_the_xlsx_name(holding, tmp_path):
    path = write_sheet(tmp_path / "orders.xlsx", [["customer_id", "ts", "event"]])
    path = path.rename(tmp_path / "orders.csv")

    message = refused(holding, path)

    assert message.startswith(f"{path}: this is an Excel workbook (.xlsx), not CSV text;")
    assert "keep (or give back) its .xlsx name" in message


# -- encodings -------------------------------------------------------------------------------

WINDOWS_TEXT = "customer_id,ts,event,note\nc1,2026-01-01T10:00:00Z,order,Café crème 5€\n"


def test_windows_1252_file_is_detected_and_told(holding, tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(WINDOWS_TEXT.encode("cp1252"))

    summary = holding.load(path)

    assert summary.stored == 1
    assert "encoding cp1252 (detected: the file is not UTF-8;" in str(summary)
    assert stored(holding, "properties")[2:] == [('{"note":"Café crème 5€"}',)]


def test_utf16_file_with_byte_order_mark_is_read(holding, tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(WINDOWS_TEXT.encode("utf-16"))

    summary = holding.load(path)

    assert "encoding utf-16 (from its byte-order mark)" in str(summary)
    assert stored(holding, "properties")[2:] == [('{"note":"Café crème 5€"}',)]


def test_named_encoding_keeps_row_numbers(open_workspace, tmp_path):
    ws = open_workspace(Settings(encoding="cp1252"))
    path = tmp_path / "events.csv"
    text = WINDOWS_TEXT + "c2,nope,order,Müller\n"
    path.write_bytes(text.encode("cp1252"))

    message = refused(ws, path)

    assert message.startswith(f"{path} row 2: 'ts' 'nope' is not a time")


def test_unknown_encoding_name_says_what_to_write(holding, tmp_path):
    holding.settings = Settings(encoding="klingon")
    path = tmp_path / "events.csv"
    path.write_text(GOOD)

    message = refused(holding, path)

    assert message == (
        f"{path}: 'encoding' in jejak.yaml is 'klingon', which is not an encoding; use"
        " utf-8, utf-16, latin-1 or cp1252"
    )


# -- very long lines -------------------------------------------------------------------------


def test_a_3_megabyte_field_names_the_row_field_limit_and_fix(holding, tmp_path):
    path = tmp_path / "events.csv"
    blob = "y" * 3_000_000
    path.write_text(
        "customer_id,ts,event,note\nc1,2026-01-01T10:00:00Z,order,short\n"
        f"c2,2026-01-01T11:00:00Z,order,{blob}\n"
    )

    message = refused(holding, path)

    assert message == (
        f"{path} row 2: 'note' is 3,000,000 bytes long, and the line is 3,000,030 bytes,"
        " more than max_line_size (2,000,000 bytes); shorten the field (an unclosed quote"
        " or a pasted blob is the usual cause), or raise max_line_size in jejak.yaml to at"
        " least 3,000,032"
    )
    holding.settings = Settings(max_line_size=3_000_032)
    assert holding.load(path).stored == 2


def test_a_long_field_in_a_semicolon_file_is_named(holding, tmp_path):
    holding.settings = Settings(max_line_size=100)
    path = tmp_path / "events.csv"
    path.write_text(
        f"customer_id;ts;event;note;channel\nc1;2026-01-01T10:00:00Z;order;{'z' * 120};ads\n"
    )

    message = refused(holding, path)

    assert message.startswith(
        f"{path} row 1: 'note' is 120 bytes long, and the line is 154 bytes, more than"
        " max_line_size (100 bytes);"
    )


# -- event ids reused for other content ------------------------------------------------------

PAGE_THEN_ORDER = """event_id,customer_id,ts,event,revenue,currency
e1,c1,2026-01-01T10:00:00Z,page_view,,
e1,c1,2026-01-01T10:05:00Z,order,250000,IDR
e2,c1,2026-01-01T11:00:00Z,page_view,,
"""


def test_event_id_reused_in_a_file_is_a_conflict_told_row_by_row(holding, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(PAGE_THEN_ORDER)

    summary = holding.load(path)

    assert (summary.stored, summary.duplicates_in_file, summary.conflicts) == (2, 0, 1)
    assert summary.conflict_rows == (2,)
    assert str(summary) == (
        f"2 new touchpoints stored from {path}; 1 row not stored (row 2): the event_id was"
        f" taken by other content, first wins; they are written to {path}.rejected.csv"
    )
    reason = (
        "is also the event_id of row 1, with other content (there: page_view at"
        " 2026-01-01 10:00:00 UTC); row 1 was stored, not this row; give every touchpoint"
        " its own event_id"
    )
    rejects = read_rejects(Path(f"{path}.rejected.csv"))
    assert [(r["_jejak_row"], r["_jejak_field"], r["_jejak_reason"]) for r in rejects] == [
        ("2", "event_id", reason)
    ]
    assert (rejects[0]["event"], rejects[0]["revenue"]) == ("order", "250000")
    loads = holding.loads()
    assert loads["rows_conflicting"].tolist() == [0, 1]
    kept = holding.rejected()
    assert kept[["row", "field", "reason"]].values.tolist() == [[2, "event_id", reason]]
    assert holding.count() == 4


def test_invalid_and_conflicting_rows_share_the_rejects_file(open_workspace, tmp_path):
    ws = open_workspace()
    path = tmp_path / "events.csv"
    path.write_text(PAGE_THEN_ORDER + "e3,c1,nope,page_view,,\n")

    summary = ws.load(path, skip_invalid=True)

    assert str(summary) == (
        f"2 new touchpoints stored from {path}; 1 row not stored (row 2): the event_id was"
        " taken by other content, first wins; 1 invalid row and the conflicting rows"
        f" written to {path}.rejected.csv"
    )
    rejects = read_rejects(Path(f"{path}.rejected.csv"))
    assert [(r["_jejak_row"], r["_jejak_field"]) for r in rejects] == [
        ("2", "event_id"),
        ("4", "ts"),
    ]
    assert ws.loads()[["rows_rejected", "rows_conflicting"]].values.tolist() == [[1, 1]]


def test_event_id_stored_with_other_content_is_a_conflict(holding, tmp_path):
    first = tmp_path / "day1.csv"
    first.write_text("event_id,customer_id,ts,event\ne1,c1,2026-01-01T10:00:00Z,page_view\n")
    holding.load(first)
    second = tmp_path / "day2.csv"
    second.write_text(
        "event_id,customer_id,ts,event,revenue\ne1,c1,2026-01-01T10:05:00Z,order,250000\n"
        "e1,c1,2026-01-01T10:00:00Z,page_view,\n"
    )

    summary = holding.load(second)

    # row 2 is what the workspace holds: already stored, not in conflict with row 1
    assert (summary.stored, summary.already_stored, summary.conflicts) == (0, 1, 1)
    assert summary.duplicates_in_file == 0
    rejects = read_rejects(Path(f"{second}.rejected.csv"))
    assert [(r["_jejak_row"], r["_jejak_reason"]) for r in rejects] == [
        (
            "1",
            "is already stored with other content (load 2: page_view at 2026-01-01 10:00:00"
            " UTC); the stored touchpoint was kept, not this row; give this one its own"
            " event_id",
        )
    ]
    assert stored(holding, "event_id", "event")[2:] == [("e1", "page_view")]


def test_same_content_again_is_still_already_stored_not_a_conflict(holding, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("event_id,customer_id,ts,event\ne1,c1,2026-01-01T10:00:00Z,page_view\n")
    holding.load(path)

    again = holding.load(path)

    assert (again.stored, again.already_stored, again.conflicts, again.rejects_file) == (
        0,
        1,
        0,
        None,
    )


def test_workspace_made_before_conflicts_were_counted_opens_and_loads(tmp_path):
    path = tmp_path / "old.duckdb"
    (tmp_path / "earlier.csv").write_text(GOOD)
    with jejak.Workspace(path) as ws:
        ws.load(tmp_path / "earlier.csv")
        # as version 1 made it: no rows_conflicting column
        ws.con.execute("ALTER TABLE loads DROP COLUMN rows_conflicting")
        ws.con.execute("UPDATE jejak_meta SET value = '1' WHERE key = 'schema_version'")

    with jejak.Workspace(path) as ws:
        (tmp_path / "events.csv").write_text(PAGE_THEN_ORDER)
        ws.load(tmp_path / "events.csv")
        loads = ws.loads()
        assert loads[["rows_stored", "rows_conflicting"]].values.tolist() == [[2, 0], [2, 1]]
        assert ws.count() == 4
        version = ws.con.execute("SELECT value FROM jejak_meta WHERE key = 'schema_version'")
        assert version.fetchall() == [(str(SCHEMA_VERSION),)]


# -- folders ---------------------------------------------------------------------------------


@pytest.fixture
def exports(tmp_path) -> Path:
    """A folder as a shop's exports land: two good files, a bad one and files to pass over."""
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a_visits.csv").write_text(GOOD)
    write_sheet(
        folder / "b_orders.xlsx",
        [["customer_id", "ts", "event"], ["c1", datetime(2026, 1, 2, 10, 30), "order"]],
    )
    (folder / "c_broken.csv").write_text("customer_id,ts,event\nc2,nope,order\n")
    (folder / "a_visits.csv.rejected.csv").write_text("_jejak_row,customer_id\n1,c1\n")
    (folder / ".hidden.csv").write_text(GOOD)
    (folder / "readme.pdf").write_bytes(b"%PDF")
    return folder


def test_folder_loads_each_file_by_name_and_tells_each(open_workspace, exports):
    ws = open_workspace()

    summary = ws.load(exports)

    assert [Path(s.file).name for s in summary.loaded] == ["a_visits.csv", "b_orders.xlsx"]
    assert [(Path(f).name, m.split(":")[0]) for f, m in summary.failed] == [
        ("c_broken.csv", str(exports / "c_broken.csv row 1"))
    ]
    assert summary.lines() == [
        f"2 new touchpoints stored from {exports / 'a_visits.csv'}",
        f"1 new touchpoint stored from {exports / 'b_orders.xlsx'}",
        f"not loaded: {exports / 'c_broken.csv'} row 1: 'ts' 'nope' is not a time; use ISO"
        " 8601 like 2026-02-01T10:00:00+07:00, or set ts_format in jejak.yaml. Nothing was"
        " stored (0 valid rows would have been); fix the file, or pass --skip-invalid to"
        " store the valid rows and write the rejected ones to a side file",
        f"{exports / 'readme.pdf'}: left out; not a file jejak reads",
    ]
    assert ws.loads()["file"].tolist() == [
        str(exports / "a_visits.csv"),
        str(exports / "b_orders.xlsx"),
    ]
    assert ws.count() == 3


def test_cli_loads_a_folder_and_fails_when_a_file_did(exports, monkeypatch):
    monkeypatch.chdir(exports.parent)

    done = CliRunner().invoke(app, ["load", "exports"])
    shown = CliRunner().invoke(app, ["loads"])

    assert done.exit_code == 1
    assert "2 new touchpoints stored from exports/a_visits.csv" in done.output
    assert "not loaded: exports/c_broken.csv row 1: 'ts' 'nope' is not a time" in done.output
    assert "1 file not loaded; see above" in str(done.exception)
    assert shown.exit_code == 0, shown.output
    assert "Rows conflicting" in shown.output  # the loads table's headers read in words
