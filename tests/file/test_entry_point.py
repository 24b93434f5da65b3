"""The nv_one_logger.exporter_configs entry point: enabled only when ONE_LOGGER_FILE_EXPORTER_PATH is set."""

import ast
import importlib.metadata
import sys

import pytest

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.exporter import file_exporter_defaults
from nv_one_logger.exporter._exporter_factory import resolve_exporter_class
from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.file_exporter import PATH_ENV_VAR, FileExporter, FileExporterDefaults
from tests.support.environment import clear_library_env
from tests.support.processes import run_command

CLASS_NAME = "nv_one_logger.exporter.file_exporter.FileExporter"


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clear_library_env(monkeypatch)


def test_entry_point_is_registered():
    all_entry_points = importlib.metadata.entry_points()
    if hasattr(all_entry_points, "select"):
        found = all_entry_points.select(group="nv_one_logger.exporter_configs")
    else:  # Python 3.9: a dict of group -> entry points (entry_points(group=...) is 3.10+)
        found = all_entry_points.get("nv_one_logger.exporter_configs", [])
    (ep,) = [e for e in found if e.name == "file"]
    assert ep.load() is file_exporter_defaults


def test_the_defaults_module_is_light_and_names_the_exporter(monkeypatch):
    """Scanning entry points imports the defaults module only, not the exporter (as with the otel defaults)."""
    code = (
        "import os, sys\n"
        "os.environ['ONE_LOGGER_FILE_EXPORTER_PATH'] = 'x.jsonl'\n"
        "from nv_one_logger.exporter.file_exporter_defaults import get_default_config\n"
        "assert get_default_config()['enabled']\n"
        "print(sorted(m for m in sys.modules if m.startswith('nv_one_logger')))\n"
    )
    out = run_command([sys.executable, "-c", code], timeout=120)
    imported = ast.literal_eval(out.stdout.strip())
    assert "nv_one_logger.exporter.file_exporter" not in imported, imported
    assert "nv_one_logger.exporter.file_exporter_defaults" in imported
    assert resolve_exporter_class(file_exporter_defaults.FILE_EXPORTER_CLASS_NAME) is FileExporter
    # The older entry point object, still importable from the exporter's module, answers the same.
    monkeypatch.setenv(PATH_ENV_VAR, "y.jsonl")
    assert FileExporterDefaults.get_default_config() == file_exporter_defaults.get_default_config()
    assert FileExporterDefaults.get_default_config()["config"] == {"file_path": "y.jsonl"}


def test_disabled_without_the_variable_so_nothing_writes_files_by_surprise(tmp_path):
    assert FileExporterDefaults.get_default_config() == {"class_name": CLASS_NAME, "config": {}, "enabled": False}
    configs = ExporterConfigManager().generate_export_config()
    assert [c.enabled for c in configs if c.class_name == CLASS_NAME] == [False]
    assert ExporterConfigManager().create_exporters_from_config(configs) == []
    assert list(tmp_path.iterdir()) == []


def test_enabled_by_the_variable_with_its_path_template(tmp_path, monkeypatch):
    monkeypatch.setenv(PATH_ENV_VAR, str(tmp_path / "{session_tag}" / "rank{rank}.jsonl"))
    monkeypatch.setenv("RANK", "5")
    manager = ExporterConfigManager()
    configs = manager.generate_export_config()
    config = OneLoggerConfig(application_name="app", world_size_or_fn=8, session_tag_or_fn="s1")
    (exporter,) = manager.create_exporters_from_config(configs, config)
    assert isinstance(exporter, FileExporter)
    assert exporter.file_path == tmp_path / "s1" / "rank5.jsonl"


def test_direct_config_overrides_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(PATH_ENV_VAR, str(tmp_path / "from-env.jsonl"))
    manager = ExporterConfigManager()
    configs = manager.generate_export_config(
        direct_config=[
            {"class_name": CLASS_NAME, "config": {"file_path": str(tmp_path / "direct.jsonl"), "fsync": True}}
        ]
    )
    (exporter,) = manager.create_exporters_from_config(configs)
    assert exporter.file_path == tmp_path / "direct.jsonl"
