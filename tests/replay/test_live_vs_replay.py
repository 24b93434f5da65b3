"""End to end through the real collector: a run exported live and recorded to a file, then the file replayed.

The live exporter runs with ``deterministic_ids=True`` so that the replay must produce not only the same span_tree
(names, parents, attribute values, events, error status, timestamps) but the very same trace and span ids.
Liveness markers are live-only; the comparison uses final spans only (``ReceivedSpan.is_marker``).
"""

from __future__ import annotations

import os

import pytest

from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.environment import set_otel_env
from tests.support.received_spans import comparable, is_replayed, span_tree
from tests.support.reference_job import JOB_SPAN_NAMES, record_job, replay_cli

pytestmark = pytest.mark.collector

EVENT_LIMIT = 8  # small, so the "data" span (15 events) exercises the per-span event bound in both paths


def _live_and_replay(tmp_path, rotel, otlp_sink, monkeypatch, replay_protocol):
    set_otel_env(
        monkeypatch,
        OTEL_EXPORTER_OTLP_ENDPOINT=rotel.grpc_endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="grpc",
        OTEL_BSP_SCHEDULE_DELAY="100",
        OTEL_SPAN_EVENT_COUNT_LIMIT=str(EVENT_LIMIT),
    )
    monkeypatch.setenv("RANK", "1")
    path = tmp_path / "run.jsonl"
    record_job(path, extra=[OTelExporter(deterministic_ids=True)])
    otlp_sink.wait_for_spans(lambda s: not s.is_marker, count=len(JOB_SPAN_NAMES))

    endpoint = rotel.grpc_endpoint if replay_protocol == "grpc" else rotel.http_endpoint
    # The replay gets its endpoint from the command line; the environment must not point elsewhere.
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    assert replay_cli(str(path), "--endpoint", endpoint, "--protocol", replay_protocol, "--no-progress") == 0
    otlp_sink.wait_for_spans(is_replayed, count=len(JOB_SPAN_NAMES))
    spans = otlp_sink.spans()
    live = span_tree([s for s in spans if not is_replayed(s)])
    replayed = span_tree([s for s in spans if is_replayed(s)])
    return path, live, replayed


@pytest.mark.parametrize("replay_protocol", ["grpc", "http/protobuf"])
def test_replay_reproduces_the_live_export_tree_and_ids(tmp_path, rotel, otlp_sink, monkeypatch, replay_protocol):
    _, live, replayed = _live_and_replay(tmp_path, rotel, otlp_sink, monkeypatch, replay_protocol)

    assert set(replayed) == set(live)
    assert {path[-1] for path in live} == set(JOB_SPAN_NAMES)
    for path, live_span in live.items():
        replay_span = replayed[path]
        assert comparable(replay_span) == comparable(live_span), path
        assert replay_span.trace_id == live_span.trace_id
        assert replay_span.parent_span_id == live_span.parent_span_id
        if path[-1] != "telemetry_data_error":  # the live exporter gives TDE spans random ids
            assert replay_span.span_id == live_span.span_id

    # The span_tree itself, spelled out, so that a mapping change shows here and not only as "live == replay".
    assert ("application", "train", "data") in replayed
    assert ("application", "validate") in replayed
    assert ("application", "telemetry_data_error") in replayed
    assert len({s.trace_id for s in replayed.values()}) == 1
    app = replayed[("application",)]
    assert app.attributes["one_logger.telemetry_data_error"] is True
    assert app.attributes["huge"] == str(2**70)
    assert app.attributes["tags"] == ["a", "b"]
    train = replayed[("application", "train")]
    assert train.attributes["final_metric"] == 0.9
    assert train.event_names() == ["span_start", "checkpoint", "span_stop"]
    assert train.events[0].attributes["phase"] == "begin"
    assert train.events[-1].attributes["result"] == "ok"
    data = replayed[("application", "train", "data")]
    # The final span carries the most recent events; the older ones went out once, in event markers (live and
    # replay alike), so nothing is dropped.
    assert len(data.events) == EVENT_LIMIT - 2 and data.dropped_events_count == 0
    assert [e.attributes.get("index") for e in data.events] == list(range(15 - (EVENT_LIMIT - 2), 15))
    validate = replayed[("application", "validate")]
    assert (validate.status_code, validate.status_message) == (2, "ValueError: bad batch")
    exception = [e for e in validate.events if e.name == "exception"]
    assert exception and exception[0].attributes["exception.type"] == "ValueError"
    tde = replayed[("application", "telemetry_data_error")]
    assert tde.status_code == 2
    assert tde.attributes["one_logger.telemetry_data_error.message"] == "lost a shard"
    assert tde.attributes["one_logger.telemetry_data_error.type"] == "incomplete_telemetry_data"


def test_the_replay_arrives_with_the_live_runs_resource(tmp_path, rotel, otlp_sink, monkeypatch):
    """The file's identity record lets the replay rebuild the live resource: only the replay flag differs."""
    _, live, replayed = _live_and_replay(tmp_path, rotel, otlp_sink, monkeypatch, "grpc")
    live_resource = live[("application",)].resource
    replay_resource = dict(replayed[("application",)].resource)
    assert replay_resource.pop("one_logger.replay.replayed") is True
    assert replay_resource == live_resource
    # What that resource says (the same identity the file's first record names).
    assert live_resource["service.name"] == live_resource["one_logger.application_name"] == "replay-test"
    assert live_resource["one_logger.session_tag"] == "sess-7"
    assert (live_resource["one_logger.rank"], live_resource["one_logger.world_size"]) == (1, 2)
    assert live_resource["one_logger.custom_metadata.cluster"] == "eos"
    assert live_resource["one_logger.custom_metadata.nodes"] == 4
    assert live_resource["one_logger.version.nv-one-logger-otel"]
    assert live_resource["process.pid"] == os.getpid()
    assert all(span.resource == live_resource for span in live.values())


def test_a_second_replay_yields_the_same_ids(tmp_path, rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, OTEL_EXPORTER_OTLP_ENDPOINT=rotel.grpc_endpoint)
    path = tmp_path / "run.jsonl"
    record_job(path)
    assert replay_cli(str(path), "--no-progress") == 0
    first = otlp_sink.wait_for_spans(count=len(JOB_SPAN_NAMES))
    assert replay_cli(str(path), "--no-progress") == 0
    both = otlp_sink.wait_for_spans(count=2 * len(JOB_SPAN_NAMES))

    def ids(spans):
        return sorted((s.trace_id, s.span_id, s.parent_span_id, s.name) for s in spans)

    second = both[len(first) :]  # arrival order: everything after the first replay's spans
    assert len(first) == len(second) == len(JOB_SPAN_NAMES)
    assert ids(first) == ids(second)
    # Not just the ids: the whole spans are equal, resource included (``service.instance.id`` is derived from the
    # trace id, so it is stable too).
    assert sorted(first, key=lambda s: s.span_id) == sorted(second, key=lambda s: s.span_id)
