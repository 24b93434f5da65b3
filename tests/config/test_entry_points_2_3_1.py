"""Names that suites written for 2.3.1 patch or read: ``export_config_manager.entry_points`` and
``ExporterConfigManager.entry_point_exporter_configs``."""

from importlib.metadata import EntryPoint
from unittest import mock

from nv_one_logger.exporter import export_config_manager
from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.exporter_config import ExporterConfig
from tests.support.config_exporters import SUPPORT

GROUP = ExporterConfigManager.ENTRY_POINT_NAME


def _entry_point(name: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"{SUPPORT}:PluginDefaults", group=GROUP)


def test_patched_entry_points_function_is_used():
    with mock.patch.object(export_config_manager, "entry_points", return_value=[_entry_point("patched")]) as fake:
        configs = ExporterConfigManager().generate_export_config()
    assert fake.called
    assert [c.class_name for c in configs] == [f"{SUPPORT}.RecordingExporter"]


def test_patched_entry_points_returning_a_selectable_collection():
    collection = mock.MagicMock()
    collection.select.return_value = [_entry_point("selected")]
    with mock.patch.object(export_config_manager, "entry_points", return_value=collection):
        configs = ExporterConfigManager().generate_export_config()
    collection.select.assert_called_with(group=GROUP)
    assert [c.class_name for c in configs] == [f"{SUPPORT}.RecordingExporter"]


def test_entry_point_exporter_configs_are_filled_at_construction():
    with mock.patch.object(export_config_manager, "entry_points", return_value=[_entry_point("at_init")]):
        manager = ExporterConfigManager()
    assert manager.entry_point_exporter_configs == [
        ExporterConfig(f"{SUPPORT}.RecordingExporter", {"label": "from-entry-point", "file_path": "ep.jsonl"}, True)
    ]
    with mock.patch.object(export_config_manager, "entry_points", return_value=[]):
        assert ExporterConfigManager().entry_point_exporter_configs == []
