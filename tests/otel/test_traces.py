"""Traces people can read, against the real collector: boundaries, ranks of one job, the span cap, no clutter.

Every test runs the exporter against rotel (tests/support/collector.py) and judges what the sink received.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.ids import trace_id_from_session
from nv_one_logger.otel.replay import replay_files
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import reset_one_logger
from tests.support.collector import ReceivedSpan
from tests.support.environment import otlp_env, set_otel_env
from tests.support.otel_job import configure_job
from tests.support.processes import child_env, run_command
from tests.support.received_spans import real_spans

pytestmark = pytest.mark.collector

RANK_APP = Path(__file__).parent / "rank_app.py"
PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{PARENT_TRACE}-{PARENT_SPAN}-01"
TRACESTATE = "ci=pipeline-17,vendor=abc"


def _run_ranks(mode: str, env: Dict[str, str], cwd: Path) -> None:
    children = []
    for rank in range(3):
        env_of_rank = child_env({**env, "RANK": str(rank)})
        children.append(
            subprocess.Popen(
                [sys.executable, str(RANK_APP), mode], env=env_of_rank, cwd=cwd, stdout=subprocess.PIPE, text=True
            )
        )
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0 and "DONE" in out


def _ranks(spans: List[ReceivedSpan]) -> Dict[int, List[ReceivedSpan]]:
    out: Dict[int, List[ReceivedSpan]] = {}
    for span in spans:
        out.setdefault(span.resource["one_logger.rank"], []).append(span)
    return out


def test_each_root_span_starts_its_own_trace(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc"))
    job = configure_job(OTelExporter())
    for name in ("warmup", "train"):
        with timed_span(name), timed_span(f"{name}-step"):
            pass
    job.recorder.close()
    spans = {s.name: s for s in otlp_sink.wait_for_spans(count=4)}
    assert spans["warmup"].parent_span_id == spans["train"].parent_span_id == ""
    assert spans["warmup"].trace_id != spans["train"].trace_id  # two roots, two traces (as in OpenTelemetry)
    assert spans["warmup-step"].trace_id == spans["warmup"].trace_id
    assert spans["train-step"].parent_span_id == spans["train"].span_id


def test_three_ranks_join_the_traceparent_of_their_pipeline_with_tracestate_kept(rotel, otlp_sink, tmp_path):
    env = otlp_env(rotel.grpc_endpoint, "grpc", TRACEPARENT=TRACEPARENT, TRACESTATE=TRACESTATE)
    _run_ranks("carrier", env, tmp_path)
    spans = otlp_sink.wait_for_spans(count=9)
    assert len(spans) == 9 and not [s for s in spans if s.is_marker]
    assert {s.trace_id for s in spans} == {PARENT_TRACE}  # the whole job, every rank, in the pipeline's trace
    by_rank = _ranks(spans)
    assert sorted(by_rank) == [0, 1, 2]
    for rank, mine in by_rank.items():
        (app,) = [s for s in mine if s.name == "application"]
        assert app.parent_span_id == PARENT_SPAN, rank  # child of the remote parent
        assert all(s.parent_span_id == app.span_id for s in mine if s.name == "step")
        assert all(s.trace_state == TRACESTATE for s in mine)  # tracestate travels with every span
        assert app.resource["one_logger.world_size"] == 3 and app.resource["one_logger.session_tag"] == "job-3r"


def test_an_invalid_traceparent_is_reported_once_and_ignored(rotel, otlp_sink, tmp_path):
    env = otlp_env(rotel.grpc_endpoint, "grpc", TRACEPARENT="00-not-a-trace-01", RANK="0")
    done = run_command(
        [sys.executable, RANK_APP, "carrier"], env=child_env(env), cwd=tmp_path, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("Ignoring TRACEPARENT='00-not-a-trace-01'") == 1
    spans = otlp_sink.wait_for_spans(count=3)
    (app,) = [s for s in spans if s.name == "application"]
    assert app.parent_span_id == "" and app.trace_id != PARENT_TRACE


@pytest.mark.parametrize(
    "sampler",
    # With a ratio of 0, the sampled parent alone decides that its trace is sent.
    [
        {"OTEL_TRACES_SAMPLER": "parentbased_always_on"},
        {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"},
    ],
    ids=lambda env: env["OTEL_TRACES_SAMPLER"],
)
def test_parent_based_sampler_follows_the_sampled_flag_of_traceparent(rotel, otlp_sink, monkeypatch, sampler):
    """OpenTelemetry: a parent-based sampler follows the remote parent's flags (``-00``: not sampled, nothing sent)."""
    unsampled_trace, sampled_trace = "1" * 32, "2" * 32
    for trace_id, flags in ((unsampled_trace, "00"), (sampled_trace, "01")):
        reset_one_logger()
        carrier = {"TRACEPARENT": f"00-{trace_id}-{PARENT_SPAN}-{flags}", "TRACESTATE": TRACESTATE}
        set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc", **sampler))
        for name, value in carrier.items():
            monkeypatch.setenv(name, value)
        job = configure_job(OTelExporter())
        with timed_span("application"):
            for _ in range(2):
                with timed_span("step") as step:
                    get_recorder().event(step, Event.create("loss"))
        job.recorder.close()

    # The sampled run was recorded last: once it has arrived, anything sent for the other one has too.
    kept = otlp_sink.wait_for_spans(lambda s: s.trace_id == sampled_trace, count=3, timeout=60)
    assert sorted(s.name for s in kept) == ["application", "step", "step"]
    (app,) = [s for s in kept if s.name == "application"]
    assert app.parent_span_id == PARENT_SPAN
    assert [s.name for s in otlp_sink.spans() if s.trace_id == unsampled_trace] == []


def _run_a_loop_of_ten(recorder: DefaultRecorder) -> None:
    """application > loop > 10 iterations (12 spans, so a small max_spans_per_trace splits them), then close."""
    configure_one_logger(OneLoggerConfig(application_name="cap", world_size_or_fn=1, session_tag_or_fn="s"), recorder)
    with timed_span("application"), timed_span("loop"):
        for _ in range(10):
            with timed_span("iteration"):
                pass
    recorder.close()


@pytest.mark.parametrize("flags", ["00", "01"])
def test_continuation_traces_follow_the_sampled_flag_of_traceparent(monkeypatch, flags):
    """Spans beyond the cap continue in linked traces that hang under the same remote parent, so they go with it."""
    set_otel_env(monkeypatch, {"OTEL_TRACES_SAMPLER": "parentbased_always_on", "TRACEPARENT": TRACEPARENT[:-2] + flags})
    memory = InMemorySpanExporter()
    recorder = DefaultRecorder([OTelExporter(memory, max_spans_per_trace=3)])
    _run_a_loop_of_ten(recorder)
    spans = memory.get_finished_spans()
    if flags == "00":
        assert spans == ()
    else:
        assert len(spans) == 12 and len({s.context.trace_id for s in spans}) > 1


def test_opt_in_session_trace_puts_every_ranks_root_in_one_trace(rotel, otlp_sink, tmp_path):
    _run_ranks("session", otlp_env(rotel.grpc_endpoint, "grpc"), tmp_path)
    spans = otlp_sink.wait_for_spans(count=9)
    expected = format(trace_id_from_session("three-ranks", "job-3r"), "032x")
    assert {s.trace_id for s in spans} == {expected}
    roots = [s for s in spans if s.name == "application"]
    assert sorted(s.resource["one_logger.rank"] for s in roots) == [0, 1, 2]
    assert all(s.parent_span_id == "" for s in roots)


@pytest.mark.slow
def test_a_50k_span_run_is_split_into_linked_traces_under_the_cap(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc", OTEL_BSP_MAX_QUEUE_SIZE="100000"))
    job = configure_job(OTelExporter(shutdown_timeout_s=120))
    cap = 10_000
    with timed_span("application"), timed_span("training_loop"):
        for _ in range(49_998):
            with timed_span("iteration"):
                pass
    job.recorder.close()
    assert job.otel.stats.lost == 0
    spans = real_spans(otlp_sink.wait_for_spans(lambda s: not s.is_marker, count=50_000, timeout=300))
    assert len(spans) == 50_000
    per_trace: Dict[str, int] = {}
    for span in spans:
        per_trace[span.trace_id] = per_trace.get(span.trace_id, 0) + 1
    assert len(per_trace) == 5 and max(per_trace.values()) <= cap
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    (loop,) = [s for s in spans if s.name == "training_loop"]
    continued = [s for s in spans if s.links]
    assert len(continued) == 4 * cap  # every span of a continuation trace points back to its real parent
    for span in continued:
        ((trace_id, span_id),) = span.links
        assert (trace_id, span_id) == (loop.trace_id, loop.span_id) and (trace_id, span_id) in by_id
        assert span.parent_span_id == "" and span.trace_id != loop.trace_id
        assert span.attributes["one_logger.continued_from.trace_id"] == loop.trace_id
        assert span.attributes["one_logger.continued_from.span_id"] == loop.span_id
        assert span.attributes["one_logger.parent_span.id"] == loop.attributes["one_logger.span.id"]


def _short_program() -> None:
    with timed_span("application"):
        for step in range(3):
            with timed_span("step") as span:
                get_recorder().event(span, Event.create("loss", Attributes({"step": step})))
        with timed_span("save"):
            pass


def test_a_short_program_sends_exactly_what_the_raw_sdk_sends(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc", OTEL_BSP_SCHEDULE_DELAY="50"))
    # The raw SDK: the same program written with a tracer.
    provider = TracerProvider(resource=Resource({"service.name": "raw-sdk"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=rotel.grpc_endpoint, insecure=True)))
    tracer = provider.get_tracer("raw")
    with tracer.start_as_current_span("application"):
        for step in range(3):
            with tracer.start_as_current_span("step") as span:
                span.add_event("loss", {"step": step})
        with tracer.start_as_current_span("save"):
            pass
    provider.shutdown()
    raw = otlp_sink.wait_for_spans(lambda s: s.resource.get("service.name") == "raw-sdk", count=5)

    job = configure_job(OTelExporter(), application_name="one-logger")
    _short_program()
    job.recorder.close()
    ours = otlp_sink.wait_for_spans(lambda s: s.resource.get("service.name") == "one-logger", count=5)

    def shape(spans: List[ReceivedSpan]) -> List[tuple]:
        names = {s.span_id: s.name for s in spans}
        return sorted(
            (s.name, names.get(s.parent_span_id, ""), tuple(e.name for e in s.events), len({t.trace_id for t in spans}))
            for s in spans
        )

    assert len(ours) == len(raw) == 5  # span for span: no markers, no extra spans
    assert shape(ours) == shape(raw)
    for span in ours:  # no field that repeats a native one
        assert "duration_msec" not in span.attributes
        assert all("timestamp_msec" not in e.attributes for e in span.events)


def test_every_event_is_exported_exactly_once(rotel, otlp_sink, monkeypatch):
    set_otel_env(monkeypatch, otlp_env(rotel.grpc_endpoint, "grpc", OTEL_BSP_SCHEDULE_DELAY="50"))
    job = configure_job(OTelExporter(liveness_threshold_s=0.2))
    recorder = get_recorder()
    sent = 0
    with timed_span("application"), timed_span("train") as train:
        train_id = str(train.id)
        # Events before the span is long-open (held, then streamed), while it is streamed, and in a short child.
        for _ in range(5):
            recorder.event(train, Event.create("tick", Attributes({"n": sent})))
            sent += 1
        otlp_sink.wait_for_spans(lambda s: s.attributes.get("one_logger.marker") == "span_start")
        for batch in range(3):
            for _ in range(40):
                recorder.event(train, Event.create("tick", Attributes({"n": sent})))
                sent += 1
            otlp_sink.wait_for_spans(
                lambda s, b=batch: s.attributes.get("one_logger.marker") == "event", count=batch + 1
            )
        for _ in range(7):  # handled in the same cycle as the stop: they go with the final span
            recorder.event(train, Event.create("tick", Attributes({"n": sent})))
            sent += 1
        with timed_span("eval") as child:
            recorder.event(child, Event.create("tick", Attributes({"n": sent})))
            sent += 1
    job.recorder.close()
    otlp_sink.wait_for_spans(lambda s: s.name == "application")
    carried = [
        e.attributes["n"]
        for s in otlp_sink.spans()
        for e in s.events
        if e.name == "tick" and (s.name in ("train", "eval") or s.attributes.get("one_logger.span.id") == train_id)
    ]
    assert sorted(carried) == list(range(sent))  # each event once: in a marker or in its span, never both


def test_a_replay_splits_the_traces_exactly_as_the_live_run(tmp_path, monkeypatch):
    """With deterministic ids, a replay of the file sends every span in the same (capped, linked) trace."""
    set_otel_env(monkeypatch, {})
    live, replayed = InMemorySpanExporter(), InMemorySpanExporter()
    path = tmp_path / "run.jsonl"
    recorder = DefaultRecorder([OTelExporter(live, deterministic_ids=True, max_spans_per_trace=4), FileExporter(path)])
    _run_a_loop_of_ten(recorder)
    assert replay_files([path], span_exporter=replayed, max_spans_per_trace=4).sent == 12

    def placement(exporter: InMemorySpanExporter) -> Dict[str, tuple]:
        return {
            str(s.attributes["one_logger.span.id"]): (
                s.context.trace_id,
                s.context.span_id,
                s.parent.span_id if s.parent else None,
                tuple((link.context.trace_id, link.context.span_id) for link in s.links),
            )
            for s in exporter.get_finished_spans()
        }

    live_placement = placement(live)
    assert placement(replayed) == live_placement
    assert len({trace for trace, *_ in live_placement.values()}) == 3  # 12 spans, at most 4 per trace
    assert sum(1 for *_, links in live_placement.values() if links) == 8


def test_replay_command_line_caps_traces_and_keeps_legacy_fields_on_request(tmp_path, rotel, otlp_sink, monkeypatch):
    from nv_one_logger.cli.main import main as cli_main

    set_otel_env(monkeypatch, {})
    path = tmp_path / "run.jsonl"
    recorder = DefaultRecorder([FileExporter(path)])
    _run_a_loop_of_ten(recorder)
    args = ["replay", str(path), "--endpoint", rotel.grpc_endpoint, "--no-progress", "--max-spans-per-trace", "4"]
    assert cli_main([*args, "--legacy-fields"]) == 0
    spans = otlp_sink.wait_for_spans(count=12)
    assert len({s.trace_id for s in spans}) == 3 and len([s for s in spans if s.links]) == 8
    assert all(s.event_names()[0] == "span_start" and "duration_msec" in s.attributes for s in spans)
