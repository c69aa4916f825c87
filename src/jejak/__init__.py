"""jejak: customer-journey analytics for online businesses.

import jejak
ws = jejak.open("shop.duckdb")
ws.load("events.csv")
funnel = ws.stages()
funnel.table, funnel.figure(), funnel.to_dict()

The names below are imported on first use, so that ``import jejak`` (and the
``jejak --help`` that imports it) stays cheap: the workspace pulls in DuckDB,
Ibis, pandas and SciPy only when it is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jejak.analyses.result import Result
    from jejak.analyses.stages import StageFunnel
    from jejak.engine.spark import SparkSource, on_spark
    from jejak.errors import ConfigError, EngineError, JejakError, LoadError, WorkspaceError
    from jejak.model.config import Settings, load_settings, parse_settings, preset
    from jejak.model.journey import Journey, Rule, Stage
    from jejak.proposal import SettingsProposal, propose_settings
    from jejak.store.folders import FolderSummary
    from jejak.store.loading import LoadSummary
    from jejak.store.workspace import Workspace
    from jejak.store.workspace import open_workspace as open

__version__ = "0.1.0"

# public name -> (module, name in that module)
_PUBLIC = {
    "Result": ("jejak.analyses.result", "Result"),
    "StageFunnel": ("jejak.analyses.stages", "StageFunnel"),
    "SparkSource": ("jejak.engine.spark", "SparkSource"),
    "on_spark": ("jejak.engine.spark", "on_spark"),
    "ConfigError": ("jejak.errors", "ConfigError"),
    "EngineError": ("jejak.errors", "EngineError"),
    "JejakError": ("jejak.errors", "JejakError"),
    "LoadError": ("jejak.errors", "LoadError"),
    "WorkspaceError": ("jejak.errors", "WorkspaceError"),
    "Settings": ("jejak.model.config", "Settings"),
    "load_settings": ("jejak.model.config", "load_settings"),
    "parse_settings": ("jejak.model.config", "parse_settings"),
    "preset": ("jejak.model.config", "preset"),
    "Journey": ("jejak.model.journey", "Journey"),
    "Rule": ("jejak.model.journey", "Rule"),
    "Stage": ("jejak.model.journey", "Stage"),
    "SettingsProposal": ("jejak.proposal", "SettingsProposal"),
    "propose_settings": ("jejak.proposal", "propose_settings"),
    "FolderSummary": ("jejak.store.folders", "FolderSummary"),
    "LoadSummary": ("jejak.store.loading", "LoadSummary"),
    "Workspace": ("jejak.store.workspace", "Workspace"),
    "open": ("jejak.store.workspace", "open_workspace"),
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use, then keep it here."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'jejak' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


__all__ = [
    "ConfigError",
    "EngineError",
    "FolderSummary",
    "JejakError",
    "Journey",
    "LoadError",
    "LoadSummary",
    "Result",
    "Rule",
    "Settings",
    "SettingsProposal",
    "SparkSource",
    "Stage",
    "StageFunnel",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "load_settings",
    "on_spark",
    "open",
    "parse_settings",
    "preset",
    "propose_settings",
]
