"""Conformance: the same program through the raw OpenTelemetry SDK and through OneLogger, configured only from
the environment, compared by what a real OTLP receiver gets (one test per row of docs/otel.md "Conformance").

Both programs (tests/otel/conformance_app.py) talk straight to the test OTLP sink (a real gRPC / HTTP OTLP
server that records requests and headers); each run ends with a flush, so when the process has exited
everything it sent has arrived, and "nothing arrived" is a real observation, not a wait. Where the Python SDK
deviates from the OpenTelemetry specification, the test says so and checks OneLogger against the specification.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

from nv_one_logger.otel.env import OtlpSettings
from nv_one_logger.otel.env_trace import LimitSettings, SamplerSettings
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.trace_policy import TracePolicy
from tests.otel.conformance_app import ATTRIBUTES
from tests.support.collector import OtlpSink, ReceivedRequest, ReceivedSpan, free_port
from tests.support.environment import set_otel_env
from tests.support.otel_job import configure_job
from tests.support.otlp_sink import flatten_request
from tests.support.processes import child_env, run_command
from tests.support.tls import TlsOtlpSink, make_tls_material

APP = Path(__file__).with_name("conformance_app.py")
REAL = {"application", "train", "evaluate"}
pytestmark = pytest.mark.collector


def run(mode: str, env: Dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    # Metrics and logs are not what is compared; the SDK program would otherwise also export them.
    base = {"OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none", "OTEL_BSP_SCHEDULE_DELAY": "100"}
    result = run_command([sys.executable, APP, mode], env=child_env({**base, **env}), cwd=cwd, timeout=120, check=False)
    assert result.returncode == 0 and "DONE" in result.stdout, result.stdout + result.stderr
    return result


def both(sink: OtlpSink, env: Dict[str, str], cwd: Path) -> Dict[str, Tuple[subprocess.CompletedProcess, List]]:
    """Run the SDK program, then the OneLogger one; return each one's process result and received requests."""
    out = {}
    for mode in ("sdk", "onelogger"):
        sink.clear()
        result = run(mode, env, cwd)
        out[mode] = (result, sink.requests())
    sink.clear()
    return out


def spans_of(requests: List[ReceivedRequest]) -> Dict[str, ReceivedSpan]:
    return {s.name: s for r in requests for s in flatten_request(r) if s.name in REAL}


def http(sink: OtlpSink, **extra: str) -> Dict[str, str]:
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.http_endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", **extra}


def grpc(sink: OtlpSink, **extra: str) -> Dict[str, str]:
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.grpc_endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", **extra}


# --- rows that differed before ----------------------------------------------------------------------------------


def test_traces_exporter_none_sends_nothing(otlp_sink, tmp_path):
    for mode, (_, requests) in both(otlp_sink, grpc(otlp_sink, OTEL_TRACES_EXPORTER="none"), tmp_path).items():
        assert requests == [], mode


@pytest.mark.parametrize("value", ["console", "otlp,console"])
def test_traces_exporter_console_prints_spans(otlp_sink, tmp_path, value):
    for mode, (result, requests) in both(otlp_sink, http(otlp_sink, OTEL_TRACES_EXPORTER=value), tmp_path).items():
        for name in REAL:
            assert f'"name": "{name}"' in result.stdout, (mode, result.stdout)
        assert set(spans_of(requests)) == (REAL if "otlp" in value else set()), mode


def test_traces_exporter_otlp_without_endpoint_uses_the_default_endpoint(monkeypatch):
    from nv_one_logger.otel.defaults import get_default_config

    set_otel_env(monkeypatch, OTEL_TRACES_EXPORTER="otlp")
    assert get_default_config()["enabled"] is True  # the bridge is on, as the SDK's exporter would be
    assert OtlpSettings.from_env().target.url == "http://localhost:4317"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    settings = OtlpSettings.from_env()
    assert settings.target.url == "http://localhost:4318/v1/traces" and settings.problems == ()


@pytest.mark.parametrize(
    "sampler", ["always_off", "parentbased_always_off", "traceidratio", "parentbased_traceidratio"]
)
def test_sampler_off_or_ratio_zero_sends_nothing(otlp_sink, tmp_path, sampler):
    env = grpc(otlp_sink, OTEL_TRACES_SAMPLER=sampler, OTEL_TRACES_SAMPLER_ARG="0")
    for mode, (_, requests) in both(otlp_sink, env, tmp_path).items():
        assert spans_of(requests) == {}, mode


@pytest.mark.parametrize("sampler", ["always_on", "parentbased_always_on", "traceidratio"])
def test_sampler_on_sends_the_whole_trace(otlp_sink, tmp_path, sampler):
    env = grpc(otlp_sink, OTEL_TRACES_SAMPLER=sampler, OTEL_TRACES_SAMPLER_ARG="1")
    for mode, (_, requests) in both(otlp_sink, env, tmp_path).items():
        assert set(spans_of(requests)) == REAL, mode


def test_sampler_decides_once_per_trace_like_the_sdk_ratio_sampler():
    """Every span of a trace gets its trace's decision, which is TraceIdRatioBased's for that trace id."""
    from opentelemetry.sdk.resources import Resource

    from nv_one_logger.otel.mapping import OTelSpanData, build_readable_span

    policy = TracePolicy(SamplerSettings("traceidratio", 0.5), LimitSettings())
    reference = TraceIdRatioBased(0.5)
    kept_traces = 0
    for trace_id in range(1, 2**64, 2**64 // 200):
        spans = [
            build_readable_span(OTelSpanData(f"s{i}", trace_id, i + 1, 0, 1), Resource.create({})) for i in range(5)
        ]
        kept = policy.apply(spans)
        expected = reference.should_sample(None, trace_id, "s0").decision.is_sampled()
        assert len(kept) == (5 if expected else 0)
        kept_traces += bool(kept)
    assert 0 < kept_traces < 200


def test_attribute_limits_truncate_and_count_dropped(otlp_sink, tmp_path):
    env = grpc(
        otlp_sink,
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT="5",
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT="2",
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT="1",
    )
    seen = {}
    for mode, (_, requests) in both(otlp_sink, env, tmp_path).items():
        (train,) = [s for r in requests for s in r.request.resource_spans[0].scope_spans[0].spans if s.name == "train"]
        sdk_keys = {kv.key: kv.value.string_value for kv in train.attributes if kv.key in ATTRIBUTES}
        (event,) = [e for e in train.events if e.name == "step_done"]
        seen[mode] = (train.dropped_attributes_count, event.dropped_attributes_count, len(event.attributes))
        assert all(len(v) <= 5 for v in sdk_keys.values()), (mode, sdk_keys)
    # Same limits. OneLogger's span and event carry a few attributes of their own (one_logger.span.id,
    # duration_msec, the event's timestamp), so their dropped counts are at least the SDK program's.
    assert seen["sdk"] == (len(ATTRIBUTES) - 2, 2, 1)
    assert seen["onelogger"][0] >= seen["sdk"][0] and seen["onelogger"][1] >= 2 and seen["onelogger"][2] == 1


def test_grpc_compression_none_is_accepted(otlp_sink, tmp_path):
    """The OTel spec allows none; the Python SDK's gRPC exporter refuses it (so the SDK program sends nothing)."""
    env = grpc(otlp_sink, OTEL_EXPORTER_OTLP_COMPRESSION="none")
    run("onelogger", env, tmp_path)
    assert set(spans_of(otlp_sink.requests())) == REAL
    with pytest.raises(AssertionError, match="InvalidCompressionValueException"):
        run("sdk", env, tmp_path)  # the SDK deviation this row documents


def test_scope_has_name_version_and_schema_url(otlp_sink, tmp_path):
    from nv_one_logger.core.internal.version import __version__

    (_, requests) = both(otlp_sink, grpc(otlp_sink), tmp_path)["onelogger"]
    scope_spans = requests[0].request.resource_spans[0].scope_spans[0]
    assert (scope_spans.scope.name, scope_spans.scope.version) == ("nv_one_logger.otel", __version__)
    assert scope_spans.schema_url.startswith("https://opentelemetry.io/schemas/")


def test_resource_has_sdk_distro_and_custom_metadata(otlp_sink, tmp_path):
    runs = both(otlp_sink, grpc(otlp_sink), tmp_path)
    sdk = spans_of(runs["sdk"][1])["train"].resource
    ours = spans_of(runs["onelogger"][1])["train"].resource
    for key in ("telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version"):
        assert ours[key] == sdk[key]
    assert ours["telemetry.distro.name"] == "nv-one-logger-otel" and ours["telemetry.distro.version"]
    assert ours["one_logger.custom_metadata.team"] == "infra" and ours["one_logger.custom_metadata.cluster"] == "c1"


def test_export_runs_with_instrumentation_suppressed(monkeypatch):
    """What an auto-instrumentation of requests/gRPC checks before making a span: the suppression key."""
    key = otel_context._SUPPRESS_INSTRUMENTATION_KEY

    class Probe(SpanExporter):
        def __init__(self) -> None:
            self.flags: List[object] = []

        def export(self, spans):  # type: ignore[no-untyped-def]
            self.flags.append(otel_context.get_value(key))
            return SpanExportResult.SUCCESS

    set_otel_env(monkeypatch, {})
    sdk_probe = Probe()
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(sdk_probe))
    provider.get_tracer("t").start_span("x").end()
    provider.shutdown()
    ours = Probe()
    job = configure_job(OTelExporter(ours))
    from nv_one_logger.api.timed_span import timed_span

    with timed_span("x"):
        pass
    job.recorder.close()
    assert sdk_probe.flags and set(sdk_probe.flags) == {True}
    assert ours.flags and set(ours.flags) == {True}


def test_generic_endpoint_ending_in_traces_path_goes_where_the_spec_says(otlp_sink, tmp_path):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp_sink.http_traces_url, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
    runs = both(otlp_sink, env, tmp_path)
    for mode, (_, requests) in runs.items():
        assert requests == [], mode  # both asked for .../v1/traces/v1/traces, a 404
    stderr = runs["onelogger"][0].stderr
    assert f"requests would go to '{otlp_sink.http_traces_url}/v1/traces'" in stderr


def test_grpc_endpoint_without_scheme_uses_tls_as_the_spec_says(otlp_sink, tmp_path):
    address = otlp_sink.grpc_endpoint.replace("http://", "")
    runs = both(otlp_sink, {"OTEL_EXPORTER_OTLP_ENDPOINT": address}, tmp_path)
    for mode, (_, requests) in runs.items():
        assert requests == [], mode  # TLS against a plaintext receiver
    assert "has no scheme, so gRPC uses TLS" in runs["onelogger"][0].stderr
    insecure = both(
        otlp_sink, {"OTEL_EXPORTER_OTLP_ENDPOINT": address, "OTEL_EXPORTER_OTLP_INSECURE": "true"}, tmp_path
    )
    for mode, (_, requests) in insecure.items():
        assert set(spans_of(requests)) == REAL, mode


def test_timeout_is_read_in_milliseconds(monkeypatch):
    """The OTel spec's unit is ms; the Python SDK reads seconds. A value copied from another OTel program means ms."""
    set_otel_env(monkeypatch, {"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"})
    assert OtlpSettings.from_env().timeout_s == 2.5


# --- rows that already agreed ----------------------------------------------------------------------------------


def test_service_name_and_percent_encoded_resource_attributes(otlp_sink, tmp_path):
    env = grpc(
        otlp_sink,
        OTEL_SERVICE_NAME="svc-from-env",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment=prod,team.name=ml%20infra%2Cgpu",
    )
    resources = {
        mode: spans_of(requests)["train"].resource for mode, (_, requests) in both(otlp_sink, env, tmp_path).items()
    }
    for key in ("service.name", "deployment.environment", "team.name"):
        assert resources["onelogger"][key] == resources["sdk"][key], key
    assert resources["onelogger"]["team.name"] == "ml infra,gpu"


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_headers_and_per_signal_precedence(otlp_sink, tmp_path, protocol):
    dead = f"http://127.0.0.1:{free_port()}"
    traces = otlp_sink.grpc_endpoint if protocol == "grpc" else otlp_sink.http_traces_url
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": dead,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "bogus",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc" if protocol == "grpc" else "http/protobuf",
        "OTEL_EXPORTER_OTLP_HEADERS": "x-team=generic",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-team=traces%20team,x-extra=1",
    }
    for mode, (_, requests) in both(otlp_sink, env, tmp_path).items():
        assert requests, mode
        assert requests[0].headers["x-team"] == "traces team" and requests[0].headers["x-extra"] == "1", mode


def test_gzip_compression(otlp_sink, tmp_path):
    env = http(otlp_sink, OTEL_EXPORTER_OTLP_COMPRESSION="gzip")
    for mode, (_, requests) in both(otlp_sink, env, tmp_path).items():
        assert requests and all(r.headers.get("content-encoding") == "gzip" for r in requests), mode


def test_batch_size_setting(otlp_sink, tmp_path):
    env = grpc(otlp_sink, OTEL_BSP_MAX_EXPORT_BATCH_SIZE="1", OTEL_BSP_SCHEDULE_DELAY="60000")
    for mode, (_, requests) in both(otlp_sink, env, tmp_path).items():
        sizes = [len(flatten_request(r)) for r in requests]
        assert sizes and max(sizes) == 1, (mode, sizes)
        assert {s.name for r in requests for s in flatten_request(r)} >= REAL, mode


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_collector_down_reports_the_real_cause_and_close_does_not_wait_the_bound(tmp_path, protocol):
    """Refused at once: the cause is named (as the SDK's own log does), and close() does not sit out its bound.

    The export timeout (10 s) is longer than the close bound (5 s): a close that waited for the retries would
    end with "close gave up after 5 s" and count the batch as abandoned.
    """
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}", "OTEL_EXPORTER_OTLP_PROTOCOL": protocol}
    sdk = run("sdk", env, tmp_path)
    ours = run("onelogger", env, tmp_path)
    # The cause is what the exporter's failed attempt says. OpenTelemetry's gRPC exporter names the socket error
    # ("Connection refused") in recent releases; older ones (those Python 3.9 resolves) say only "UNAVAILABLE".
    cause = "Connection refused" if "Connection refused" in sdk.stderr else "StatusCode.UNAVAILABLE"
    assert cause in sdk.stderr, sdk.stderr
    (loss,) = [line for line in ours.stderr.splitlines() if "could not be delivered" in line]
    assert cause in loss and "Shutdown in progress" not in loss, loss
    assert "3 lost (3 in failed exports" in ours.stderr
    assert "close gave up" not in ours.stderr


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_tls_and_mutual_tls(tmp_path, protocol):
    material = make_tls_material(tmp_path / "tls")
    with TlsOtlpSink(material, require_client_cert=True) as sink:
        port = sink.grpc_port if protocol == "grpc" else sink.http_port
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"https://localhost:{port}",
            "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
            "OTEL_EXPORTER_OTLP_CERTIFICATE": str(material.ca_cert),
            "OTEL_EXPORTER_OTLP_CLIENT_KEY": str(material.client_key),
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": str(material.client_cert_chain),
            "OTEL_EXPORTER_OTLP_TIMEOUT": "3000",
            # requests lets these override the SDK HTTP exporter's CA file (requests issue 3829), which would make
            # the raw SDK fail for a reason that is not the OTel configuration (the bridge is immune to it).
            "REQUESTS_CA_BUNDLE": "",
            "CURL_CA_BUNDLE": "",
        }
        for mode, (_, requests) in both(sink, env, tmp_path).items():
            assert set(spans_of(requests)) == REAL, mode
        # Without the client certificate the server refuses the handshake: nothing arrives, for either program.
        del env["OTEL_EXPORTER_OTLP_CLIENT_KEY"], env["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"]
        for mode, (_, requests) in both(sink, env, tmp_path).items():
            assert requests == [], mode
