"""Which function draws which result: each figure module registers its drawers here.

An analysis's ``figure()`` hands its result to :func:`draw` (through
:func:`jejak.analyses.result.drawn`, by module name), as pandas' ``.plot`` hands off to
a plotting backend: the analyses never import the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Drawer = TypeVar("Drawer", bound=Callable[[Any], Any])

_DRAWERS: dict[tuple[type, str], Callable[[Any], Any]] = {}


def draws(result_type: type, kind: str = "figure") -> Callable[[Drawer], Drawer]:
    """Register the decorated function as the ``kind`` figure of ``result_type``."""

    def register(drawer: Drawer) -> Drawer:
        _DRAWERS[(result_type, kind)] = drawer
        return drawer

    return register


def draw(result: Any, kind: str = "figure", **options: Any) -> Any:
    """``result``'s ``kind`` figure, by the drawer registered for its type (or a parent's),
    given ``options`` (what the figure shows, such as which period)."""
    for cls in type(result).__mro__:
        drawer = _DRAWERS.get((cls, kind))
        if drawer is not None:
            return drawer(result, **options)
    raise NotImplementedError(f"{type(result).__name__} has no {kind}")
