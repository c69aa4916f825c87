"""The embedded engine: a DuckDB file (or memory) wrapped for Ibis."""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops

from jejak.engine import compiled_sql
from jejak.engine.compilers import load_on_use
from jejak.engine.connection import connect as connect  # the engine's, re-exported
from jejak.engine.connection import prepare as prepare
from jejak.engine.outside import OUTSIDE, from_outside

load_on_use()  # before Ibis's DuckDB backend loads: only its compiler, not every dialect's

COMPILED_KEPT = 256  # SQL of this many expressions is remembered per connection


def backend(con: duckdb.DuckDBPyConnection) -> ibis.BaseBackend:
    """Ibis over an open DuckDB connection (shares its transaction and temp objects),
    remembering the SQL it compiled (see :func:`_remember_compiled`) and which
    expressions read stored tables only (see :func:`_skip_needless_hooks`)."""
    # the backend's own class: ``ibis.duckdb`` looks through every installed package's
    # entry points first to find it (a hundredth of a second on a first call)
    from ibis.backends.duckdb import Backend

    wrapped = Backend.from_connection(con)

    # weakly held: an expression of Python data is not kept alive by being looked at
    seen: weakref.WeakKeyDictionary[ops.Node, bool] = weakref.WeakKeyDictionary()

    def stored_only(node: ops.Node) -> bool:
        found = seen.get(node)
        if found is None:
            found = seen[node] = not any(map(from_outside, node.find(OUTSIDE)))
        return found

    wrapped.compile = _remember_compiled(wrapped.compile, stored_only)
    wrapped._run_pre_execute_hooks = _skip_needless_hooks(wrapped, stored_only)
    wrapped._to_duckdb_relation = _remember_relations(wrapped, stored_only)
    create = wrapped._create_cached_table

    def kept_by_content(name: str, expr: ibis.Table) -> ibis.Table:
        """A kept (``.cache()``) table named for what it holds, not at random: queries
        over it are then equal on every call, and their SQL is remembered too. Made
        from the remembered SQL (Ibis's own way compiles the expression again, which
        takes longer than DuckDB fills the table on a small log)."""
        sql = wrapped.compile(expr)
        said = compiled_sql.said(expr.op())  # alike in every process
        name = None if said is None else _kept_name(sql, said)
        if name is None or _temp_table(con, name):  # one Ibis counts as another
            name = _kept_name(sql, str(hash(expr.op())))
        if wrapped._record_batch_readers_consumed or not stored_only(expr.op()):
            return create(name, expr)
        import sqlglot as sg  # here: Ibis has it loaded by now; the CLI's start stays quick
        import sqlglot.expressions as sge

        # as Ibis makes it: the expression's column types, then its rows
        dialect = wrapped.dialect
        columns = expr.schema().to_sqlglot_column_defs(dialect)
        target = sge.Schema(this=sg.table(name, quoted=True), expressions=columns)
        temp = sge.Properties(expressions=[sge.TemporaryProperty()])
        con.execute(sge.Create(kind="TABLE", this=target, properties=temp).sql(dialect))
        names = ", ".join(sg.to_identifier(c, quoted=True).sql(dialect) for c in expr.columns)
        con.execute(f'INSERT INTO "{name}" ({names}) {sql}')
        return wrapped.table(name, database=("temp", "main"))

    wrapped._create_cached_table = kept_by_content
    wrapped.get_schema = _described(wrapped, wrapped.get_schema)
    return wrapped


def _kept_name(sql: str, said: str) -> str:
    content = f"{sql}\x00{said}"
    return f"jejak_kept_{hashlib.sha1(content.encode()).hexdigest()[:24]}"


def _temp_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = "SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = ?"
    return con.execute(found, [name]).fetchone() is not None


def _skip_needless_hooks(
    wrapped: ibis.BaseBackend, stored_only: Callable[[ops.Node], bool]
) -> Callable[[ibis.Expr], None]:
    """Ibis's hooks before a query, run only when they have something to do: each looks
    through the whole expression (for Python data and functions to register, and read
    streams to warn about), which takes longer than DuckDB answers on a small log."""
    hooks = wrapped._run_pre_execute_hooks

    def run(expr: ibis.Expr) -> None:
        if wrapped._record_batch_readers_consumed or not stored_only(expr.op()):
            hooks(expr)

    return run


def _remember_relations(
    wrapped: ibis.BaseBackend, stored_only: Callable[[ops.Node], bool]
) -> Callable[..., duckdb.DuckDBPyRelation]:
    """Ibis's query-to-relation step, answering an expression of stored tables with the
    relation made for its SQL before. DuckDB parses and binds the text of each new
    relation; a relation runs its query anew on each read, on the data as it is then."""
    make = wrapped._to_duckdb_relation
    relation = lru_cache(maxsize=COMPILED_KEPT)(wrapped.con.sql)

    def to_relation(expr: ibis.Expr, /, *, params: Any = None, **options: Any) -> Any:
        table = expr.as_table()
        if params or not stored_only(expr.op()) or table.schema().geospatial:
            return make(expr, params=params, **options)
        wrapped._run_pre_execute_hooks(expr)
        return relation(wrapped.compile(table, **options))

    return to_relation


def _described(wrapped: Any, get_schema: Callable[..., Any]) -> Callable[..., Any]:
    """``get_schema`` of a table in the connection's own schema read as rows, not as an
    Arrow table: a load then never imports pyarrow (a fifth of a second)."""

    def described(name: str, *, catalog: str | None = None, database: str | None = None) -> Any:
        if catalog is not None or database is not None:
            return get_schema(name, catalog=catalog, database=database)
        try:
            rows = wrapped.con.execute(f"DESCRIBE {_identifier(name)}").fetchall()
        except duckdb.CatalogException:
            return get_schema(name)  # Ibis's own error for a missing table
        types = wrapped.compiler.type_mapper
        return ibis.schema({c: _dtype(types, t, null == "YES") for c, t, null, *_ in rows})

    return described


# DuckDB's names of the touchpoints' column types and other plain ones, as Ibis reads
# them (a test pins each): Ibis's parser of type names takes longer on its first use
# in a process than DuckDB takes to describe a table
NAMED_TYPES: dict[str, tuple[type[dt.DataType], dict[str, Any]]] = {
    "VARCHAR": (dt.String, {}),
    "DOUBLE": (dt.Float64, {}),
    "FLOAT": (dt.Float32, {}),
    "BIGINT": (dt.Int64, {}),
    "INTEGER": (dt.Int32, {}),
    "SMALLINT": (dt.Int16, {}),
    "TINYINT": (dt.Int8, {}),
    "BOOLEAN": (dt.Boolean, {}),
    "DATE": (dt.Date, {}),
    "TIMESTAMP": (dt.Timestamp, {"scale": 6}),
    "TIMESTAMP WITH TIME ZONE": (dt.Timestamp, {"timezone": "UTC", "scale": 6}),
}


@lru_cache(maxsize=256)
def _dtype(types: Any, text: str, nullable: bool) -> dt.DataType:
    """DuckDB's name of a column type as Ibis's type: a plain one read from
    :data:`NAMED_TYPES`, any other parsed by Ibis once per process."""
    named = NAMED_TYPES.get(text)
    if named is not None:
        kind, arguments = named
        return kind(**arguments, nullable=nullable)
    return types.from_string(text, nullable=nullable)


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _remember_compiled(
    compile: Callable[..., str], stored_only: Callable[[ops.Node], bool]
) -> Callable[..., str]:
    """``compile``, answering an expression equal to one compiled before with the SQL it
    gave then. Analyses build the same expressions on every call, and compiling one
    takes Ibis longer than DuckDB takes to answer it on a small log."""

    @lru_cache(maxsize=COMPILED_KEPT)
    def compiled(node: ops.Node, options: tuple[tuple[str, Any], ...]) -> str:
        # another connection's equal expression, or an earlier process's: the same SQL
        return compiled_sql.compiled(
            node, options, lambda: compile(node.to_expr(), **dict(options))
        )

    def remembered(expr: Any, /, *, params: Any = None, **options: Any) -> str:
        node = expr.op()
        if options.get("limit") == "default":  # as Ibis reads it: the limit set now
            options["limit"] = ibis.options.sql.default_limit
        if isinstance(node, ops.SQLQueryResult) and not params and _whole(options):
            # SQL as given (kept plans, see jejak.engine.kept_plans): Ibis would parse it
            # again only to wrap it in ``SELECT * FROM (...)``
            return node.query
        # scalar parameters are not kept by value, and a table of Python data would be
        # kept alive by its key
        if params or not stored_only(node):
            return compile(expr, params=params, **options)
        return compiled(node, tuple(sorted(options.items())))

    return remembered


def _whole(options: dict[str, Any]) -> bool:
    return set(options) <= {"limit"} and options.get("limit") is None
