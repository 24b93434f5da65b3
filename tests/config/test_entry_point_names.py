"""One package default per entry point name, whatever number of installs register it."""

from __future__ import annotations

import logging

from nv_one_logger.exporter.export_config_manager import ExporterConfigManager


def test_a_name_registered_twice_with_different_values_builds_one_exporter(
    fake_entry_points, monkeypatch, tmp_path, caplog
):
    # The metadata of an older install names the file exporter's defaults by another module path.
    fake_entry_points({"file": "nv_one_logger.exporter.file_exporter:FileExporterDefaults"})
    monkeypatch.setenv("ONE_LOGGER_FILE_EXPORTER_PATH", str(tmp_path / "out.jsonl"))
    with caplog.at_level(logging.WARNING):
        configs = ExporterConfigManager().generate_export_config()
    file_configs = [c for c in configs if c.class_name.endswith("FileExporter")]
    assert len(file_configs) == 1, configs
    assert any("'file'" in r.getMessage() and "registered twice" in r.getMessage() for r in caplog.records)
