"""Configuration through the standard OTEL_* environment only (an app that calls only configure_one_logger)."""

from __future__ import annotations

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.otel import defaults
from nv_one_logger.otel.env import BatchSettings, OtlpSettings
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.environment import otlp_env, set_otel_env
from tests.support.exporter_calls import export_complete_span
from tests.support.otel_job import run_env_only_app
from tests.support.received_spans import by_name, real_spans

SECRET = "s3cret-token-value"
CLASS_NAME = "nv_one_logger.otel.exporter.otel_exporter.OTelExporter"


@pytest.mark.collector
@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_env_only_app_ships_its_trace(rotel, otlp_sink, tmp_path, protocol):
    endpoint = rotel.grpc_endpoint if protocol == "grpc" else rotel.http_endpoint
    result = run_env_only_app("run", otlp_env(endpoint, protocol), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("DONE")
    otlp_sink.wait_for_spans(lambda s: s.name == "application")  # delivered by the exit hook's close
    spans = by_name(real_spans(otlp_sink.spans()))
    assert set(spans) == {"application", "train", "evaluate"}
    assert spans["train"].parent_span_id == spans["application"].span_id
    assert [e.attributes.get("step") for e in spans["train"].events if e.name == "step_done"] == [0, 1, 2]
    assert spans["train"].resource["service.name"] == "env-only-app"
    assert spans["train"].resource["one_logger.session_tag"] == "env-session"


@pytest.mark.collector
@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_headers_arrive_at_the_receiver_and_never_in_logs(otlp_sink, tmp_path, protocol):
    # rotel does not forward its clients' headers, so the app talks to the sink (a real OTLP server) directly.
    endpoint = otlp_sink.grpc_endpoint if protocol == "grpc" else otlp_sink.http_endpoint
    env = otlp_env(
        endpoint,
        protocol,
        OTEL_EXPORTER_OTLP_HEADERS=f"x-tenant=generic,authorization=Bearer%20{SECRET}",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS=f"x-tenant=team-a,authorization=Bearer%20{SECRET}",
    )
    result = run_env_only_app("run", env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (request, *_) = otlp_sink.wait_for_requests()
    assert request.protocol == protocol
    assert request.headers["x-tenant"] == "team-a"  # the traces-specific variable wins, as in the SDK
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    logs = result.stdout + result.stderr + "".join(p.read_text() for p in tmp_path.glob("onelogger.*"))
    assert SECRET not in logs


@pytest.mark.collector
def test_traces_specific_http_endpoint_is_used_as_is(otlp_sink, tmp_path):
    env = {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": otlp_sink.http_traces_url,
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    result = run_env_only_app("run", env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (request, *_) = otlp_sink.wait_for_requests()
    assert request.protocol == "http"


@pytest.mark.collector
def test_unset_protocol_means_grpc(otlp_sink, tmp_path):
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp_sink.grpc_endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    result = run_env_only_app("run", env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (request, *_) = otlp_sink.wait_for_requests()
    assert request.protocol == "grpc"


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "   "}, False),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
    ],
)
def test_entry_point_enabled_exactly_when_an_endpoint_is_set(monkeypatch, tmp_path, env, enabled):
    set_otel_env(monkeypatch, env)
    assert defaults.get_default_config() == {"class_name": CLASS_NAME, "config": {}, "enabled": enabled}
    monkeypatch.delenv("ONE_LOGGER_EXPORTER_CONFIG_PATH", raising=False)
    monkeypatch.chdir(tmp_path)  # no config file may replace the package defaults
    configs = [c for c in ExporterConfigManager().generate_export_config() if c.class_name == CLASS_NAME]
    assert [c.enabled for c in configs] == [enabled]


def test_sdk_disabled_exports_nothing(otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(otlp_sink.grpc_endpoint, "grpc", OTEL_SDK_DISABLED="true"))
    exporter = OTelExporter()
    exporter.initialize()

    export_complete_span(exporter, "application")
    assert exporter.force_flush(5)
    exporter.close()
    assert otlp_sink.requests() == []
    assert exporter.stats.spans_exported == 0


def test_unsupported_protocol_is_refused_naming_the_variable(monkeypatch):
    set_otel_env(
        monkeypatch, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}
    )
    with pytest.raises(OneLoggerError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        OTelExporter()


def test_settings_never_show_secrets(monkeypatch):
    set_otel_env(
        monkeypatch,
        {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"https://user:{SECRET}@collector:4318/v1/traces?key={SECRET}",
            "OTEL_EXPORTER_OTLP_HEADERS": f"api-key={SECRET},x-other=1",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "3000",
        },
    )
    settings = OtlpSettings.from_env()
    text = repr(settings) + str(settings) + settings.describe() + repr(OTelExporter())
    assert SECRET not in text
    assert settings.header_names == ("api-key", "x-other")
    assert settings.endpoint == "https://<redacted>@collector:4318/v1/traces?<redacted>"
    assert settings.protocol == "http/protobuf"
    assert settings.timeout_s == 3.0


def test_batch_settings_follow_the_sdk_variables(monkeypatch):
    set_otel_env(
        monkeypatch,
        {"OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "500"},
    )
    assert BatchSettings.from_env() == BatchSettings(250, 100, 100, 30000)
    set_otel_env(monkeypatch, {"OTEL_BSP_SCHEDULE_DELAY": "soon"})
    assert BatchSettings.from_env().schedule_delay_ms == 5000
