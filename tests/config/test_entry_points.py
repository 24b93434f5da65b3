"""Package defaults discovered through the nv_one_logger.exporter_configs entry point group."""

import logging

from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.exporter_config import ExporterConfig
from tests.support.config_exporters import SUPPORT
from tests.support.log_records import warning_messages


def test_group_name_is_the_spec_name():
    assert ExporterConfigManager.ENTRY_POINT_NAME == "nv_one_logger.exporter_configs"


def test_entry_point_of_an_installed_distribution_is_discovered(fake_entry_points):
    dist = fake_entry_points({"recording": f"{SUPPORT}:PluginDefaults"})
    report = ExporterConfigManager().generate_export_config_with_sources()
    assert any(dist in label and "'recording'" in label for label in report.entry_points)
    entry = next(e for e in report.entries if e.config.class_name == f"{SUPPORT}.RecordingExporter")
    assert entry.config == ExporterConfig(
        f"{SUPPORT}.RecordingExporter", {"label": "from-entry-point", "file_path": "ep.jsonl"}, True
    )
    assert report.problems == []


def test_broken_entry_points_give_one_warning_each_and_the_rest_is_used(fake_entry_points, caplog):
    fake_entry_points(
        {
            "good": f"{SUPPORT}:PluginDefaults",
            "missing_attr": f"{SUPPORT}:DoesNotExist",
            "missing_module": "tests.config.no_such_module:Defaults",
            "raises": f"{SUPPORT}:RaisingPluginDefaults",
            "wrong_shape": f"{SUPPORT}:WrongShapePluginDefaults",
            "no_method": f"{SUPPORT}:NoMethodPluginDefaults",
        }
    )
    with caplog.at_level(logging.WARNING):
        configs = ExporterConfigManager().generate_export_config()
    assert f"{SUPPORT}.RecordingExporter" in [c.class_name for c in configs]
    warnings = warning_messages(caplog)
    assert len(warnings) == 5, warnings
    for name, fragment in [
        ("missing_attr", "DoesNotExist"),
        ("missing_module", "no_such_module"),
        ("raises", "plugin defaults exploded"),
        ("wrong_shape", "must be a mapping"),
        ("no_method", "no get_default_config()"),
    ]:
        matching = [w for w in warnings if f"'{name}'" in w]
        assert len(matching) == 1 and fragment in matching[0], (name, warnings)


def test_sibling_distributions_do_not_break_resolution():
    # Whatever the installed file/otel distributions register must load without a problem.
    report = ExporterConfigManager().generate_export_config_with_sources()
    assert report.problems == []
