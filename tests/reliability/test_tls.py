"""Security: OTLP over TLS with a self-signed CA given through OTEL_EXPORTER_OTLP_CERTIFICATE.

rotel's OTLP receivers speak plain text only, so the application talks straight to the harness's OTLP sink
served over TLS (`tests.support.tls.TlsOtlpSink`, a trustme server certificate for localhost). The application is the
collector-fault app (`configure_one_logger`, FileExporter + the OTel package default), for both protocols.

- With the right CA every span arrives.
- With a wrong CA nothing can be delivered: the application carries on (all steps in the file, exit status 0
  within the shutdown bound) and the failure is explained in one clear log line (naming the certificate
  problem), not one line per batch; the close summary counts what was lost.

The test environment is kept as it is, including REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE if the machine sets them
(many do): the OTLP certificate setting must win over them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.support.fault_app import EXIT_TIMEOUT_S, STEPS, TEARDOWN_MARGIN_S, check_file_complete
from tests.support.processes import AppProcess
from tests.support.tls import TlsMaterial, TlsOtlpSink, make_tls_material
from tests.support.waiting import poll

PROTOCOLS = {"grpc": "grpc_endpoint", "http/protobuf": "http_endpoint"}

pytestmark = pytest.mark.slow


@pytest.fixture
def tls_material(tmp_path: Path) -> TlsMaterial:
    return make_tls_material(tmp_path / "tls")


@pytest.fixture
def tls_sink(tls_material: TlsMaterial) -> Iterator[TlsOtlpSink]:
    with TlsOtlpSink(tls_material) as sink:
        yield sink


def run_app(tmp_path: Path, protocol: str, endpoint: str, ca: Path) -> tuple[AppProcess, Path, float]:
    path = tmp_path / "records.jsonl"
    app = AppProcess(
        "fault_app",
        [str(path), str(STEPS), "0.02"],
        env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
            "OTEL_EXPORTER_OTLP_CERTIFICATE": str(ca),
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2000",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "APP_OTEL_SHUTDOWN_S": "2",
            "APP_EXIT_TIMEOUT_S": str(EXIT_TIMEOUT_S),
        },
        cwd=tmp_path,
    )
    done, code = app.wait_done_and_exit(done_timeout=60, exit_timeout=60)
    assert code == 0, app.stderr()[-3000:]
    assert app.exited_at is not None
    return app, path, app.exited_at - done.at


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_self_signed_ca_works(
    tmp_path: Path,
    tls_material: TlsMaterial,
    tls_sink: TlsOtlpSink,
    protocol: str,
    figure: Callable[[str, Any], None],
) -> None:
    endpoint = getattr(tls_sink, PROTOCOLS[protocol])
    app, path, _ = run_app(tmp_path, protocol, endpoint, tls_material.ca_cert)
    check_file_complete(path)
    steps: set[Any] = poll(
        lambda: {s.attributes["step"] for s in tls_sink.spans() if s.name == "step" and not s.is_marker},
        lambda delivered: len(delivered) >= STEPS,
        10,
        interval=0.1,
    )
    figure("step spans delivered over TLS", len(steps))
    assert steps == set(range(STEPS)), app.stderr()[-3000:]
    assert {r.protocol for r in tls_sink.requests()} == {"grpc" if protocol == "grpc" else "http"}


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_wrong_ca_fails_with_one_clear_line_and_the_app_carries_on(
    tmp_path: Path,
    tls_material: TlsMaterial,
    tls_sink: TlsOtlpSink,
    protocol: str,
    figure: Callable[[str, Any], None],
) -> None:
    endpoint = getattr(tls_sink, PROTOCOLS[protocol])
    app, path, exit_seconds = run_app(tmp_path, protocol, endpoint, tls_material.wrong_ca_cert)
    check_file_complete(path)
    assert not tls_sink.requests(), "a request got through with the wrong CA"
    figure("exit time (s)", exit_seconds)
    assert exit_seconds <= EXIT_TIMEOUT_S + TEARDOWN_MARGIN_S

    log_lines = [line for line in app.stderr().splitlines() if re.match(r"^\d{4}-\d\d-\d\d .* (WARNING|ERROR) ", line)]
    certificate_lines = [line for line in log_lines if re.search(r"certificate|CERTIFICATE|SSL|TLS|Tls", line)]
    figure("WARNING/ERROR log lines", len(log_lines))
    assert len(certificate_lines) == 1, "\n".join(log_lines)
    assert re.search(r"certificate verify failed|CERTIFICATE_VERIFY_FAILED", certificate_lines[0])
    summaries = [line for line in log_lines if "lost" in line and line not in certificate_lines]
    assert len(log_lines) == len(certificate_lines) + len(summaries) and len(summaries) <= 1, "\n".join(log_lines)
