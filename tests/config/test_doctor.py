"""`one-logger doctor`: what would be created, from where, the resolved OTLP settings, and no secrets."""

import json
import sys
from pathlib import Path

import pytest

from nv_one_logger.cli.main import main
from tests.support.config_exporters import SUPPORT
from tests.support.processes import child_env, run_command

SECRET = "s3cr3t-token-value-9f2c"


def run(capsys, *args):
    code = main(["doctor", *args])
    out = capsys.readouterr().out
    return code, out


def test_lists_exporters_with_source_and_redacts_secret_config(write_config, capsys):
    path = write_config(
        {
            "exporters": [
                {
                    "class_name": f"{SUPPORT}.KwargsExporter",
                    "config": {
                        "label": "visible-label",
                        "headers": {"Authorization": f"Bearer {SECRET}"},
                        "api_token": SECRET,
                        "options": {"password": SECRET, "retries": 3},
                        "endpoint": f"https://user:{SECRET}@collector.example:4318",
                    },
                },
                {"class_name": f"{SUPPORT}.PlainExporter", "enabled": False},
            ]
        }
    )
    code, out = run(capsys, "--config", str(path))
    assert code == 0, out
    assert SECRET not in out
    assert f"[1] {SUPPORT}.KwargsExporter" in out
    assert f"config file {path}" in out
    assert "would create tests.support.config_exporters.KwargsExporter" in out
    assert '"visible-label"' in out
    assert "headers: <redacted>" in out and "api_token: <redacted>" in out
    assert '"password": "<redacted>"' in out and '"retries": 3' in out
    assert "https://<redacted>@collector.example:4318" in out
    assert f"[2] {SUPPORT}.PlainExporter" in out and "enabled: no" in out
    assert "No problems found." in out


def test_entry_point_source_is_shown(fake_entry_points, capsys):
    dist = fake_entry_points({"recording": f"{SUPPORT}:PluginDefaults"})
    code, out = run(capsys)
    assert code == 0, out
    assert f"entry point 'recording' ({dist} 1.2.3)" in out
    assert "config file: none used; looked at:" in out


def test_env_var_config_file_is_honoured(write_config, monkeypatch, capsys):
    path = write_config({"exporters": [{"class_name": f"{SUPPORT}.PlainExporter"}]})
    monkeypatch.setenv("ONE_LOGGER_EXPORTER_CONFIG_PATH", str(path))
    code, out = run(capsys)
    assert code == 0
    assert f"config file: {path}  (found via $ONE_LOGGER_EXPORTER_CONFIG_PATH" in out


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('{"exporters": [', "invalid JSON"),
        ({"exporters": [{"class_name": "subprocess.Popen"}]}, "refusing exporter class_name 'subprocess.Popen'"),
        ({"exporters": [{"class_name": f"{SUPPORT}.PlainExporter", "config": {"lable": 1}}]}, "'lable'"),
        ({"exporters": [{"config": {}}]}, "no 'class_name'"),
    ],
)
def test_config_errors_exit_non_zero_with_message(content, fragment, write_config, capsys):
    path = write_config(content)
    code, out = run(capsys, "--config", str(path))
    assert code == 1
    assert "Problems (1):" in out and fragment in out


def test_missing_explicit_config_file_is_a_problem(tmp_path, capsys):
    code, out = run(capsys, "--config", str(tmp_path / "missing.yaml"))
    assert code == 1 and "missing.yaml (config_file_path) does not exist" in out


def test_otlp_settings_without_header_values(monkeypatch, capsys):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer%20{SECRET},x-tenant=acme-{SECRET}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "7000")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "trainer")
    _, out = run(capsys)
    assert SECRET not in out
    assert "http://collector:4318/v1/traces" in out
    assert "http/protobuf  (OTEL_EXPORTER_OTLP_PROTOCOL)" in out
    assert "authorization, x-tenant (values not shown" in out
    assert "7000 ms  (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT)" in out
    assert "trainer  (OTEL_SERVICE_NAME)" in out


def test_otlp_defaults(capsys):
    code, out = run(capsys)
    assert code == 0, out
    assert "trace exporters:        none" in out
    assert "http://localhost:4317  (default)" in out
    assert "grpc  (default)" in out


def test_console_script_never_prints_header_values(tmp_path, write_config):
    script = Path(sys.executable).with_name("one-logger")
    assert script.exists(), "the one-logger console script is not installed in this environment"
    path = write_config({"exporters": [{"class_name": f"{SUPPORT}.KwargsExporter", "config": {"token": SECRET}}]})
    env = child_env(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example:4317",
            "OTEL_EXPORTER_OTLP_HEADERS": f"api-key={SECRET}",
            "ONE_LOGGER_EXPORTER_CONFIG_PATH": str(path),
        }
    )
    result = run_command([script, "doctor"], env=env, cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert "https://otlp.example:4317  (OTEL_EXPORTER_OTLP_ENDPOINT)" in result.stdout
    assert "api-key (values not shown" in result.stdout
    assert "token: <redacted>" in result.stdout
    assert json.dumps(SECRET) not in result.stdout


def test_unsupported_protocol_is_a_problem(monkeypatch, capsys):
    pytest.importorskip("nv_one_logger.otel.env")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
    code, out = run(capsys)
    assert code == 1
    assert "OTEL_EXPORTER_OTLP_PROTOCOL='http/json' is not supported" in out
