"""The one reader of OTEL_* variables (otel.env, env_endpoint, env_trace): precedence, defaults, spec validation."""

from __future__ import annotations

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.otel.env import OtlpSettings
from nv_one_logger.otel.env_endpoint import resolve_endpoint
from nv_one_logger.otel.env_trace import LimitSettings, SamplerSettings

TRACES = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
GENERIC = "OTEL_EXPORTER_OTLP_ENDPOINT"
HTTP = "http/protobuf"


@pytest.mark.parametrize(
    ("env", "url", "origin"),
    [
        ({}, "http://localhost:4317", "default"),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, "http://localhost:4318/v1/traces", "default"),
        ({GENERIC: "http://c:4317"}, "http://c:4317", GENERIC),
        (
            {GENERIC: "http://c:4318/", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            "http://c:4318/v1/traces",
            GENERIC + " + /v1/traces",
        ),
        (
            {GENERIC: "http://g:4318", TRACES: "http://t:9/custom", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": HTTP},
            "http://t:9/custom",
            TRACES,
        ),
    ],
)
def test_endpoint_precedence_and_defaults(env, url, origin):
    settings = OtlpSettings.from_env(env)
    assert (settings.target.url, settings.target.origin) == (url, origin)
    assert settings.problems == ()


def test_generic_http_endpoint_ending_in_traces_path_is_flagged_with_the_url_requested():
    settings = OtlpSettings.from_env({GENERIC: "http://c:4318/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": HTTP})
    assert settings.target.url == "http://c:4318/v1/traces/v1/traces"  # as the specification says
    (problem,) = settings.problems
    assert "already ends in /v1/traces" in problem and "'http://c:4318/v1/traces/v1/traces'" in problem


def test_the_same_value_given_to_replay_endpoint_gets_the_same_verdict():
    live = OtlpSettings.from_env({GENERIC: "http://c:4318/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"})
    replay = OtlpSettings.from_env({}, endpoint_override="http://c:4318/v1/traces", protocol_override="http/protobuf")
    assert replay.target.url == live.target.url
    assert len(replay.problems) == len(live.problems) == 1


def test_http_endpoint_without_scheme_is_an_error_naming_the_variable():
    settings = OtlpSettings.from_env({TRACES: "collector:4318/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": HTTP})
    error = settings.target.error
    assert error is not None and TRACES in error and "no scheme" in error
    from nv_one_logger.otel.span_exporters import build_otlp_exporter

    with pytest.raises(OneLoggerError, match="no scheme"):
        build_otlp_exporter(settings)


def test_grpc_endpoint_without_scheme_means_tls_unless_insecure():
    tls = resolve_endpoint("collector:4317", GENERIC, "grpc")
    assert tls.insecure is False and "uses TLS" in tls.problems[0]
    settings = OtlpSettings.from_env({GENERIC: "collector:4317", "OTEL_EXPORTER_OTLP_INSECURE": "true"})
    assert settings.target.insecure is True and settings.problems == ()
    # the scheme decides when there is one (INSECURE applies only without a scheme)
    assert OtlpSettings.from_env({GENERIC: "http://c:4317", "OTEL_EXPORTER_OTLP_INSECURE": "false"}).target.insecure
    assert not OtlpSettings.from_env({GENERIC: "https://c:4317", "OTEL_EXPORTER_OTLP_INSECURE": "true"}).target.insecure


def test_timeout_is_milliseconds_and_invalid_values_fall_back_to_the_default():
    assert OtlpSettings.from_env({"OTEL_EXPORTER_OTLP_TIMEOUT": "2500"}).timeout_s == 2.5
    traces_wins = {"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "700"}
    assert OtlpSettings.from_env(traces_wins).timeout_s == 0.7
    bad = OtlpSettings.from_env({"OTEL_EXPORTER_OTLP_TIMEOUT": "abc"})
    assert bad.timeout_s == 10.0
    (problem,) = bad.problems
    assert problem == (
        "OTEL_EXPORTER_OTLP_TIMEOUT='abc' is not a positive number of milliseconds; ignored, 10000 applies."
    )


def test_compression_values():
    assert OtlpSettings.from_env({"OTEL_EXPORTER_OTLP_COMPRESSION": "none"}).compression == "none"
    assert OtlpSettings.from_env({"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "GZIP"}).compression == "gzip"
    bad = OtlpSettings.from_env({"OTEL_EXPORTER_OTLP_COMPRESSION": "brotli"})
    assert bad.compression is None and "brotli" in bad.problems[0]


def test_unsupported_protocol_is_refused_naming_the_variable():
    with pytest.raises(OneLoggerError, match="OTEL_EXPORTER_OTLP_PROTOCOL='http/json' is not supported"):
        OtlpSettings.from_env({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})


@pytest.mark.parametrize(
    ("value", "exporters"),
    [(None, ()), ("none", ()), ("otlp", ("otlp",)), ("console", ("console",)), ("otlp,console", ("otlp", "console"))],
)
def test_traces_exporter_values(value, exporters):
    env = {} if value is None else {"OTEL_TRACES_EXPORTER": value}
    assert OtlpSettings.from_env(env).exporters == exporters


def test_unknown_traces_exporter_is_a_problem():
    settings = OtlpSettings.from_env({"OTEL_TRACES_EXPORTER": "zipkin,otlp"})
    assert settings.exporters == ("otlp",) and "zipkin" in settings.problems[0]


def test_sampler_settings():
    assert SamplerSettings.from_env({}).name == "parentbased_always_on"
    ratio = SamplerSettings.from_env({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"})
    assert (ratio.name, ratio.ratio, ratio.problems) == ("traceidratio", 0.25, ())
    bad = SamplerSettings.from_env({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"})
    assert bad.ratio == 1.0 and "OTEL_TRACES_SAMPLER_ARG='2'" in bad.problems[0]
    assert "jaeger_remote" in SamplerSettings.from_env({"OTEL_TRACES_SAMPLER": "jaeger_remote"}).problems[0]


def test_limit_settings_precedence():
    limits = LimitSettings.from_env({"OTEL_ATTRIBUTE_COUNT_LIMIT": "5", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "3"})
    assert (limits.span_attributes, limits.event_attributes, limits.value_length) == (3, 5, None)
    assert LimitSettings.from_env({"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "4"}).value_length == 4
    assert "OTEL_ATTRIBUTE_COUNT_LIMIT='x'" in LimitSettings.from_env({"OTEL_ATTRIBUTE_COUNT_LIMIT": "x"}).problems[0]


def test_header_values_are_parsed_by_the_sdk_rules_and_never_shown():
    settings = OtlpSettings.from_env({"OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20s3cret,x-a=1"})
    assert settings.headers == {"authorization": "Bearer s3cret", "x-a": "1"}
    assert "s3cret" not in repr(settings) + settings.describe()
