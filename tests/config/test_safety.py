"""A config file must not be a way to run code: only Exporter subclasses are ever instantiated."""

import logging
import os
import subprocess

import pytest

from nv_one_logger.exporter._exporter_factory import resolve_exporter_class
from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.exporter_config import ExporterConfig, ExporterConfigError
from tests.support import config_exporters
from tests.support.config_exporters import SUPPORT
from tests.support.log_records import warning_messages


@pytest.fixture
def tripwires(monkeypatch):
    """Replace dangerous callables with recorders so a test can prove they were never called."""
    calls = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(("Popen", a, k)))
    monkeypatch.setattr(os, "system", lambda *a, **k: calls.append(("system", a, k)))
    config_exporters.FORBIDDEN_CALLS.clear()
    yield calls
    config_exporters.FORBIDDEN_CALLS.clear()


@pytest.mark.parametrize(
    "class_name, what",
    [
        ("subprocess.Popen", "the function"),  # replaced by a lambda in the fixture
        ("subprocess:Popen", "the function"),
        ("os.system", "the function"),
        ("os", "must be a dotted path"),
        ("os.path", "the module posixpath" if os.name == "posix" else "the module"),
        ("builtins.eval", "builtin_function_or_method eval"),
        ("builtins.dict", "the class builtins.dict"),
        (f"{SUPPORT}.NotAnExporter", "the class tests.support.config_exporters.NotAnExporter"),
        (f"{SUPPORT}.not_an_exporter_function", "not_an_exporter_function"),
        (f"{SUPPORT}.SUPPORT", "a str value"),
        (f"{SUPPORT}.AbstractExporter", "is abstract"),
    ],
)
def test_non_exporters_are_refused_before_anything_is_called(class_name, what, tripwires, caplog):
    config = ExporterConfig(class_name, {"args": ["touch", "pwned"], "command": "touch pwned"})
    with caplog.at_level(logging.WARNING):
        exporters = ExporterConfigManager().create_exporters_from_config([config])
    assert exporters == []
    assert tripwires == [] and config_exporters.FORBIDDEN_CALLS == []
    warnings = warning_messages(caplog)
    assert len(warnings) == 1
    assert repr(class_name) in warnings[0]
    if what is not None:
        assert what in warnings[0]


def test_real_popen_and_system_are_refused_by_resolution():
    with pytest.raises(
        ExporterConfigError, match=r"it resolves to the class subprocess\.Popen, which is not a subclass"
    ):
        resolve_exporter_class("subprocess.Popen")
    with pytest.raises(ExporterConfigError, match="it resolves to the builtin_function_or_method system"):
        resolve_exporter_class("os.system")


def test_refusal_message_is_clear():
    with pytest.raises(ExporterConfigError) as info:
        resolve_exporter_class(f"{SUPPORT}.NotAnExporter")
    assert str(info.value) == (
        f"refusing exporter class_name '{SUPPORT}.NotAnExporter': it resolves to the class "
        f"{SUPPORT}.NotAnExporter, which is not a subclass of nv_one_logger.exporter.exporter.Exporter; "
        "only Exporter subclasses can be created from configuration"
    )


@pytest.mark.parametrize(
    "class_name",
    [
        f"{SUPPORT}.PlainExporter",
        f"{SUPPORT}:PlainExporter",
        f"{SUPPORT}:Outer.NestedExporter",
        f"{SUPPORT}.Outer.NestedExporter",
    ],
)
def test_exporter_subclasses_resolve_in_both_notations(class_name):
    resolved = resolve_exporter_class(class_name)
    assert resolved.__name__ in ("PlainExporter", "NestedExporter")


def test_unknown_keyword_argument_names_exporter_and_argument(caplog):
    configs = [
        ExporterConfig(f"{SUPPORT}.PlainExporter", {"label": "x", "lable": "typo"}),
        ExporterConfig(f"{SUPPORT}.KwargsExporter", {"anything": 1}),
    ]
    with caplog.at_level(logging.WARNING):
        exporters = ExporterConfigManager().create_exporters_from_config(configs)
    assert [type(e).__name__ for e in exporters] == ["KwargsExporter"]
    assert exporters[0].kwargs == {"anything": 1}
    [warning] = warning_messages(caplog)
    assert f"'{SUPPORT}.PlainExporter'" in warning and "'lable'" in warning and "accepts: label" in warning


def test_missing_required_argument_is_reported_not_called(caplog):
    with caplog.at_level(logging.WARNING):
        exporters = ExporterConfigManager().create_exporters_from_config(
            [ExporterConfig(f"{SUPPORT}.NeedsEndpointExporter")]
        )
    assert exporters == []
    [warning] = warning_messages(caplog)
    assert "NeedsEndpointExporter" in warning and "'endpoint'" in warning


def test_yaml_python_tags_cannot_construct_objects(write_config, tripwires, caplog):
    path = write_config(
        "exporters:\n  - class_name: !!python/object/apply:os.system ['touch pwned']\n", "exporters.yaml"
    )
    with caplog.at_level(logging.WARNING):
        configs = ExporterConfigManager().generate_export_config(config_file_path=path)
    assert tripwires == []
    assert not any(c.class_name.startswith("!!") for c in configs)
    assert any(str(path) in r.getMessage() for r in caplog.records)
