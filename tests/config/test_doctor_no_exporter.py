"""`one-logger doctor` warns when no exporter would be created (it used to say only "No problems found.")."""

from nv_one_logger.cli.main import main
from tests.support.config_exporters import SUPPORT


def run(capsys, *args):
    code = main(["doctor", *args])
    return code, capsys.readouterr().out


def test_no_exporter_at_all_warns_and_says_how_to_enable_one(capsys):
    code, out = run(capsys)  # the conftest clears the config file lookup and the enabling variables
    assert code == 0  # a valid state (exporters may come from code), documented in docs/cli.md
    assert "WARNING: no exporter would be created" in out
    assert "ONE_LOGGER_FILE_EXPORTER_PATH" in out
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in out
    assert "one_logger_exporters_config.{yaml,yml,json}" in out and "ONE_LOGGER_EXPORTER_CONFIG_PATH" in out
    assert "No problems found, but no exporter would be created" in out
    assert "\nNo problems found.\n" not in out


def test_only_disabled_exporters_also_warn(write_config, capsys):
    path = write_config({"exporters": [{"class_name": f"{SUPPORT}.PlainExporter", "enabled": False}]})
    code, out = run(capsys, "--config", str(path))
    assert code == 0
    assert "WARNING: no exporter would be created" in out


def test_an_exporter_that_would_be_created_gives_no_warning(write_config, capsys):
    path = write_config({"exporters": [{"class_name": f"{SUPPORT}.PlainExporter"}]})
    code, out = run(capsys, "--config", str(path))
    assert code == 0
    assert "WARNING" not in out
    assert out.rstrip().endswith("No problems found.")
