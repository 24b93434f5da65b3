"""The reference job of the replay tests: a small training-like run recorded to a file (and, if asked, exported
live at the same time), and ``one-logger replay`` run in this process.

A live export and a replay of the same file must give the same spans; this job touches every mapping rule
(attributes of all kinds, events, an error, a telemetry data error, a span with more events than a small limit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.cli.main import main as cli_main
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder

#: A program that records part of the job and dies without closing (``crash_app.py PATH [RANK]``).
CRASH_APP = Path(__file__).resolve().parents[1] / "replay" / "crash_app.py"
JOB_SPAN_NAMES = ["application", "train", "data", "step-0", "step-1", "validate", "telemetry_data_error"]


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
            assert data is not None  # the provider is configured: timed_span yields the span
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


def _configure(exporters: Sequence[Exporter]) -> DefaultRecorder:
    """Configure the provider as the reference job does (two ranks, a session tag, custom metadata)."""
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
    _configure([FileExporter(path), *extra])
    run_job(data_events)


def replay_cli(*args: str) -> int:
    """Run ``one-logger replay ARGS`` in this process (stdout/stderr go to pytest's capture)."""
    return cli_main(["replay", *args])
