"""YAML needs the core's `yaml` extra; JSON always works."""

import logging
import sys

from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from tests.support.config_exporters import SUPPORT
from tests.support.log_records import warning_messages
from tests.support.processes import run_command


def test_yaml_without_pyyaml_says_what_to_install(monkeypatch, write_config, caplog):
    monkeypatch.setitem(sys.modules, "yaml", None)  # `import yaml` now raises ImportError
    path = write_config(f"exporters:\n  - class_name: {SUPPORT}.PlainExporter\n", "exporters.yaml")
    with caplog.at_level(logging.WARNING):
        configs = ExporterConfigManager().generate_export_config(config_file_path=path)
    [warning] = warning_messages(caplog)
    assert str(path) in warning and "nv-one-logger-core[yaml]" in warning
    assert f"{SUPPORT}.PlainExporter" not in [c.class_name for c in configs]


def test_json_works_without_pyyaml(monkeypatch, write_config):
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = write_config({"exporters": [{"class_name": f"{SUPPORT}.PlainExporter"}]}, "exporters.json")
    configs = ExporterConfigManager().generate_export_config(config_file_path=path)
    assert [c.class_name for c in configs] == [f"{SUPPORT}.PlainExporter"]


def test_core_config_modules_do_not_import_yaml_eagerly():
    code = (
        "import sys; import nv_one_logger.exporter.export_config_manager, nv_one_logger.cli.doctor; "
        "print('yaml' in sys.modules)"
    )
    result = run_command([sys.executable, "-c", code], timeout=120)
    assert result.stdout.strip() == "False"
