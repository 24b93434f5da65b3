"""``one-logger doctor`` flags every set-up that loses data at run time, with the message a user sees.

Each case runs the installed console script in a fresh process with exactly the given environment, as a user
would. ``--probe`` cases talk to real endpoints: a closed port, a name that does not resolve, the test OTLP
sink (a real OTLP server) with and without faults.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest

pytest.importorskip("nv_one_logger.otel.env")

from tests.support.collector import free_port
from tests.support.processes import child_env, run_command

SECRET = "doctor-s3cret-value"


def doctor(tmp_path: Path, env: Dict[str, str], *args: str) -> Tuple[int, str]:
    script = Path(sys.executable).with_name("one-logger")
    result = run_command([script, "doctor", *args], env=child_env(env), cwd=tmp_path, timeout=120, check=False)
    out = result.stdout + result.stderr
    assert SECRET not in out
    return result.returncode, out


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_TIMEOUT": "abc"},
            "OTEL_EXPORTER_OTLP_TIMEOUT='abc' is not a positive number of milliseconds; ignored, 10000 applies.",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "abc"},
            "the OpenTelemetry gRPC exporter cannot be built with it (it parses this variable itself); nothing would",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            "requests would go to 'http://c:4318/v1/traces/v1/traces'",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            "OTEL_EXPORTER_OTLP_ENDPOINT='c:4318' has no scheme; OTLP/HTTP needs a URL such as http://c:4318",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "c:4317"},
            "OTEL_EXPORTER_OTLP_ENDPOINT='c:4317' has no scheme, so gRPC uses TLS",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "OTEL_EXPORTER_OTLP_PROTOCOL='http/json' is not supported",
        ),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "x"},
            "OTEL_TRACES_SAMPLER_ARG='x' is not a ratio in [0, 1]",
        ),
    ],
)
def test_each_bad_setting_is_a_problem_with_exit_status_1(tmp_path, env, message):
    code, out = doctor(tmp_path, env)
    assert code == 1, out
    assert message in out


def test_a_good_setting_has_no_problem(tmp_path):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
    code, out = doctor(tmp_path, {**env, "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{SECRET}"})
    assert code == 0, out
    assert "http://c:4318/v1/traces  (OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces)" in out
    assert "authorization (values not shown" in out


def test_probe_connection_refused(tmp_path):
    code, out = doctor(tmp_path, {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}"}, "--probe")
    assert code == 1, out
    assert "probe:                  connection refused by 127.0.0.1:" in out


def test_probe_dns_failure(tmp_path):
    code, out = doctor(tmp_path, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://no-such-host.invalid:4317"}, "--probe")
    assert code == 1, out
    assert "DNS: the host name 'no-such-host.invalid' does not resolve" in out


def test_probe_tls_against_a_plaintext_server_names_the_trust_used(tmp_path, otlp_sink):
    endpoint = otlp_sink.http_endpoint.replace("http://", "https://")
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
    code, out = doctor(tmp_path, env, "--probe")
    assert code == 1, out
    assert "TLS handshake with 127.0.0.1 failed" in out and "trust: the system trust store" in out


@pytest.mark.collector
@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_probe_delivers_one_span(tmp_path, otlp_sink, protocol):
    endpoint = otlp_sink.grpc_endpoint if protocol == "grpc" else otlp_sink.http_endpoint
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
        "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{SECRET}",
    }
    code, out = doctor(tmp_path, env, "--probe")
    assert code == 0, out
    assert "probe:                  connected: one span delivered to" in out
    otlp_sink.wait_for_spans(lambda s: s.name == "one_logger.doctor.probe")
    (request,) = otlp_sink.requests()
    assert request.headers["authorization"] == f"Bearer {SECRET}"


@pytest.mark.collector
def test_probe_http_status_names_the_url_requested(tmp_path, otlp_sink):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp_sink.http_traces_url, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
    code, out = doctor(tmp_path, env, "--probe")
    assert code == 1, out
    assert f"export to {otlp_sink.http_traces_url}/v1/traces failed" in out
    assert "404" in out


def _file_config(tmp_path: Path, **config: object) -> Dict[str, str]:
    import json

    path = tmp_path / "exporters.json"
    entry = {"class_name": "nv_one_logger.exporter.file_exporter.FileExporter", "config": config}
    path.write_text(json.dumps({"exporters": [entry]}))
    return {"ONE_LOGGER_EXPORTER_CONFIG_PATH": str(path)}


def test_fsync_yes_in_a_config_file_is_refused_as_the_job_would(tmp_path):
    code, out = doctor(tmp_path, _file_config(tmp_path, file_path=str(tmp_path / "run.jsonl"), fsync="yes"))
    assert code == 1, out
    assert "would NOT be created" in out
    assert "FileExporter fsync must be True or False, got str 'yes'." in out


def test_unwritable_file_path_is_a_problem(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, out = doctor(tmp_path, _file_config(tmp_path, file_path=str(blocker / "run.jsonl")))
    assert code == 1, out
    assert f"cannot create {blocker}/run.jsonl: {blocker} is not a writable directory" in out


def test_probe_writes_and_removes_a_probe_record(tmp_path):
    target = tmp_path / "new" / "dirs" / "run.jsonl"
    code, out = doctor(tmp_path, _file_config(tmp_path, file_path=str(target)), "--probe")
    assert code == 0, out
    assert "destination: writable (probe record written and removed)" in out
    assert not (tmp_path / "new").exists()  # the directories made for the probe are gone again


def test_probe_of_a_path_that_cannot_be_created(tmp_path):
    code, out = doctor(tmp_path, _file_config(tmp_path, file_path="/proc/no-such-dir/run.jsonl"), "--probe")
    assert code == 1, out
    assert "writing a probe record next to /proc/no-such-dir/run.jsonl failed" in out


def test_probe_auth_rejected(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Refusing(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(401, "Unauthorized")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{SECRET}",
        }
        code, out = doctor(tmp_path, env, "--probe")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1, out
    assert f"auth rejected by {endpoint}/v1/traces" in out and "401" in out
