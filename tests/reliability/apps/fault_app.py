"""A short training-like job configured with `configure_one_logger`, used under collector faults.

Usage: `python -m tests.reliability.apps.fault_app <jsonl path> <steps> <seconds per step>`.

The exporters come from the exporter configuration system, as in production: the FileExporter from direct
configuration, the OTelExporter from its package default (enabled because the test sets
OTEL_EXPORTER_OTLP_ENDPOINT) with `shutdown_timeout_s` from direct configuration. `configure_one_logger`
registers the exit hook that closes the recorder within `exit_timeout_seconds`.

Lines: `READY`, `P <step>` after each step span stopped, `DONE` just before `main()` returns (the test
measures the exit time from there).
"""

from __future__ import annotations

import os
import sys
import time

from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from tests.reliability.apps.common import report
from tests.support.config import DISABLE, make_config

FILE_EXPORTER = "nv_one_logger.exporter.file_exporter.FileExporter"
OTEL_EXPORTER = "nv_one_logger.otel.exporter.otel_exporter.OTelExporter"


def main() -> None:
    path, steps, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    configure_one_logger(
        make_config(DISABLE, name="fault-app"),
        exporters_config=[
            {"class_name": FILE_EXPORTER, "config": {"file_path": path}},
            {"class_name": OTEL_EXPORTER, "config": {"shutdown_timeout_s": float(os.environ["APP_OTEL_SHUTDOWN_S"])}},
        ],
        exit_timeout_seconds=float(os.environ["APP_EXIT_TIMEOUT_S"]),
    )
    recorder = get_recorder()
    report("READY", " ".join(type(e).__name__ for e in recorder.exporters))  # type: ignore[attr-defined]
    with timed_span("application"):
        for step in range(steps):
            with timed_span("step", span_attributes=Attributes({"step": step})) as span:
                recorder.event(span, Event.create("tick", Attributes({"step": step})))
                time.sleep(pause)
            report("P", step)
    report("DONE")


if __name__ == "__main__":
    main()
