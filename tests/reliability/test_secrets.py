"""Security: OTLP header values (tokens) never appear in logs, exception messages, reprs or `one-logger doctor`.

The headers are given the standard way (OTEL_EXPORTER_OTLP_HEADERS / ..._TRACES_HEADERS), well-formed and in
the malformed shapes people actually write (`Authorization: Bearer ...` with a colon, a quoted value, a token
containing a comma). The application logs everything at DEBUG (OneLogger, the OpenTelemetry SDK, gRPC) while
its exports fail, prints reprs and exception messages, and the test also runs `one-logger doctor`. No token may
appear in anything the process prints, in the record file, or in the doctor's output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.support.collector import free_port
from tests.support.processes import AppProcess, child_env, run_command

SECRETS = ["SECRET-TOKEN-ALPHA", "SECRET-TOKEN-BRAVO", "SECRET-TOKEN-CHARLIE", "SECRET-TOKEN-DELTA", "SECRET-ECHO"]

HEADER_SHAPES = {
    "well-formed": {
        "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer%20{SECRETS[0]},x-api-key={SECRETS[1]}",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": f"authorization=Bearer%20{SECRETS[2]}",
    },
    "colon instead of equals": {"OTEL_EXPORTER_OTLP_HEADERS": f"Authorization: Bearer {SECRETS[0]}"},
    "quoted value": {"OTEL_EXPORTER_OTLP_HEADERS": f'x-token="{SECRETS[1]}",x-api-key={SECRETS[2]}'},
    "comma inside the token": {"OTEL_EXPORTER_OTLP_HEADERS": f"x-api-key={SECRETS[3]},{SECRETS[4]}"},
    # The SDK's failure reason (gRPC quotes its target "user:password@host:port") must not carry it either.
    "password in the endpoint URL": {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://user:{SECRETS[4]}@127.0.0.1:{{port}}"},
}


def shape_env(shape: str, port: int) -> dict:
    return {name: value.replace("{port}", str(port)) for name, value in HEADER_SHAPES[shape].items()}


PROTOCOLS = ["grpc", "http/protobuf"]


def assert_no_secret(where: str, text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text or secret.lower() in text.lower()]
    if leaked:
        line = next(line for line in text.splitlines() if any(s.lower() in line.lower() for s in leaked))
        raise AssertionError(f"token {leaked[0]} leaked in {where}: {line[:300]}")


@pytest.mark.slow
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("shape", list(HEADER_SHAPES))
def test_tokens_never_leak_from_the_application(
    tmp_path: Path, shape: str, protocol: str, figure: Callable[[str, Any], None]
) -> None:
    path = tmp_path / "records.jsonl"
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
        "OTEL_EXPORTER_OTLP_TIMEOUT": "1000",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "GRPC_VERBOSITY": "debug",
        **shape_env(shape, free_port()),
    }
    app = AppProcess("secrets_app", [str(path)], env=env, cwd=tmp_path)
    _, code = app.wait_done_and_exit(done_timeout=60, exit_timeout=30)
    stdout = "\n".join(line.text for line in app.snapshot())
    stderr = app.stderr()
    assert code == 0, stderr[-3000:]
    assert "EXC" in stdout and "REPR" in stdout
    assert "lost" in stderr, "the failing exports were not even reported"
    figure("lines of log output checked", len(stderr.splitlines()) + len(stdout.splitlines()))
    assert_no_secret("the application's output (reprs, exception messages)", stdout)
    assert_no_secret("the application's log", stderr)
    assert_no_secret("the record file", path.read_text())


@pytest.mark.parametrize("shape", list(HEADER_SHAPES))
def test_tokens_never_leak_from_the_doctor(tmp_path: Path, shape: str) -> None:
    env = child_env({"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}", **shape_env(shape, free_port())})
    result = run_command(
        [sys.executable, "-m", "nv_one_logger.cli", "doctor"],
        timeout=60,
        check=False,  # the test reads the exit status
        env=env,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert "OTLP" in output or "otlp" in output, output
    assert_no_secret("one-logger doctor", output)
