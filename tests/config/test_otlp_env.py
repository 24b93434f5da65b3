"""The doctor's OTLP environment resolver (standard OpenTelemetry precedence and defaults)."""

import pytest

from nv_one_logger.cli._otlp_env import resolve_otlp_traces_settings
from nv_one_logger.core.internal.redaction import redact_url


@pytest.mark.parametrize(
    "env, endpoint, origin",
    [
        ({}, "http://localhost:4317", "default"),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, "http://localhost:4318/v1/traces", "default"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"}, "http://c:4317", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            "http://c:4318/v1/traces",
            "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
            },
            "http://traces:9999/custom",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        ),
    ],
)
def test_endpoint_resolution(env, endpoint, origin):
    settings = resolve_otlp_traces_settings(env)
    assert (settings.endpoint.value, settings.endpoint.origin) == (endpoint, origin)
    assert settings.endpoint_variable_set is bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def test_traces_specific_variables_win():
    settings = resolve_otlp_traces_settings(
        {
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_HEADERS": "a=1",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "b=2,c%2Dd=3,e%20f=4",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
            "OTEL_EXPORTER_OTLP_CERTIFICATE": "/ca.pem",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://t:1",
        }
    )
    assert settings.protocol.value == "http/protobuf"
    assert settings.header_names == ("b", "c-d", "<malformed entry, not shown>")
    assert settings.headers_origin == "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
    assert settings.compression.value == "gzip" and settings.certificate.value == "/ca.pem"
    assert settings.endpoint_variable_set


def test_service_name_from_resource_attributes_and_flags():
    settings = resolve_otlp_traces_settings(
        {"OTEL_RESOURCE_ATTRIBUTES": "team=ml,service.name=svc%201", "OTEL_SDK_DISABLED": "TRUE"}
    )
    assert settings.service_name.value == "svc 1"
    assert settings.resource_attribute_keys == ("team", "service.name")
    assert settings.sdk_disabled


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://u:p@h:1/x", "https://<redacted>@h:1/x"),
        ("https://h:1/x", "https://h:1/x"),
        ("grpc://token@h", "grpc://<redacted>@h"),
        ("https://h/v1/traces?api_key=abc#frag", "https://h/v1/traces?<redacted>"),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected
