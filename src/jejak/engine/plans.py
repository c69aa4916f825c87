"""Ibis expressions an analysis builds, remembered per engine connection.

An analysis builds equal expressions on every call over the same table with the same
parameters, and on a small log Ibis takes longer to build them than the engine takes
to answer. A builder marked :func:`remembered` runs once per table and parameters; what
it built lives as long as the table's backend (its connection), as its compiled SQL does,
and on DuckDB its SQL is kept for later processes too (see :mod:`jejak.engine.kept_plans`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

import ibis
import ibis.expr.operations as ops

from jejak.engine import kept_plans

PLANS_KEPT = 64  # built expressions remembered per backend
Built = TypeVar("Built")


class _ByValue:
    """A parameter compared by what it says: a settings model (a journey) by its JSON and
    its private values (the roles a journey was bound with), so an equal journey read
    again finds what was built for it; an expression (another table) by what it computes,
    and a tuple by its items."""

    __slots__ = ("key", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.key = _said(value)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByValue) and self.key == other.key


def _said(value: Any) -> Any:
    if isinstance(value, ibis.Expr):  # equal expressions are equal operations
        return (type(value), value.op())
    if isinstance(value, tuple):
        return (tuple, tuple(map(_said, value)))
    dump = getattr(value, "model_dump_json", None)
    if dump is None:
        return (type(value), value)
    private = getattr(value, "__pydantic_private__", None) or {}
    return (type(value), dump(), tuple((k, _said(v)) for k, v in sorted(private.items())))


def remembered(
    build: Callable[..., Built],
) -> Callable[..., Built]:
    """``build(table, *parameters)``, answered with what it built before for an equal
    table and equal parameters on the same backend."""

    @wraps(build)
    def built(table: ibis.Table, *parameters: Any) -> Built:
        node = table.op()
        backend = _backend(node)
        if backend is None:
            return build(table, *parameters)
        return _memo(backend)(build, node, tuple(_ByValue(p) for p in parameters))

    return built


def _backend(node: ops.Node) -> Any | None:
    tables = node.find(ops.DatabaseTable)
    return tables[0].source if tables else None


def _memo(backend: Any) -> Callable[..., Any]:
    """The backend's memo of built expressions, made on first use."""
    memo = getattr(backend, "_jejak_plans", None)
    if memo is None:

        @lru_cache(maxsize=PLANS_KEPT)
        def memo(build: Callable[..., Any], node: ops.Node, parameters: tuple[_ByValue, ...]):
            key = kept_plans.key(backend, build, node, [p.key for p in parameters])
            kept = None if key is None else kept_plans.read(backend, key)
            if kept is not None:
                return kept
            built = build(node.to_expr(), *(p.value for p in parameters))
            kept_plans.log.debug("built %s.%s", build.__module__, build.__qualname__)
            if key is not None:
                kept_plans.keep(backend, key, node, built)
            return built

        backend._jejak_plans = memo
    return memo
