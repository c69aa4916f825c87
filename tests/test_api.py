"""The public surface: what `import jejak` offers, and the settings users can write."""

from __future__ import annotations

import pytest

import jejak
from jejak.model.config import Settings, parse_settings, settings_template


def test_public_api_is_pinned():
    assert sorted(jejak.__all__) == sorted(
        [
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
    )
    for name in jejak.__all__:
        assert hasattr(jejak, name), name


def test_every_setting_is_documented_in_the_init_template():
    template = settings_template()
    for name in Settings.model_fields:
        assert f"\n{name}:" in template or f"\n# {name}:" in template, name


def test_init_template_loads_as_the_defaults():
    assert parse_settings(settings_template()) == Settings()


def test_presets():
    assert jejak.preset("value-journey").stage_names == [
        "Awareness",
        "Engagement",
        "Subscribe",
        "Convert",
        "Excite",
        "Ascend",
        "Advocate",
        "Promote",
    ]
    assert jejak.preset("four-stage").stage_names == [
        "Awareness",
        "Consideration",
        "Decision",
        "Loyalty",
    ]


def test_workspace_from_a_newer_jejak_is_refused(tmp_path):
    path = tmp_path / "w.duckdb"
    with jejak.Workspace(path) as ws:
        ws.con.execute("UPDATE jejak_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(jejak.WorkspaceError, match="made by a newer jejak"):
        jejak.Workspace(path)


def test_duckdb_file_of_another_app_is_refused(tmp_path):
    import duckdb

    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE sales (id INTEGER)")
    with pytest.raises(jejak.WorkspaceError, match="not a jejak workspace"):
        jejak.Workspace(path)
