"""The embedded engine remembers work per connection (compiled SQL, relations, which
expressions need Ibis's hooks) without answering from old data or forgetting Python data."""

from __future__ import annotations

import ibis
import pandas as pd

from jejak.engine import duckdb as embedded


def test_python_data_is_registered_on_every_query():
    backend = embedded.backend(embedded.connect())
    backend.con.execute("CREATE TABLE stored AS SELECT range AS x FROM range(3)")
    stored = backend.table("stored")
    assert stored.x.sum().execute() == 3  # of stored tables only: the hooks are skipped
    for values in ([1, 2], [5]):  # a fresh table of Python data each time
        data = ibis.memtable(pd.DataFrame({"x": values}))
        joined = stored.join(data, "x")
        assert joined.count().execute() == sum(v < 3 for v in values)
        assert data.x.sum().execute() == sum(values)


def test_a_query_asked_again_reads_the_data_as_it_is_now():
    backend = embedded.backend(embedded.connect())
    backend.con.execute("CREATE TABLE stored AS SELECT range AS x FROM range(3)")
    total = backend.table("stored").x.sum()
    assert total.execute() == 3
    backend.con.execute("INSERT INTO stored VALUES (10)")
    assert total.execute() == 13
    backend.con.execute("CREATE OR REPLACE TABLE stored AS SELECT 7 AS x")
    assert total.execute() == 7
    assert backend.table("stored").to_pandas()["x"].tolist() == [7]


def test_named_column_types_are_what_ibis_reads_from_their_names():
    types = ibis.duckdb.connect().compiler.type_mapper
    for name in embedded.NAMED_TYPES:
        for nullable in (True, False):
            expected = types.from_string(name, nullable=nullable)
            assert embedded._dtype(types, name, nullable) == expected, name


def test_a_stored_table_reads_with_each_column_type_as_ibis_would(tmp_path):
    con = embedded.connect(tmp_path / "t.duckdb")
    con.execute(
        "CREATE TABLE t (a VARCHAR NOT NULL, b TIMESTAMPTZ, c DOUBLE, d BIGINT, e TINYINT,"
        " f DECIMAL(9, 2), g VARCHAR[], h STRUCT(x INTEGER), i TIMESTAMP, j DATE)"
    )
    plain = ibis.duckdb.from_connection(con).table("t").schema()
    assert embedded.backend(con).table("t").schema() == plain
    con.close()
