"""Light events (otel/light_events.py) are what the eager mapping builds, byte for byte and value for value.

For the gRPC exporter the live translator turns a plain core ``Event`` into a ``LightEvent`` that encodes itself
from the core event's values and converts its attributes only when read. Checked here over a fuzzed value space
(NaN, infinities, -0.0, ints beyond 64 bits, non-ASCII and lone-surrogate strings and keys, lists, with and
without ``legacy_fields``): its bytes equal the SDK encoder's bytes of the eager event, its attributes equal
``sdk_event``'s, size estimate and attribute limits treat it as the eager event; events that must stay eager do;
the in-memory exporter still gets plain SDK events; and, against the real collector, the gRPC exporter's batches
really hold light events and arrive as the SDK's encoding of the same spans.
"""

from __future__ import annotations

import copy
import math
import pickle
import time
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, TraceFlags
from opentelemetry.trace.status import Status, StatusCode

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attribute, Attributes
from nv_one_logger.core.event import ErrorEvent, Event
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.otel import light_events, otlp_encoding, otlp_grpc
from nv_one_logger.otel.env_trace import LimitSettings, SamplerSettings
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.light_events import LightEvent, light_event
from nv_one_logger.otel.mapping import readable_span, sdk_event
from nv_one_logger.otel.otlp_encoding import encode_request
from nv_one_logger.otel.request_size import span_size
from nv_one_logger.otel.trace_policy import TracePolicy
from tests.support.collector import ReceivedRequest
from tests.support.fuzz_values import ANY_CHAR, valid_values
from tests.support.otel_job import configure_job
from tests.support.otlp_sink import flatten_request

CONTEXT = SpanContext(0xABC, 0x123, False, TraceFlags(1))
RESOURCE = Resource({"service.name": "svc"})
AWKWARD: Dict[str, Any] = {
    "s": "text",
    "accented": "h\u00e9llo \u2603",
    "surrogate": "x\udc80",
    "big": 2**70,
    "int64 min": -(2**63),
    "negative": -5,
    "small": 7,
    "nan": math.nan,
    "inf": -math.inf,
    "minus zero": -0.0,
    "flag": False,
    "ints": [1, 2**64],
    "floats": [0.5, math.nan],
    "strings": ["a", "\udc80"],
    "no items": [],
    "long": "y" * 300,
    "\u00e9t\u00e9": 1,
    "k" * 200: 0.5,  # fields longer than 127 bytes: two-byte lengths
    "j" * 150: 3,
    "i" * 120: "v",
}


def _span(events: List[SdkEvent]) -> ReadableSpan:
    return readable_span("s", CONTEXT, None, RESOURCE, {"a": 1}, events, Status(StatusCode.UNSET), 1, 2)


def _sdk_bytes(spans: List[ReadableSpan]) -> bytes:
    return encode_spans(spans).SerializeToString()


def _check_like_the_eager_event(event: Event, legacy: bool) -> None:
    eager = sdk_event(event, legacy)
    encoded = light_event(event, legacy)
    assert type(encoded) is LightEvent
    assert (encoded.name, encoded.timestamp) == (eager.name, eager.timestamp)
    expected = _sdk_bytes([_span([eager])])
    # Bytes written from the plain values, before anything read the attributes (the one-pass path) ...
    assert encode_request([_span([encoded])]) == expected
    # ... and the attributes converted on first read: the same keys, values and value types as the eager event.
    read = light_event(event, legacy)
    assert repr(read.attributes) == repr(eager.attributes)  # repr: tells 1 from 1.0 and True, -0.0 from 0.0
    # The count is exact, or an upper bound when keys UTF-8 cannot encode coincide once escaped.
    assert read.dropped_attributes == 0 and read.attribute_count() >= len(eager.attributes or {})
    assert _sdk_bytes([_span([read])]) == expected  # what the SDK's encoder (and every other reader) sees
    assert encode_request([_span([read])]) == expected  # bytes written after the attributes were read


@pytest.mark.parametrize("legacy", [False, True])
def test_awkward_values_encode_and_convert_as_the_eager_event(legacy: bool) -> None:
    _check_like_the_eager_event(Event.create("metrics", dict(AWKWARD)), legacy)
    _check_like_the_eager_event(Event.create("n\u00e4me \udc80", {"k": 1}), legacy)  # name made UTF-8 safe
    _check_like_the_eager_event(Event.create("bare"), legacy)


def _attribute_key(text: str) -> bool:
    return bool(text) and not text.isspace()


keys = st.one_of(
    st.text(ANY_CHAR, min_size=1, max_size=8).filter(_attribute_key),
    st.sampled_from(["loss", "step", "a.b", "\u00e9", "k\udc80", "k\\udc80"]),
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(
    name=st.text(ANY_CHAR, min_size=1, max_size=10).filter(_attribute_key),
    values=st.dictionaries(keys, valid_values, max_size=6),
    legacy=st.booleans(),
)
def test_fuzzed_events_encode_and_convert_as_the_eager_event(name: str, values: Dict[str, Any], legacy: bool) -> None:
    _check_like_the_eager_event(Event.create(name, values), legacy)


def test_a_batch_of_light_events_packs_and_encodes_as_the_eager_batch() -> None:
    events = [Event.create("metrics", {"loss": 0.25 * i, "step": i, "phase": "train"}) for i in range(300)]
    light = _span([light_event(event, False) for event in events])
    eager = _span([sdk_event(event, False) for event in events])
    assert encode_request([light, light]) == _sdk_bytes([eager, eager])
    assert all(event._attributes is None for event in light.events)  # written from the plain values
    # The size of a light event is its encoded length: exact, where the eager estimate errs on the large side.
    single = _span([light_event(events[0], False)])
    wire = single.events[0].wire()
    assert wire is not None and span_size(single) == span_size(_span([])) + len(wire)
    assert span_size(eager) >= span_size(light)


@pytest.mark.parametrize("legacy", [False, True])
def test_attribute_limits_apply_to_light_events_as_to_eager_ones(legacy: bool) -> None:
    event = Event.create("metrics", {f"k{i}": "v" * 10 for i in range(5)})
    for limits in (LimitSettings(event_attributes=3), LimitSettings(value_length=4), LimitSettings()):
        policy = TracePolicy(SamplerSettings(), limits)
        light = policy.limited(_span([light_event(event, legacy)]))
        eager = policy.limited(_span([sdk_event(event, legacy)]))
        assert _sdk_bytes([light]) == _sdk_bytes([eager])
        assert encode_request([light]) == _sdk_bytes([eager])
    unlimited = _span([light_event(event, legacy)])
    assert TracePolicy(SamplerSettings(), LimitSettings()).limited(unlimited) is unlimited
    assert unlimited.events[0]._attributes is None  # the count limit did not convert anything


def test_an_event_the_fast_encoder_cannot_write_goes_to_the_sdk_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise otlp_encoding.NotEncodable("refused for the test")

    monkeypatch.setattr(light_events, "attribute_fields", refuse)  # the converted attributes' encoder refuses too
    event = Event.create("metrics", {"big": 2**70})  # the one-pass encoder refuses it: converted first
    eager = _span([sdk_event(event, False)])
    light = _span([light_event(event, False)])
    assert light.events[0].wire() is None
    assert span_size(light) == span_size(eager)  # the estimate, as for any SDK event
    with pytest.raises(otlp_encoding.NotEncodable):
        encode_request([light])
    exporter = OTLPSpanExporter(endpoint="http://127.0.0.1:1", insecure=True)
    try:
        assert otlp_grpc.install(exporter)
        assert exporter._translate_data([light]).SerializeToString() == _sdk_bytes([eager])
    finally:
        exporter.shutdown()


def test_events_that_must_stay_eager_do() -> None:
    read = Event.create("read", {"k": 1})
    read.attributes.add("added", 2)  # the attributes object is now what is exported
    assert type(light_event(read, False)) is SdkEvent
    assert light_event(read, False).attributes == {"k": 1, "added": 2}
    own_msec = Event.create("own", {"timestamp_msec": 5, "k": 1})  # the core overwrites it in place
    assert type(light_event(own_msec, True)) is SdkEvent
    assert list(light_event(own_msec, True).attributes) == ["timestamp_msec", "k"]


def _job(otel: OTelExporter) -> None:
    configure_job(otel)
    recorder = get_recorder()
    with timed_span("application"):
        train = recorder.start("train")
        for step in range(200):
            recorder.event(train, Event.create("metrics", {"step": step, "loss": 0.5, "tags": ["a", "\u00e9"]}))
        recorder.event(train, ErrorEvent.create("plain error"))
        recorder.stop(train)
    recorder.close()


def test_the_in_memory_exporter_gets_plain_sdk_events() -> None:
    memory = InMemorySpanExporter()
    _job(OTelExporter(otel_span_exporter=memory))
    events = [event for span in memory.get_finished_spans() for event in span.events]
    assert len(events) >= 201 and all(type(event) is SdkEvent for event in events)


@pytest.mark.collector
def test_the_grpc_exporter_sends_light_events_that_arrive_as_the_sdk_encodes_them(
    rotel: Any, otlp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: List[List[ReadableSpan]] = []
    original = otlp_encoding.encode_request

    def recording(spans: Any) -> bytes:
        batches.append(list(spans))
        return original(spans)

    monkeypatch.setattr(otlp_encoding, "encode_request", recording)
    grpc = OTLPSpanExporter(endpoint=rotel.grpc_endpoint, insecure=True)
    _job(OTelExporter(otel_span_exporter=grpc))
    spans = [span for batch in batches for span in batch]
    events = [event for span in spans for event in span.events]
    assert sum(type(event) is LightEvent for event in events) == 200  # the metrics events, every one of them
    assert any(event.name == "exception" and type(event) is SdkEvent for event in events)
    received = otlp_sink.wait_for_spans(count=len(spans), timeout=30.0)
    reference = ReceivedRequest(protocol="grpc", headers={}, request=encode_spans(spans), received_at=time.time())

    def key(span: Any) -> Any:
        return (span.trace_id, span.span_id)

    assert sorted(received, key=key) == sorted(flatten_request(reference), key=key)


@pytest.mark.collector
@pytest.mark.parametrize("seconds", [-1.0, 2.0e10])  # before the epoch; past what 64 bits of nanoseconds hold
def test_an_event_time_out_of_range_costs_its_batch_not_the_export_worker(
    rotel: Any, otlp_sink: Any, seconds: float
) -> None:
    otel = OTelExporter(otel_span_exporter=OTLPSpanExporter(endpoint=rotel.grpc_endpoint, insecure=True))
    configure_job(otel)
    recorder = get_recorder()
    train = recorder.start("train")
    when = TracingTimestamp.for_timestamp(seconds, validate_timestamp=False)
    recorder.event(train, Event.create("odd time", {"k": 1}, timestamp=when))
    recorder.stop(train)
    assert otel.force_flush(30.0), "the export worker did not finish the cycle with the bad event"
    with timed_span("after"):  # recorded after the failed batch: still shipped
        pass
    assert otel.force_flush(30.0), "the export worker stopped after the bad event"
    assert otlp_sink.wait_for_spans(lambda span: span.name == "after", timeout=30.0)
    assert otel.stats.spans_failed >= 1  # the batch with the bad time is counted, not silently gone
    recorder.close()


def test_a_light_event_without_attributes_copies_and_pickles_like_an_sdk_event() -> None:
    bare = light_event(Event.create("bare"), False)
    assert type(bare) is LightEvent
    for copied in (copy.deepcopy(bare), pickle.loads(pickle.dumps(bare))):
        assert (copied.name, copied.timestamp, dict(copied.attributes or {})) == (bare.name, bare.timestamp, {})


def test_the_installed_sdk_event_reads_as_light_events_expect() -> None:
    # Light events skip the SDK's constructor; with another layout the exporter builds plain SDK events instead.
    assert light_events.BUILT_LIKE_THE_SDK_EVENT


def test_changes_the_application_makes_after_recording_do_not_reach_the_encoded_event() -> None:
    # A light event encodes the core event's values on the export thread, possibly long after the call: what the
    # application changes meanwhile, in the Attributes it passed or in the object ``event.attributes`` gave it,
    # must not be what is shipped.
    mine = Attributes({"tags": ["a"], "step": 1})
    held = Attribute("held", [1.5])
    passed = Event.create("passed", mine)
    from_attribute = Event.create("held", {"held": held})
    read_later = Event.create("read", {"tags": ["a"]})
    events = [passed, from_attribute, read_later]
    eager = _span([sdk_event(event, True) for event in events])  # converted at the call: a copy
    light = _span([light_event(event, True) for event in events])
    assert all(type(event) is LightEvent for event in light.events)
    mine["tags"].value.append("changed")
    held.value.append(2.5)
    read_later.attributes["tags"].value.append("changed")
    assert encode_request([light]) == _sdk_bytes([eager])
    assert [event.attributes for event in light.events] == [event.attributes for event in eager.events]
