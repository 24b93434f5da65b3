"""Bad FileExporter arguments are refused at construction with a OneLoggerError naming the argument.

Before, some raised a bare TypeError/AttributeError (``FileExporter(123)``, a non-config ``one_logger_config``)
and some were accepted and misbehaved later (``fsync="yes"`` is truthy; ``overwrite="no"`` truncated the file).
"""

import logging
from pathlib import Path

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.exporter.exporter_config import ExporterConfig
from nv_one_logger.exporter.file_exporter import FileExporter
from tests.support.log_records import warning_messages


@pytest.mark.parametrize("bad", [123, None, b"x.jsonl", "", "  ", ["x.jsonl"]])
def test_bad_file_path_is_refused_naming_it(bad):
    with pytest.raises(OneLoggerError, match="FileExporter file_path"):
        FileExporter(bad)


@pytest.mark.parametrize("template", ["x{session_tag}.jsonl", "plain.jsonl"])
def test_one_logger_config_that_is_not_a_config_is_refused(tmp_path, template):
    with pytest.raises(OneLoggerError, match=r"FileExporter one_logger_config must be a .*OneLoggerConfig"):
        FileExporter(tmp_path / template, one_logger_config="c")


@pytest.mark.parametrize("option", ["overwrite", "fsync", "merge_start_stop"])
@pytest.mark.parametrize("bad", ["yes", "no", 1, None])
def test_bool_options_must_be_bools(tmp_path, option, bad):
    with pytest.raises(OneLoggerError, match=f"FileExporter {option} must be True or False"):
        FileExporter(tmp_path / "x.jsonl", **{option: bad})


@pytest.mark.parametrize("bad", ["10", 1.5, 0, -1, True])
def test_max_bytes_must_be_a_positive_int(tmp_path, bad):
    with pytest.raises(OneLoggerError, match="FileExporter max_bytes"):
        FileExporter(tmp_path / "x.jsonl", max_bytes=bad)


@pytest.mark.parametrize("bad", ["1", -1, float("nan"), None, True])
def test_reopen_check_interval_must_be_a_non_negative_number(tmp_path, bad):
    with pytest.raises(OneLoggerError, match="FileExporter reopen_check_interval_seconds"):
        FileExporter(tmp_path / "x.jsonl", reopen_check_interval_seconds=bad)


def test_good_arguments_are_accepted(tmp_path):
    exporter = FileExporter(
        str(tmp_path / "x.jsonl"), overwrite=True, fsync=False, max_bytes=100, reopen_check_interval_seconds=0
    )
    assert exporter.file_path == Path(tmp_path / "x.jsonl")


def test_config_system_reports_the_bad_option_in_one_warning_naming_the_exporter(tmp_path, caplog):
    config = ExporterConfig(
        class_name="nv_one_logger.exporter.file_exporter.FileExporter",
        config={"file_path": str(tmp_path / "x.jsonl"), "fsync": "yes"},
    )
    with caplog.at_level(logging.WARNING):
        exporters = ExporterConfigManager().create_exporters_from_config([config])
    assert exporters == []
    [warning] = warning_messages(caplog)
    assert "FileExporter" in warning and "fsync must be True or False, got str 'yes'" in warning
