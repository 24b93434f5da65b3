"""Set-up shared by the reliability applications: one recorder with the file and OTel exporters.

Each application is a plain `python -m tests.reliability.apps.<name>` program configured the way a user
configures OneLogger. The OTel exporter is built from the standard OTEL_* environment the test sets (endpoint,
batch delay, timeouts). Progress goes to stdout as short lines (see `tests/support/processes.py`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from tests.support.config import DISABLE, make_config

_print_lock = threading.Lock()


def report(kind: str, value: Any = "") -> None:
    """Print one progress line and flush it at once (the test stamps it when it reads it)."""
    with _print_lock:
        sys.stdout.write(f"{kind} {value}\n")
        sys.stdout.flush()


class ReportingFileExporter(FileExporter):
    """A FileExporter that reports `W <count>` after each record write returned (on the production line path)."""

    def _write_line(self, line: str) -> None:
        super()._write_line(line)
        report("W", json.loads(line)["count"])


def configure_file_and_otel(
    name: str, file_path: Path, reporting: bool = False, otel_kwargs: Optional[dict[str, Any]] = None
) -> DefaultRecorder:
    """Configure the process-wide recorder with FileExporter + OTelExporter (OTLP from the environment)."""
    file_exporter = (ReportingFileExporter if reporting else FileExporter)(file_path=file_path)
    recorder = DefaultRecorder([file_exporter, OTelExporter(**(otel_kwargs or {}))])
    configure_one_logger(make_config(DISABLE, name=name), recorder=recorder)
    return recorder


@contextlib.contextmanager
def spans_in_a_background_thread(name: str = "parent-bg") -> Iterator[None]:
    """While the block runs, a second thread records ``name`` spans as fast as it can (keeping the exporters busy
    at every fork); after it stopped, reports ``BG <spans recorded>``."""
    stop = threading.Event()
    recorded = 0

    def background() -> None:
        nonlocal recorded
        while not stop.is_set():
            with timed_span(name):
                recorded += 1

    thread = threading.Thread(target=background, name=name)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        report("BG", recorded)
