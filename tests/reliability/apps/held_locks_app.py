"""Forks while another thread holds every lock of the library, then uses the library in the child.

Usage: `python -m tests.reliability.apps.held_locks_app <jsonl path>`.

This is the deterministic form of "the export thread held the span lock at the moment of the fork": a helper
thread acquires every lock the library owns (all of them are made by nv_one_logger.core.internal.locks, which
lists them: span lock, recorder lock, exporter locks, the OTel export worker's lock and wake event, provider,
singleton and exit-hook locks...) and keeps them while the main thread forks. The child (which has no such
thread) must be able to stop spans, read their attributes, record through the recorder and close it. A hang
dumps the child's stack (faulthandler) and exits with status 1.

Lines: `HELD <n>` (locks held by the helper thread), `CHILD <pid> <exit status>`, `DONE`.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, List

from nv_one_logger.api.timed_span import timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.internal.locks import registered_locks
from nv_one_logger.core.span import Span
from tests.reliability.apps.common import configure_file_and_otel, report

CHILD_HANG_S = 60


def hold_every_lock() -> List[Any]:
    """Acquire every lock the library made (nv_one_logger.core.internal.locks); return them, held.

    All or nothing, retried: the export thread may hold one of them while it waits for another one already held
    here, so a partial set is released and tried again rather than waited on.
    """
    while True:
        locks = registered_locks()
        held = []
        for lock in locks:
            if not lock.acquire(blocking=False):
                break
            held.append(lock)
        if len(held) == len(locks):
            return held
        for lock in reversed(held):
            lock.release()
        time.sleep(0.001)


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
            locks = hold_every_lock()
            report("HELD", len(locks))
            held.set()
            release.wait()
            for lock in reversed(locks):
                lock.release()

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
