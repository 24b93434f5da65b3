"""create_exporters_from_config: keyword arguments, file_path conversion, one_logger_config injection."""

from pathlib import Path

from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.exporter_config import ExporterConfig
from tests.support.config_exporters import SUPPORT


class FakeOneLoggerConfig:
    application_name = "app"


def test_enabled_entries_are_built_in_order_disabled_skipped():
    configs = [
        ExporterConfig(f"{SUPPORT}.PlainExporter", {"label": "one"}),
        ExporterConfig(f"{SUPPORT}.PlainExporter", {"label": "off"}, enabled=False),
        ExporterConfig(f"{SUPPORT}:PlainExporter", {"label": "two"}),
    ]
    exporters = ExporterConfigManager().create_exporters_from_config(configs)
    assert [e.label for e in exporters] == ["one", "two"]


def test_file_path_string_becomes_path():
    [exporter] = ExporterConfigManager().create_exporters_from_config(
        [ExporterConfig(f"{SUPPORT}.RecordingExporter", {"file_path": "out/x.jsonl"})]
    )
    assert exporter.file_path == Path("out/x.jsonl")


def test_one_logger_config_is_passed_only_to_classes_that_declare_it():
    app_config = FakeOneLoggerConfig()
    recording, plain, kwargs_exporter = ExporterConfigManager().create_exporters_from_config(
        [
            ExporterConfig(f"{SUPPORT}.RecordingExporter"),
            ExporterConfig(f"{SUPPORT}.PlainExporter"),
            ExporterConfig(f"{SUPPORT}.KwargsExporter"),
        ],
        training_telemetry_config=app_config,
    )
    assert recording.one_logger_config is app_config
    assert plain.label == ""
    assert kwargs_exporter.kwargs == {}


def test_one_logger_config_absent_when_not_given():
    [recording] = ExporterConfigManager().create_exporters_from_config([ExporterConfig(f"{SUPPORT}.RecordingExporter")])
    assert recording.one_logger_config is None


def test_explicit_one_logger_config_in_config_wins():
    explicit, app_config = object(), FakeOneLoggerConfig()
    [recording] = ExporterConfigManager().create_exporters_from_config(
        [ExporterConfig(f"{SUPPORT}.RecordingExporter", {"one_logger_config": explicit})],
        training_telemetry_config=app_config,
    )
    assert recording.one_logger_config is explicit


def test_file_path_user_home_is_expanded():
    [exporter] = ExporterConfigManager().create_exporters_from_config(
        [ExporterConfig(f"{SUPPORT}.RecordingExporter", {"file_path": "~/x.jsonl"})]
    )
    assert exporter.file_path == Path.home() / "x.jsonl"
