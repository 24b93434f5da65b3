"""``one-logger --version`` names the three OneLogger distributions and the OpenTelemetry SDK, with versions."""

import sys
from importlib import metadata

import pytest

from nv_one_logger.cli.main import main
from nv_one_logger.core.internal.version import __version__
from tests.support.processes import run_command


def _report_lines(capsys) -> list:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    return capsys.readouterr().out.splitlines()


def test_version_lists_each_distribution_with_its_installed_version(capsys):
    lines = _report_lines(capsys)
    assert lines[0].startswith(f"one-logger {__version__} (Python ")
    rows = dict(line.split() for line in lines[1:])
    assert rows == {
        "nv-one-logger-core": metadata.version("nv-one-logger-core"),
        "nv-one-logger-file": metadata.version("nv-one-logger-file"),
        "nv-one-logger-otel": metadata.version("nv-one-logger-otel"),
        "opentelemetry-sdk": metadata.version("opentelemetry-sdk"),
    }


def test_version_says_not_installed_for_a_missing_distribution(capsys, monkeypatch):
    real_version = metadata.version

    def without_sdk(name: str) -> str:
        if name == "opentelemetry-sdk":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(metadata, "version", without_sdk)
    lines = _report_lines(capsys)
    assert any(line.split(None, 1) == ["opentelemetry-sdk", "not installed"] for line in lines)


def test_version_runs_as_a_module_without_a_subcommand():
    done = run_command([sys.executable, "-m", "nv_one_logger.cli", "--version"], timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert f"nv-one-logger-core  {metadata.version('nv-one-logger-core')}" in done.stdout
