"""jejak: customer-journey analytics for online businesses.

import jejak
ws = jejak.open("shop.duckdb")
ws.load("events.csv")
funnel = ws.stages()
funnel.table, funnel.figure(), funnel.to_dict()
"""

from jejak.analyses.result import Result
from jejak.analyses.stages import StageFunnel
from jejak.engine.spark import SparkSource, on_spark
from jejak.errors import ConfigError, EngineError, JejakError, LoadError, WorkspaceError
from jejak.model.config import Settings, load_settings, parse_settings, preset
from jejak.model.journey import Journey, Rule, Stage
from jejak.store.folders import FolderSummary
from jejak.store.loading import LoadSummary
from jejak.store.workspace import Workspace
from jejak.store.workspace import open_workspace as open

__version__ = "0.1.0"

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
]
