"""What a builder built, kept as SQL across processes.

A fresh process (every ``jejak process-map`` run, a server after a restart) would build
an analysis's Ibis expressions and compile them to SQL before DuckDB answers: on a small
log, most of the first call's time. A builder marked :func:`jejak.engine.plans.remembered`
whose outputs qualify has their SQL kept in a small SQLite file in the user's cache
folder (``$JEJAK_PLANS`` names another file; ``off`` keeps nothing), and a later process
reads them back as ``backend.sql(text, schema=...)`` tables: neither built nor compiled.

Why the SQL read back is what the builder would build and Ibis would compile:

- The key names everything the text depends on: the builder (module and qualified
  name), jejak's code (a hash of the package's source files, each by its size and
  time of change), the Ibis, sqlglot, DuckDB and Python versions, the table (its name,
  namespace and schema: each column's name and type), and the parameters as
  :func:`jejak.engine.plans._said` gives them, spelled out only when that spelling is
  the value itself (plain numbers, text, times, and settings models as their JSON); a
  parameter of any other kind keeps nothing.
- A builder's tables depend on its table and parameters only, as the memo of
  :mod:`jejak.engine.plans` assumes within a process (no language, no settings read
  aside); code changed in memory only (a test's monkeypatch) is not in the hash.
- Only outputs whose every source is that table qualify: no Python data (memtables),
  no scalar parameters, no other or temporary tables, no user functions. A closure
  (a builder defined in a function) is not kept: what it captured is in no key.
- Data is not in the key, and need not be: SQL reads the tables as they are when it
  runs, as the expressions it was compiled from would. Nor is the workspace: the SQL
  names the table, so one plan serves every workspace with that table.
- DuckDB only (a Spark table's builder runs as before); the schema each text returns
  is kept with it, so the table read back has the same columns and types.

The same file keeps the SQL text of single expressions too (rows keyed ``sql:``, see
:mod:`jejak.engine.compiled_sql`).

The file is a cache: a row it lacks, cannot read or cannot parse is built again and
written over, a file that is not a database is replaced, and no failure to read or
write it is ever an error. SQLite serialises two processes writing at once; at most
:data:`KEPT` rows of :data:`KEPT_CHARACTERS` in all are kept (the oldest go first).
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import hashlib
import json
import logging
import os
import sqlite3
import sys
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops

from jejak.engine.outside import OUTSIDE, from_outside

KEPT = 4096  # rows kept in the file, newest first (a report's SQL texts: about 150)
KEPT_CHARACTERS = 16 << 20  # and characters of their plans (an analysis's: about 10k)
LARGEST = 1 << 20  # characters one row may hold
log = logging.getLogger(__name__)

# what an output may read besides the builder's table: nothing (see the docstring)
SOURCES = (ops.PhysicalTable, ops.SQLQueryResult, ops.SQLStringView, ops.ScalarParameter)
_SCHEMA = "CREATE TABLE IF NOT EXISTS plans (key TEXT PRIMARY KEY, made REAL, plan TEXT)"
_PRUNE = """DELETE FROM plans WHERE key IN (SELECT key FROM (
    SELECT key, row_number() OVER newest AS n, sum(length(plan)) OVER newest AS upto
    FROM plans WINDOW newest AS (ORDER BY made DESC, key)
) WHERE n > ? OR upto > ?)"""


class _Unkept(Exception):
    """A parameter whose spelling is not its value across processes."""


def key(backend: Any, build: Callable[..., Any], node: ops.Node, said: Sequence[Any]) -> str | None:
    """The kept plan's key for ``build`` over ``node`` with parameters ``said`` (as
    ``_said`` gives them), or None when what it builds is not kept."""
    if getattr(backend, "name", None) != "duckdb" or not isinstance(node, ops.DatabaseTable):
        return None
    if node.namespace.catalog == "temp":  # a kept table, named anew by each process
        return None
    if "<locals>" in build.__qualname__ or _path() is None:
        return None
    try:
        parameters = [_spelled(s) for s in said]
    except _Unkept:
        return None
    schema = [[name, str(dtype)] for name, dtype in node.schema.items()]
    table = [node.name, node.namespace.catalog, node.namespace.database, schema]
    text = json.dumps(
        [f"{build.__module__}.{build.__qualname__}", code_digest(), versions(), table, parameters]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def read(backend: ibis.BaseBackend, key: str) -> Any | None:
    """The tables kept under ``key``, as ``backend.sql`` tables (a tuple when the builder
    returned one), or None."""
    text = read_text(key)
    if text is None:
        return None
    try:
        plan = json.loads(text)
        tables = [
            backend.sql(text, schema=ibis.schema({c: _typed(t) for c, t in columns}))
            for text, columns in plan["tables"]
        ]
        answer = tuple(tables) if plan["tuple"] else tables[0]
    except Exception:  # a row of another making: built again and written over
        log.debug("unreadable kept plan %s", key)
        return None
    log.debug("read kept plan %s", key)
    return answer


def keep(backend: ibis.BaseBackend, key: str, node: ops.Node, built: Any) -> None:
    """Keep the SQL of what a builder built over ``node`` under ``key``, when each of
    its tables reads ``node`` only."""
    tables = list(built) if isinstance(built, tuple) else [built]
    if not tables or not all(_reads_only(t, node) for t in tables):
        return
    kept = []
    for table in tables:
        schema = table.schema()
        try:
            columns = [[name, _spelled_type(dtype)] for name, dtype in schema.items()]
            if ibis.schema({c: _typed(t) for c, t in columns}) != schema:
                return
        except (_Unkept, TypeError, AttributeError):  # a type of other arguments: not kept
            return
        try:  # as the analysis compiles it to run it (remembered: compiled once)
            kept.append([backend.compile(table, limit=None), columns])
        except Exception:  # not kept: the analysis says what is wrong if it runs it
            return
    if keep_text(key, json.dumps({"tuple": isinstance(built, tuple), "tables": kept})):
        log.debug("kept plan %s", key)


def read_text(key: str) -> str | None:
    """The text kept under ``key`` (a plan, or SQL: see :mod:`jejak.engine.compiled_sql`),
    or None."""
    if _path() is None:
        return None
    found = _rows("SELECT plan FROM plans WHERE key = ?", [key])
    return found[0][0] if found and isinstance(found[0][0], str) else None


def keep_text(key: str, text: str) -> bool:
    """Keep ``text`` under ``key``; whether it was kept."""
    if _path() is None or len(text) > LARGEST:
        return False
    with contextlib.suppress(sqlite3.Error, OSError), _opened() as db:  # a cache
        db.execute("INSERT OR REPLACE INTO plans VALUES (?, julianday('now'), ?)", [key, text])
        db.execute(_PRUNE, [KEPT, KEPT_CHARACTERS])
        return True
    return False


def _reads_only(table: Any, node: ops.Node) -> bool:
    if not isinstance(table, ibis.Table):
        return False
    op = table.op()
    if any(source != node for source in op.find(SOURCES)):
        return False
    return not any(map(from_outside, op.find(OUTSIDE)))


def _spelled(said: Any) -> Any:
    """``said`` as JSON that means the same value in any process, or :class:`_Unkept`."""
    if isinstance(said, type):
        return f"{said.__module__}.{said.__qualname__}"
    if said is None or isinstance(said, bool | int | float | str):
        return said if type(said) in (bool, int, float, str, type(None)) else _unkept(said)
    if isinstance(said, tuple | list):
        return [type(said).__name__, *map(_spelled, said)]
    if isinstance(said, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        zone = getattr(said, "tzinfo", None)
        if zone is None or isinstance(zone, datetime.timezone | zoneinfo.ZoneInfo):
            return repr(said)
    return _unkept(said)


def _unkept(said: Any) -> Any:
    raise _Unkept(type(said).__name__)


def _spelled_type(dtype: dt.DataType) -> list[Any]:
    """``dtype`` as its class and arguments: read back without Ibis's type parser, whose
    first use in a process takes longer than the rest of reading a plan."""
    arguments = zip(dtype.__argnames__, map(_argument, dtype.__args__), strict=True)
    return [type(dtype).__name__, dict(arguments)]


def _argument(value: Any) -> Any:
    if isinstance(value, dt.DataType):
        return {"type": _spelled_type(value)}
    if isinstance(value, Mapping):  # a struct's fields
        return {"fields": [[name, _spelled_type(v)] for name, v in value.items()]}
    if isinstance(value, enum.Enum):  # an interval's unit: its constructor reads the value
        return _argument(value.value)
    if value is None or type(value) in (bool, int, str):
        return value
    return _unkept(value)


def _typed(spelled: list[Any]) -> dt.DataType:
    """The type :func:`_spelled_type` spelled."""
    name, arguments = spelled
    kind = getattr(dt, name)
    if not (isinstance(kind, type) and issubclass(kind, dt.DataType)):
        raise TypeError(f"not a type: {name}")
    return kind(**{key: _argument_value(value) for key, value in arguments.items()})


def _argument_value(value: Any) -> Any:
    if isinstance(value, dict) and "type" in value:
        return _typed(value["type"])
    if isinstance(value, dict):
        return {name: _typed(t) for name, t in value["fields"]}
    return value


@cache
def code_digest() -> str:
    """A hash of jejak's files: its sources, templates, scripts and catalogues (once
    per process). Changes with jejak's code, so what was kept by other code is not
    used."""
    digest = _sources(Path(__file__).resolve().parent.parent)
    if digest is None:  # not a folder of sources (a zip, a frozen build): its version
        from importlib.metadata import version

        return hashlib.blake2b(version("jejak").encode(), digest_size=16).hexdigest()
    return digest


def _sources(package: Path) -> str | None:
    """A hash of the files under ``package`` (but bytecode): each one's path, size and
    time of change, as Python's bytecode cache tells a changed source (a stat per file,
    2 ms for jejak's, where reading and hashing their text took 8); None when there are
    no sources."""
    top = str(package)
    found, folders = [], [top] if package.is_dir() else []
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                else:
                    stat = entry.stat()
                    found.append((entry.path[len(top) :], stat.st_size, stat.st_mtime_ns))
    if not any(name.endswith(".py") for name, _, _ in found):
        return None
    digest = hashlib.blake2b(digest_size=16)
    for name, size, changed in sorted(found):
        digest.update(f"{name}\0{size}\0{changed}\0".encode())
    return digest.hexdigest()


@cache
def versions() -> list[str]:
    import duckdb
    import sqlglot

    return [ibis.__version__, sqlglot.__version__, duckdb.__version__, sys.version]


def _path() -> Path | None:
    """The kept plans' file: ``$JEJAK_PLANS``, or jejak's folder in the user's cache."""
    given = os.environ.get("JEJAK_PLANS")
    if given is not None:
        return None if given.strip().lower() in ("", "off", "0", "no") else Path(given)
    if sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return folder / "jejak" / "Cache" / "plans.sqlite"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "jejak" / "plans.sqlite"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "jejak" / "plans.sqlite"


def _rows(query: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``query`` on the file; none when it cannot be read."""
    try:
        with _opened() as db:
            return db.execute(query, parameters).fetchall()
    except (sqlite3.Error, OSError):
        return []


@contextlib.contextmanager
def _opened() -> Any:
    """The file, opened (made when missing; replaced when it is not a plans database),
    committed and closed after use."""
    path = _path()
    assert path is not None  # key() answers None without a file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = _connect(path)
    except sqlite3.DatabaseError as exc:
        # busy or locked (another process writes): not kept or read this time
        if isinstance(exc, sqlite3.OperationalError) and "no such column" not in str(exc):
            raise
        log.debug("replacing %s: not a plans database (%s)", path, exc)
        path.unlink(missing_ok=True)
        db = _connect(path)
    try:
        with db:
            yield db
    finally:
        db.close()


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=2)
    try:
        # a cache: no waiting for the disk (20 ms a write); a file a crash left
        # corrupt is replaced
        db.execute("PRAGMA synchronous = OFF")
        db.execute(_SCHEMA)
        db.execute("SELECT key, made, plan FROM plans LIMIT 0")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db
