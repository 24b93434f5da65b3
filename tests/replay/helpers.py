"""Shared helpers of the replay tests: record a job to a file (optionally exporting it live too), run the CLI,
and turn received spans into comparable trees."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.cli.main import main as cli_main
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from tests.support.collector import ReceivedSpan

REPLAYED = "one_logger.replay.replayed"
CRASH_APP = Path(__file__).parent / "crash_app.py"
REPO_ROOT = Path(__file__).resolve().parents[2]
JOB_SPAN_NAMES = ["application", "train", "data", "step-0", "step-1", "validate", "telemetry_data_error"]


def clean_otel_env(monkeypatch: Any, **env: str) -> None:
    """Remove every OTEL_* variable, then set ``env`` (tests must not depend on the caller's environment)."""
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def run_job(data_events: int = 15) -> None:
    """A small training-like job touching every mapping rule (attributes, events, errors, a TDE, long event lists)."""
    recorder = get_recorder()
    app_attributes = Attributes({"job.kind": "pretrain", "huge": 2**70, "tags": ["a", "b"]})
    with timed_span("application", span_attributes=app_attributes):
        train = recorder.start(
            "train",
            span_attributes=Attributes({"lr": 0.5}),
            start_event_attributes=Attributes({"phase": "begin"}),
        )
        recorder.event(train, Event.create("checkpoint", Attributes({"step": 3, "loss": 0.25})))
        with timed_span("data") as data:
            for i in range(data_events):
                recorder.event(data, Event.create("batch", Attributes({"index": i})))
        for i in range(2):
            with timed_span(f"step-{i}", span_attributes=Attributes({"step": i})):
                pass
        train.add_attribute("final_metric", 0.9)
        recorder.stop(train, stop_event_attributes=Attributes({"result": "ok"}))
        try:
            with timed_span("validate"):
                raise ValueError("bad batch")
        except ValueError:
            pass
        recorder.telemetry_data_error("lost a shard")
    recorder.close()


def configure(exporters: Sequence[Exporter]) -> DefaultRecorder:
    recorder = DefaultRecorder(list(exporters))
    config = OneLoggerConfig(
        application_name="replay-test",
        world_size_or_fn=2,
        session_tag_or_fn="sess-7",
        custom_metadata={"cluster": "eos", "nodes": 4},
    )
    configure_one_logger(config, recorder)
    return recorder


def record_job(path: Path, extra: Sequence[Exporter] = (), data_events: int = 15) -> None:
    """Run ``run_job`` with a FileExporter writing ``path`` (plus ``extra`` exporters, e.g. a live OTelExporter)."""
    configure([FileExporter(path), *extra])
    run_job(data_events)


def replay_cli(*args: str) -> int:
    """Run ``one-logger replay ARGS`` in this process (stdout/stderr go to pytest's capture)."""
    return cli_main(["replay", *args])


def is_replayed(span: ReceivedSpan) -> bool:
    return bool(span.resource.get(REPLAYED))


@dataclass(frozen=True)
class Node:
    """One received span, with its parent resolved to a path of names (ids compared separately)."""

    path: Tuple[str, ...]
    span: ReceivedSpan


def tree(spans: List[ReceivedSpan]) -> Dict[Tuple[str, ...], ReceivedSpan]:
    """Index final spans (no liveness markers) by their name path from the root; every path must be unique."""
    finals = [s for s in spans if not s.is_marker]
    by_id = {(s.trace_id, s.span_id): s for s in finals}
    out: Dict[Tuple[str, ...], ReceivedSpan] = {}
    for span in finals:
        path: List[str] = [span.name]
        node: Optional[ReceivedSpan] = span
        while node is not None and node.parent_span_id:
            node = by_id.get((node.trace_id, node.parent_span_id))
            path.insert(0, node.name if node is not None else "<missing>")
        key = tuple(path)
        assert key not in out, f"span path {key} received twice"
        out[key] = span
    return out


def comparable(span: ReceivedSpan) -> Dict[str, Any]:
    """What must be identical between a live export and a replay of the same run (everything but the resource)."""
    return {
        "name": span.name,
        "kind": span.kind,
        "start": span.start_time_unix_nano,
        "end": span.end_time_unix_nano,
        "attributes": span.attributes,
        "events": [(e.name, e.time_unix_nano, e.attributes) for e in span.events],
        "status": (span.status_code, span.status_message),
        "dropped_events": span.dropped_events_count,
    }


def python_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


PYTHON = sys.executable
