"""Bad OTelExporter arguments are refused at construction with a OneLoggerError naming the argument.

Before, ``resource_attributes=[1]`` raised a bare TypeError, ``otel_span_exporter="x"`` was accepted and failed
on the worker thread at the first batch, and ``start_markers="no"`` (truthy) silently meant True.
"""

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter


@pytest.mark.parametrize("bad", ["x", object(), InMemorySpanExporter])
def test_span_exporter_must_be_an_sdk_span_exporter(bad):
    with pytest.raises(OneLoggerError, match=r"OTelExporter otel_span_exporter must be an opentelemetry\.sdk"):
        OTelExporter(bad)


@pytest.mark.parametrize("bad", [[1], "k=v", 5])
def test_resource_attributes_must_be_a_mapping(bad):
    with pytest.raises(OneLoggerError, match="OTelExporter resource_attributes must be a mapping"):
        OTelExporter(InMemorySpanExporter(), resource_attributes=bad)


def test_resource_attribute_keys_must_be_strings():
    with pytest.raises(OneLoggerError, match="resource_attributes keys must be non-empty strings, got 1"):
        OTelExporter(InMemorySpanExporter(), resource_attributes={1: "x"})


@pytest.mark.parametrize(
    "option", ["start_markers", "event_markers", "deterministic_ids", "parent_from_current_otel_span"]
)
@pytest.mark.parametrize("bad", ["no", 0, None])
def test_bool_options_must_be_bools(option, bad):
    with pytest.raises(OneLoggerError, match=f"OTelExporter {option} must be True or False"):
        OTelExporter(InMemorySpanExporter(), **{option: bad})


@pytest.mark.parametrize("bad", [0, -1, "5", float("inf"), None, True])
def test_shutdown_timeout_must_be_a_positive_number(bad):
    with pytest.raises(OneLoggerError, match="OTelExporter shutdown_timeout_s"):
        OTelExporter(InMemorySpanExporter(), shutdown_timeout_s=bad)


@pytest.mark.parametrize(
    "option", ["schedule_delay_ms", "max_queue_size", "max_export_batch_size", "export_timeout_ms"]
)
@pytest.mark.parametrize("bad", [0, -5, "100", 1.5, True])
def test_batch_overrides_must_be_positive_ints(option, bad):
    with pytest.raises(OneLoggerError, match=f"OTelExporter {option} must be a positive integer"):
        OTelExporter(InMemorySpanExporter(), **{option: bad})


def test_good_arguments_are_accepted():
    exporter = OTelExporter(
        InMemorySpanExporter(),
        shutdown_timeout_s=0.5,
        start_markers=False,
        deterministic_ids=True,
        resource_attributes={"team": "x", "n": 3},
        max_queue_size=10,
    )
    exporter.initialize()
    exporter.close()
