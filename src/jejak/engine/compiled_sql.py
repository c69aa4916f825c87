"""The SQL Ibis compiled an expression to, remembered by what the expression says.

Ibis's compiler takes longer than DuckDB answers on a small log: a third of the time of
the analyses' tests, most of a small report's. Every workspace (each connection) builds
equal expressions, unequal to Ibis only because each table names the connection it
belongs to. So the SQL is kept under a digest of the expression that leaves the
connection out: each operation's class and arguments, down to the tables' names,
namespaces and column types. It is kept in memory for the process (every connection),
and with the kept plans (:mod:`jejak.engine.kept_plans`) for later processes, under a
key that also names jejak's code and the Ibis, sqlglot, DuckDB and Python versions.

An expression with an argument of a kind this does not spell out as its value (Python
data, a function, an object's repr) has no digest and is compiled as before.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import hashlib
import json
import threading
import uuid
import weakref
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

import dateutil.tz
import ibis
import ibis.expr.operations as ops
from ibis.common.grounds import Concrete
from ibis.expr.datashape import DataShape

from jejak.engine import kept_plans

IN_MEMORY = 2048  # SQL texts kept in memory per process
_PLAIN = (bool, int, float, str, bytes, type(None))  # bool first: it is an int
_VALUES = (datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, uuid.UUID)
# time zones their repr names: Ibis's literals hold times in dateutil's UTC
_ZONES = (datetime.timezone, zoneinfo.ZoneInfo, dateutil.tz.tzutc, dateutil.tz.tzoffset)

_texts: dict[str, str] = {}
_lock = threading.Lock()
# the digests of expressions asked for lately (weakly held: no expression kept alive)
_digests: weakref.WeakKeyDictionary[ops.Node, str] = weakref.WeakKeyDictionary()


class _Unspelled(Exception):
    """An argument whose spelling is not its value."""


def compiled(
    node: ops.Node, options: tuple[tuple[str, Any], ...], compile: Callable[[], str]
) -> str:
    """The SQL of ``node`` with compile ``options``: remembered, or ``compile()``d and
    remembered."""
    key = _key(node, options)
    if key is None:
        return compile()
    text = _texts.get(key)
    if text is None:
        text = kept_plans.read_text(key)
        if text is None:
            text = compile()
            kept_plans.keep_text(key, text)
        with _lock:
            if len(_texts) >= IN_MEMORY:
                del _texts[next(iter(_texts))]  # the oldest first
            _texts[key] = text
    return text


def _key(node: ops.Node, options: tuple[tuple[str, Any], ...]) -> str | None:
    """The SQL's key: what the expression says, the compile options and Ibis's options
    that change the SQL (``limit="default"`` is the default limit), jejak's code and the
    versions (see :mod:`jejak.engine.kept_plans`)."""
    what, sql = said(node), ibis.options.sql
    if what is None:
        return None
    try:
        spelled = [[name, _spelled(value, {})] for name, value in options]
        chosen = _spelled([sql.default_limit, sql.fuse_selects], {})
    except _Unspelled:
        return None
    code, versions = kept_plans.code_digest(), kept_plans.versions()
    text = json.dumps(["duckdb", what, repr(spelled), repr(chosen), code, versions])
    return "sql:" + hashlib.sha256(text.encode()).hexdigest()


def said(node: ops.Node) -> str | None:
    """:func:`digest`, or None when ``node`` has none (remembered per node: a kept
    table's expression is asked for its SQL and its name)."""
    found = _digests.get(node)
    if found is None:
        try:
            found = digest(node)
        except (_Unspelled, RecursionError):
            found = ""
        _digests[node] = found
    return found or None


def digest(node: ops.Node) -> str:
    """What ``node`` says, as a digest equal for equal expressions over tables of equal
    names and columns in any connection and process; :class:`_Unspelled` when an
    argument's value cannot be told by its spelling."""
    return _spelled(node, {})


def _spelled(value: Any, seen: dict[int, Any]) -> Any:
    if isinstance(value, _PLAIN):  # by its own type's repr, not a subclass's
        plain = next(kind for kind in _PLAIN if isinstance(value, kind))
        return [type(value).__name__, plain.__repr__(value)]
    if isinstance(value, Concrete):
        found = seen.get(id(value))
        if found is None:
            found = seen[id(value)] = _concrete(value, seen)
        return found
    if isinstance(value, ibis.BaseBackend):  # the connection a table belongs to
        return "connection"
    if isinstance(value, Mapping):
        return ["map", [[_spelled(k, seen), _spelled(v, seen)] for k, v in value.items()]]
    if isinstance(value, tuple | list):
        return ["seq", [_spelled(item, seen) for item in value]]
    if isinstance(value, frozenset):
        return ["set", sorted(repr(_spelled(item, seen)) for item in value)]
    if isinstance(value, enum.Enum):
        return [_named(type(value)), _spelled(value.value, seen)]
    if isinstance(value, type):
        return ["class", _named(value)]
    if isinstance(value, DataShape):  # scalar or columnar: one of each
        return ["shape", _named(type(value))]
    if isinstance(value, _VALUES):
        zone = getattr(value, "tzinfo", None)
        if zone is None or isinstance(zone, _ZONES):
            return [type(value).__name__, repr(value)]
    raise _Unspelled(type(value).__name__)


def _concrete(value: Concrete, seen: dict[int, Any]) -> str:
    """An operation, type or schema: its class and arguments, as a digest."""
    kind = type(value)
    parts: list[Any] = [_named(kind)]
    if isinstance(value, ops.ScalarUDF | ops.AggUDF):  # made per function: what it calls
        parts += [kind.__func_name__, repr(getattr(kind, "__udf_namespace__", None)),
                  _spelled(value.dtype, seen)]  # fmt: skip
    parts += [
        [name, _spelled(arg, seen)]
        for name, arg in zip(kind.__argnames__, value.__args__, strict=True)
    ]
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()


def _named(kind: type) -> str:
    if "<locals>" in kind.__qualname__:
        raise _Unspelled(kind.__qualname__)
    return f"{kind.__module__}.{kind.__qualname__}"
