"""Records from a SIGALRM handler that fires every millisecond while the main thread records through every exporter.

Usage: `python -m tests.reliability.apps.signal_app <jsonl path> <log path> <main spans> <handler ticks>`.

Exporters: FileExporter, LoggerExporter (to a logging.FileHandler) and OTelExporter (OTLP from the environment).
The handler adds a `tick` event to a long-lived `watchdog` span on every signal and records a `handler-span` every
tenth signal; the interval timer (`signal.setitimer`, 1 ms) interrupts the main thread wherever it is: inside the
recorder, inside an exporter half-way through a record. The main thread records `main-span` spans with one
`main-event` each until it did at least `<main spans>` and the handler ran at least `<handler ticks>` times.

A hang prints every thread's stack (faulthandler) and exits with status 1.

Lines: `MAIN <spans>`, `TICKS <events recorded by the handler>`, `HANDLER_SPANS <n>`, `DONE`.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Optional

from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.exporter.logger_exporter import LoggerExporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from tests.reliability.apps.common import report
from tests.support.config import DISABLE, make_config

HANG_S = 240


def main() -> None:
    path, log_path = Path(sys.argv[1]), Path(sys.argv[2])
    main_spans, handler_ticks = int(sys.argv[3]), int(sys.argv[4])
    faulthandler.dump_traceback_later(HANG_S, exit=True)
    records_logger = logging.getLogger("signal-app.records")
    records_logger.addHandler(logging.FileHandler(log_path))
    records_logger.setLevel(logging.INFO)
    records_logger.propagate = False
    recorder = DefaultRecorder([FileExporter(file_path=path), LoggerExporter(logger=records_logger), OTelExporter()])
    configure_one_logger(make_config(DISABLE, name="signal-app"), recorder=recorder)

    ticks = 0
    handler_spans = 0
    with timed_span("watchdog") as watchdog:

        def on_alarm(signum: int, frame: Optional[FrameType]) -> None:
            nonlocal ticks, handler_spans
            recorder.event(watchdog, Event.create("tick", Attributes({"n": ticks})))
            ticks += 1
            if ticks % 10 == 0:
                with timed_span("handler-span", span_attributes=Attributes({"tick": ticks})):
                    handler_spans += 1

        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
        done = 0
        try:
            while done < main_spans or ticks < handler_ticks:
                with timed_span("main-span", span_attributes=Attributes({"i": done})) as span:
                    recorder.event(span, Event.create("main-event", Attributes({"i": done, "text": "x" * 200})))
                done += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
    report("MAIN", done)
    report("TICKS", ticks)
    report("HANDLER_SPANS", handler_spans)
    recorder.close()
    faulthandler.cancel_dump_traceback_later()
    report("DONE")


if __name__ == "__main__":
    main()
