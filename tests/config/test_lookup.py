"""Config file lookup: explicit path, then $ONE_LOGGER_EXPORTER_CONFIG_PATH, then the working directory."""

import logging

import pytest

from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from tests.support.config_exporters import SUPPORT
from tests.support.log_records import warning_messages

ENV = "ONE_LOGGER_EXPORTER_CONFIG_PATH"


def file_for(write_config, label, name, directory=None):
    content = {"exporters": [{"class_name": f"{SUPPORT}.PlainExporter", "config": {"label": label}}]}
    if directory is None:
        return write_config(content, name)
    return write_config(content, name, directory)


def labels(configs):
    return [c.config.get("label") for c in configs]


def test_explicit_path_wins_over_env_and_cwd(write_config, monkeypatch, isolated_lookup):
    explicit = file_for(write_config, "explicit", "explicit.json")
    monkeypatch.setenv(ENV, str(file_for(write_config, "env", "env.json")))
    file_for(write_config, "cwd", "one_logger_exporters_config.json", isolated_lookup)
    report = ExporterConfigManager().generate_export_config_with_sources(config_file_path=str(explicit))
    assert labels(report.exporter_configs) == ["explicit"]
    assert report.config_file_via == "config_file_path argument"


def test_explicit_path_may_be_any_path_like_object(write_config, monkeypatch, isolated_lookup):
    explicit = file_for(write_config, "explicit", "explicit.json")
    monkeypatch.setenv(ENV, str(file_for(write_config, "env", "env.json")))

    class PathLike:  # os.DirEntry and the paths of other libraries are path-like without being str or Path
        def __fspath__(self):
            return str(explicit)

    report = ExporterConfigManager().generate_export_config_with_sources(config_file_path=PathLike())
    assert labels(report.exporter_configs) == ["explicit"]


def test_env_var_used_when_no_explicit_path(write_config, monkeypatch, isolated_lookup):
    monkeypatch.setenv(ENV, str(file_for(write_config, "env", "env.json")))
    file_for(write_config, "cwd", "one_logger_exporters_config.json", isolated_lookup)
    report = ExporterConfigManager().generate_export_config_with_sources()
    assert labels(report.exporter_configs) == ["env"]
    assert report.config_file_via == f"${ENV}"


def test_missing_explicit_path_falls_back_to_env_with_one_warning(write_config, monkeypatch, caplog, tmp_path):
    monkeypatch.setenv(ENV, str(file_for(write_config, "env", "env.json")))
    missing = tmp_path / "typo.json"
    with caplog.at_level(logging.WARNING):
        configs = ExporterConfigManager().generate_export_config(config_file_path=missing)
    assert labels(configs) == ["env"]
    warnings = warning_messages(caplog)
    assert len(warnings) == 1 and str(missing) in warnings[0] and "does not exist" in warnings[0]


def test_missing_env_path_falls_back_to_cwd(write_config, monkeypatch, isolated_lookup, tmp_path):
    monkeypatch.setenv(ENV, str(tmp_path / "nope.yaml"))
    file_for(write_config, "cwd", "one_logger_exporters_config.json", isolated_lookup)
    report = ExporterConfigManager().generate_export_config_with_sources()
    assert labels(report.exporter_configs) == ["cwd"]
    assert report.config_file_via == "working directory"
    assert any("nope.yaml" in note for note in report.notes)


@pytest.mark.parametrize(
    "present, expected",
    [
        (["one_logger_exporters_config.json"], "one_logger_exporters_config.json"),
        (["one_logger_exporters_config.yml", "one_logger_exporters_config.json"], "one_logger_exporters_config.yml"),
        (
            ["one_logger_exporters_config.yaml", "one_logger_exporters_config.yml", "one_logger_exporters_config.json"],
            "one_logger_exporters_config.yaml",
        ),
    ],
)
def test_working_directory_names_in_order(present, expected, write_config, isolated_lookup):
    for name in present:
        # JSON is valid YAML, so the same content works for every suffix.
        file_for(write_config, name, name, isolated_lookup)
    report = ExporterConfigManager().generate_export_config_with_sources()
    assert report.config_file == isolated_lookup / expected
    assert labels(report.exporter_configs) == [expected]


def test_yaml_file(write_config):
    path = write_config(
        f"""
# exporters for this job
exporters:
  - class_name: {SUPPORT}.PlainExporter
    config:
      label: from-yaml
  - class_name: {SUPPORT}.KwargsExporter
    enabled: false
""",
        "exporters.yaml",
    )
    configs = ExporterConfigManager().generate_export_config(config_file_path=path)
    assert [(c.class_name, c.config, c.enabled) for c in configs] == [
        (f"{SUPPORT}.PlainExporter", {"label": "from-yaml"}, True),
        (f"{SUPPORT}.KwargsExporter", {}, False),
    ]


def test_no_file_anywhere_leaves_only_package_defaults(fake_entry_points):
    fake_entry_points({"recording": f"{SUPPORT}:PluginDefaults"})
    report = ExporterConfigManager().generate_export_config_with_sources()
    assert report.config_file is None
    assert f"{SUPPORT}.RecordingExporter" in [c.class_name for c in report.exporter_configs]
    assert report.searched[-1].endswith("one_logger_exporters_config.json")


@pytest.mark.parametrize(
    "content",
    [
        '{"exporters": [{"class_name": "tests.support.config_exporters.PlainExporter"}]}',
        "exporters:\n  - class_name: tests.support.config_exporters.PlainExporter\n",
    ],
)
def test_file_without_known_suffix_is_sniffed(content, write_config, monkeypatch):
    monkeypatch.setenv(ENV, str(write_config(content, "exporters.conf")))
    configs = ExporterConfigManager().generate_export_config()
    assert [c.class_name for c in configs] == [f"{SUPPORT}.PlainExporter"]


def test_null_exporters_means_none(write_config, fake_entry_points):
    fake_entry_points({"recording": f"{SUPPORT}:PluginDefaults"})
    assert ExporterConfigManager().generate_export_config(config_file_path=write_config("exporters:\n", "e.yaml")) == []
