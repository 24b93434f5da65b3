"""Forks while another thread holds every lock of the library, then uses the library in the child.

Usage: `python -m tests.reliability.apps.held_locks_app <jsonl path>`.

This is the deterministic form of "the export thread held the span lock at the moment of the fork": a helper
thread acquires each lock the library owns (span lock, recorder lock, exporter locks, the OTel export worker's
lock and wake event, the provider and singleton locks, the exit-hook lock) and keeps them while the main thread
forks. The child (which has no such thread) must be able to stop spans, read their attributes, record through the
recorder and close it. A hang dumps the child's stack (faulthandler) and exits with status 1.

Lines: `HELD <n>` (locks held by the helper thread), `CHILD <pid> <exit status>`, `DONE`.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any, List

import nv_one_logger.api._exit_hook as exit_hook
import nv_one_logger.core.span as span_module
import nv_one_logger.otel.pipeline as pipeline
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.internal.singleton import SingletonMeta
from nv_one_logger.core.span import Span
from tests.reliability.apps.common import configure_file_and_otel, report

CHILD_HANG_S = 60


def library_locks(recorder: Any) -> List[Any]:
    """Every lock-like object the library owns in this configuration."""
    locks: List[Any] = [
        span_module._LAZY_LOCK,
        recorder._lock,
        OneLoggerProvider.instance()._lock,
        SingletonMeta._lock,
        exit_hook._lock,
        pipeline._filter_lock,
    ]
    for exporter in recorder.exporters:
        locks.append(exporter._state_lock)
        if hasattr(exporter, "_lock"):
            locks.append(exporter._lock)
        worker = getattr(exporter, "_worker", None)
        if worker is not None:
            locks.extend([worker._lock, worker._wake._cond])
    return locks


def child(recorder: Any) -> None:
    faulthandler.dump_traceback_later(CHILD_HANG_S, exit=True)
    direct = Span.create("child-direct", span_attributes=Attributes({"k": 1}))
    assert direct.attributes["k"].value == 1
    direct.stop()
    assert direct.attributes["duration_msec"].value >= 0
    with timed_span("child-span", span_attributes=Attributes({"pid": os.getpid()})) as span:
        recorder.event(span, Event.create("child-event", Attributes({"pid": os.getpid()})))
    recorder.close()
    faulthandler.cancel_dump_traceback_later()


def main() -> None:
    path = Path(sys.argv[1])
    recorder = configure_file_and_otel("held-locks-app", path)
    with timed_span("parent-root"):
        with timed_span("parent-before-fork"):
            pass
        held = threading.Event()
        release = threading.Event()

        def hold_all() -> None:
            with ExitStack() as stack:
                for lock in library_locks(recorder):
                    stack.enter_context(lock)
                report("HELD", len(library_locks(recorder)))
                held.set()
                release.wait()

        holder = threading.Thread(target=hold_all, name="lock-holder")
        holder.start()
        held.wait()
        pid = os.fork()
        if pid == 0:
            try:
                child(recorder)
            except BaseException:
                faulthandler.dump_traceback(all_threads=True)
                os._exit(2)
            os._exit(0)
        release.set()
        holder.join()
        faulthandler.dump_traceback_later(CHILD_HANG_S + 30, exit=True)
        _, status = os.waitpid(pid, 0)
        faulthandler.cancel_dump_traceback_later()
        report("CHILD", f"{pid} {os.waitstatus_to_exitcode(status)}")
        with timed_span("parent-after-fork"):
            pass
    report("DONE")


if __name__ == "__main__":
    main()
