"""The three sources and their priority: entry points < config file (replaces) < direct (merged per class)."""

import pytest

from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.exporter_config import ConfigSource, ExporterConfig
from tests.support.config_exporters import SUPPORT

RECORDING = f"{SUPPORT}.RecordingExporter"
PLAIN = f"{SUPPORT}.PlainExporter"


def ours(configs):
    return [c for c in configs if c.class_name.startswith(SUPPORT)]


@pytest.fixture
def plugin(fake_entry_points):
    return fake_entry_points({"recording": f"{SUPPORT}:PluginDefaults", "plain": f"{SUPPORT}:SecondPluginDefaults"})


def test_entry_point_defaults_are_used_without_file_or_direct(plugin):
    configs = ours(ExporterConfigManager().generate_export_config())
    assert configs == [
        ExporterConfig(PLAIN, {}, False),
        ExporterConfig(RECORDING, {"label": "from-entry-point", "file_path": "ep.jsonl"}, True),
    ]


def test_config_file_replaces_entry_point_defaults_completely(plugin, write_config):
    path = write_config({"exporters": [{"class_name": PLAIN, "config": {"label": "file"}}]})
    configs = ExporterConfigManager().generate_export_config(config_file_path=path)
    assert configs == [ExporterConfig(PLAIN, {"label": "file"}, True)]


def test_empty_exporters_list_in_file_means_no_exporters(plugin, write_config):
    path = write_config({"exporters": []})
    assert ExporterConfigManager().generate_export_config(config_file_path=path) == []


def test_direct_config_merges_over_file_entry_of_same_class(write_config):
    path = write_config(
        {
            "exporters": [
                {"class_name": RECORDING, "config": {"label": "file", "file_path": "f.jsonl"}, "enabled": False},
                {"class_name": PLAIN, "config": {"label": "untouched"}},
            ]
        }
    )
    direct = [ExporterConfig(f"{SUPPORT}:RecordingExporter", {"label": "direct"})]
    configs = ExporterConfigManager().generate_export_config(direct_config=direct, config_file_path=path)
    assert configs == [
        ExporterConfig(RECORDING, {"label": "direct", "file_path": "f.jsonl"}, True),
        ExporterConfig(PLAIN, {"label": "untouched"}, True),
    ]


def test_direct_config_merges_over_entry_point_defaults_and_can_disable(plugin):
    direct = [{"class_name": RECORDING, "config": {"label": "direct"}, "enabled": False}]
    configs = ours(ExporterConfigManager().generate_export_config(direct_config=direct))
    assert ExporterConfig(RECORDING, {"label": "direct", "file_path": "ep.jsonl"}, False) in configs


def test_direct_config_for_a_new_class_is_appended(plugin, write_config):
    path = write_config({"exporters": [{"class_name": PLAIN}]})
    direct = [{"class_name": f"{SUPPORT}.KwargsExporter", "config": {"a": 1}}]
    configs = ExporterConfigManager().generate_export_config(direct_config=direct, config_file_path=path)
    assert configs == [ExporterConfig(PLAIN), ExporterConfig(f"{SUPPORT}.KwargsExporter", {"a": 1})]


def test_sources_are_tracked(plugin, write_config):
    manager = ExporterConfigManager()
    report = manager.generate_export_config_with_sources(direct_config=[{"class_name": RECORDING}])
    recording = next(e for e in report.entries if e.config.class_name == RECORDING)
    assert recording.sources[0].kind == "entry_point"
    assert plugin in recording.sources[0].location and "1.2.3" in recording.sources[0].location
    assert recording.sources[1] == ConfigSource("direct")

    path = write_config({"exporters": [{"class_name": PLAIN}]})
    report = manager.generate_export_config_with_sources(config_file_path=path)
    assert [(e.config.class_name, e.sources) for e in report.entries] == [(PLAIN, (ConfigSource("file", str(path)),))]
    assert report.config_file == path and report.config_file_via == "config_file_path argument"
    assert "config file" in report.entries[0].describe_sources()


def test_direct_entry_merges_into_every_entry_of_its_class(write_config):
    path = write_config(
        {
            "exporters": [
                {"class_name": RECORDING, "config": {"label": "a", "file_path": "a.jsonl"}},
                {"class_name": f"{SUPPORT}:RecordingExporter", "config": {"label": "b", "file_path": "b.jsonl"}},
            ]
        }
    )
    configs = ExporterConfigManager().generate_export_config(
        direct_config=[{"class_name": RECORDING, "config": {"label": "both"}}], config_file_path=path
    )
    assert [c.config for c in configs] == [
        {"label": "both", "file_path": "a.jsonl"},
        {"label": "both", "file_path": "b.jsonl"},
    ]
