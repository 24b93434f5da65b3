"""Bad configuration: one clear warning naming the file/entry, everything else still built, no crash."""

import logging

import pytest

from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.exporter_config import ExporterConfig
from tests.support.config_exporters import SUPPORT
from tests.support.log_records import warning_messages

GOOD = {"class_name": f"{SUPPORT}.PlainExporter", "config": {"label": "good"}}


def build(caplog, **kwargs):
    manager = ExporterConfigManager()
    with caplog.at_level(logging.WARNING):
        configs = manager.generate_export_config(**kwargs)
        exporters = manager.create_exporters_from_config(configs)
    return configs, exporters


@pytest.fixture
def plugin(fake_entry_points):
    fake_entry_points({"recording": f"{SUPPORT}:PluginDefaults"})


def test_malformed_json_names_file_and_line_and_keeps_package_defaults(plugin, write_config, caplog):
    path = write_config('{\n  "exporters": [\n    {"class_name": "x.Y",}\n  ]\n}\n', "bad.json")
    configs, exporters = build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert f"{path}:3:" in warning and "invalid JSON" in warning
    assert f"{SUPPORT}.RecordingExporter" in [c.class_name for c in configs]
    assert any(type(e).__name__ == "RecordingExporter" for e in exporters)


def test_malformed_yaml_names_file_and_line(plugin, write_config, caplog):
    path = write_config("exporters:\n  - class_name: a.B\n    config: {label: [unclosed\n  - x\n", "bad.yaml")
    configs, _ = build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert f"{path}:" in warning and "invalid YAML" in warning
    line = int(warning.split(f"{path}:")[1].split(":")[0])
    assert 3 <= line <= 5
    assert f"{SUPPORT}.RecordingExporter" in [c.class_name for c in configs]


def test_yaml_tab_indentation_error_names_line(write_config, caplog):
    path = write_config("exporters:\n  - class_name: a.B\n\tconfig: {}\n", "tabs.yml")
    build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert f"{path}:3:" in warning


@pytest.mark.parametrize(
    "content, fragment",
    [
        ({"exporter": []}, "has no 'exporters' key"),
        ([GOOD], "the top level must be a mapping"),
        ({"exporters": {"class_name": "a.B"}}, "'exporters' must be a list"),
        ("", "is empty"),
    ],
)
def test_file_structure_errors_name_the_file(content, fragment, plugin, write_config, caplog):
    path = write_config(content, "structure.yaml" if content == "" else "structure.json")
    configs, _ = build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert str(path) in warning and fragment in warning
    assert f"{SUPPORT}.RecordingExporter" in [c.class_name for c in configs]


@pytest.mark.parametrize(
    "bad_entry, fragment",
    [
        ({"config": {"label": "x"}}, "exporters[0]: the entry has no 'class_name'"),
        ({"class_name": f"{SUPPORT}.PlainExporter", "config": "label=x"}, "'config' must be a mapping"),
        ({"class_name": f"{SUPPORT}.PlainExporter", "config": ["label"]}, "'config' must be a mapping"),
        ({"class_name": f"{SUPPORT}.PlainExporter", "enabled": "yes"}, "'enabled' must be true or false"),
        ("just.a.String", "exporters[0]: an exporter entry must be a mapping"),
    ],
)
def test_invalid_entry_is_skipped_others_built(bad_entry, fragment, write_config, caplog):
    path = write_config({"exporters": [bad_entry, GOOD]})
    _, exporters = build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert warning.startswith(f"skipping exporter entry: {path}: exporters[0]")
    assert fragment in warning
    assert [e.label for e in exporters] == ["good"]


@pytest.mark.parametrize(
    "class_name, fragment",
    [
        ("tests.config.no_such_module.Exporter", "cannot import exporter class 'tests.config.no_such_module.Exporter'"),
        (f"{SUPPORT}.NoSuchExporter", "has no attribute 'NoSuchExporter'"),
        ("not_a_dotted_name", "must be a dotted path"),
        (f"{SUPPORT}:", "has no attribute"),
    ],
)
def test_unimportable_class_is_skipped_with_one_warning(class_name, fragment, write_config, caplog):
    path = write_config({"exporters": [{"class_name": class_name}, GOOD]})
    _, exporters = build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert fragment in warning and f"(from config file {path})" in warning
    assert [e.label for e in exporters] == ["good"]


def test_module_that_fails_to_import_is_reported(tmp_path, monkeypatch, write_config, caplog):
    package = tmp_path / "broken_pkg_for_config_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write_config({"exporters": [{"class_name": "broken_pkg_for_config_test.mod.Exp"}, GOOD]})
    _, exporters = build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert "module 'broken_pkg_for_config_test.mod' failed to import: " in warning
    assert "a_dependency_that_is_not_installed" in warning
    assert [e.label for e in exporters] == ["good"]


def test_constructor_that_raises_is_skipped_with_one_warning(write_config, caplog):
    path = write_config({"exporters": [{"class_name": f"{SUPPORT}.RaisingExporter", "config": {"label": "r"}}, GOOD]})
    _, exporters = build(caplog, config_file_path=path)
    [warning] = warning_messages(caplog)
    assert f"'{SUPPORT}.RaisingExporter' raised in its constructor: RuntimeError: cannot start exporter r" in warning
    assert f"(from config file {path})" in warning
    assert [e.label for e in exporters] == ["good"]


def test_bad_direct_entries_are_skipped(caplog):
    _, exporters = build(
        caplog, direct_config=[{"class_name": f"{SUPPORT}.PlainExporter", "config": 3}, ExporterConfig(**GOOD)]
    )
    [warning] = warning_messages(caplog)
    assert warning.startswith("skipping direct exporter entry: direct exporters_config[0]")
    assert "'config' must be a mapping" in warning
    assert [e.label for e in exporters if type(e).__name__ == "PlainExporter"] == ["good"]


def test_direct_config_of_wrong_type_is_ignored(caplog):
    configs, _ = build(caplog, direct_config={"class_name": "a.B"})
    [warning] = warning_messages(caplog)
    assert "expected a list of ExporterConfig or dicts, got dict" in warning
    assert "a.B" not in [c.class_name for c in configs]


def test_create_with_invalid_items_skips_them(caplog):
    with caplog.at_level(logging.WARNING):
        exporters = ExporterConfigManager().create_exporters_from_config(
            [{"class_name": f"{SUPPORT}.PlainExporter", "config": {"label": "dict"}}, 42]
        )
    assert [e.label for e in exporters] == ["dict"]
    [warning] = warning_messages(caplog)
    assert "exporters_config[1]" in warning
