import dataclasses

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.exporter.exporter_config import ExporterConfig, ExporterConfigError, parse_exporter_entry


def test_exporter_config_is_the_spec_dataclass():
    fields = [(f.name, f.init) for f in dataclasses.fields(ExporterConfig)]
    assert fields == [("class_name", True), ("config", True), ("enabled", True)]
    config = ExporterConfig("pkg.mod.Cls")
    assert config.config == {} and config.enabled is True
    assert ExporterConfig("a.B", {"x": 1}, False) == ExporterConfig(class_name="a.B", config={"x": 1}, enabled=False)


def test_default_config_dicts_are_not_shared():
    first, second = ExporterConfig("a.B"), ExporterConfig("a.B")
    first.config["x"] = 1
    assert second.config == {}


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"class_name": ""}, "class_name must be a non-empty string"),
        ({"class_name": 3}, "class_name must be a non-empty string"),
        ({"class_name": "a.B", "config": ["x"]}, "'a.B' must be a dict"),
        ({"class_name": "a.B", "enabled": "no"}, "'a.B' must be true or false"),
    ],
)
def test_wrong_types_in_code_raise_one_logger_error(kwargs, fragment):
    with pytest.raises(OneLoggerError, match=fragment):
        ExporterConfig(**kwargs)


def test_parse_entry_defaults_and_normalisation():
    parsed = parse_exporter_entry({"class_name": " pkg.mod:Cls ", "config": None}, "here")
    assert parsed == ExporterConfig("pkg.mod:Cls", {}, True)
    assert parsed.normalized_class_name == "pkg.mod.Cls"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("pkg.Cls", "here: an exporter entry must be a mapping"),
        ({"config": {}}, "here: the entry has no 'class_name'"),
        ({"class_name": 5}, "here: 'class_name' must be a non-empty string"),
        ({"class_name": "a.B", "config": "x=1"}, r"here \(a.B\): 'config' must be a mapping"),
        ({"class_name": "a.B", "config": {"not valid": 1}}, r"here \(a.B\): 'config' keys must be argument names"),
        ({"class_name": "a.B", "enabled": "false"}, r"here \(a.B\): 'enabled' must be true or false"),
        ({"class_name": "a.B", "enable": False}, r"here \(a.B\): unknown key\(s\) 'enable'"),
    ],
)
def test_parse_entry_errors_name_the_entry(raw, fragment):
    with pytest.raises(ExporterConfigError, match=fragment):
        parse_exporter_entry(raw, "here")
