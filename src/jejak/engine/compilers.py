"""Ibis's SQL compilers, loaded one dialect at a time.

Importing ``ibis.backends.sql.compilers`` loads the compiler of every dialect Ibis has
(twenty of them), about a tenth of a second that a first analysis in a fresh process
pays for the one it uses. :func:`load_on_use` puts a stand-in for that package in its
place before anything imports it: the same names (``DuckDBCompiler``, the submodule
``duckdb``...), each loaded from its own module when it is first asked for.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from types import ModuleType

PACKAGE = "ibis.backends.sql.compilers"


def load_on_use() -> None:
    """Put the stand-in in place, unless the package is loaded already (then nothing
    is left to save) or is not laid out as this expects (then Ibis's own loads)."""
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None or not spec.submodule_search_locations:
        return
    names = _exported(spec.origin)
    if not names:
        return
    package = importlib.util.module_from_spec(spec)
    package.__all__ = list(names)

    def loaded(name: str) -> object:
        """A compiler by its class name, or a dialect's module by its name."""
        if name in names:
            value = getattr(importlib.import_module(f"{PACKAGE}.{names[name]}"), name)
        elif name.startswith("__"):
            raise AttributeError(name)
        else:
            try:
                value = importlib.import_module(f"{PACKAGE}.{name}")
            except ModuleNotFoundError:
                raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None
        setattr(package, name, value)
        return value

    package.__getattr__ = loaded  # type: ignore[method-assign]
    package.__dir__ = lambda: sorted({*names, *vars(package)})  # type: ignore[method-assign]
    sys.modules[PACKAGE] = package
    parent: ModuleType = importlib.import_module(PACKAGE.rpartition(".")[0])
    parent.compilers = package  # type: ignore[attr-defined]


def _exported(origin: str) -> dict[str, str]:
    """The package's ``from .dialect import Compiler`` lines: {class name: module}."""
    with open(origin, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    return {
        alias.name: node.module.rpartition(".")[2]
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE + ".")
        for alias in node.names
    }
