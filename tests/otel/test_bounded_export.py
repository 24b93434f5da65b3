"""The export-call thread of ``bounded_export.BoundedExport`` serves call after call, and never more than it should.

The bounds themselves (a hanging call is given up on after ``OTEL_BSP_EXPORT_TIMEOUT``, the next batch fails at
once while it is stuck, its late answer settles its spans) are checked through the exporter in
test_export_timeout.py; here: one thread for consecutive calls, named after the worker, ended when idle, after
``close()`` and after a late return, a new one after all of these, and a usable object in a forked child.
"""

from __future__ import annotations

import os
import threading
from typing import List, Sequence, Tuple

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nv_one_logger.otel import bounded_export
from nv_one_logger.otel.bounded_export import UNCERTAIN, BoundedExport
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.support.exporter_calls import export_complete_span
from tests.support.waiting import wait_until

WAIT_S = 20.0
NAME = "nv-one-logger-otel-test-call"


class _Recording(SpanExporter):
    """Records the thread of every ``export``; the calls listed in ``hang`` block until ``release`` is set."""

    def __init__(self, hang: Sequence[int] = ()) -> None:
        self.threads: List[threading.Thread] = []
        self.hang = set(hang)
        self.release = threading.Event()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.threads.append(threading.current_thread())
        if len(self.threads) in self.hang:
            self.release.wait(60)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.release.set()


def _alive(name: str) -> List[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == name]


def test_consecutive_calls_of_the_export_worker_run_on_one_thread_named_after_it() -> None:
    recording = _Recording()
    exporter = OTelExporter(recording, start_markers=False, event_markers=False)
    exporter.initialize()
    try:
        for name in ("a", "b", "c"):
            export_complete_span(exporter, name)
            assert exporter.force_flush(WAIT_S)
        worker = exporter._worker._thread  # type: ignore[union-attr]
    finally:
        exporter.close()
    assert len(recording.threads) == 3 and len(set(recording.threads)) == 1, recording.threads
    assert recording.threads[0].name == f"{worker.name}-call" and recording.threads[0].daemon
    assert wait_until(lambda: not recording.threads[0].is_alive(), WAIT_S), "the call thread outlived close()"


def test_the_thread_ends_when_idle_and_a_new_one_serves_the_next_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded_export, "IDLE_S", 0.05)
    recording = _Recording()
    bounded = BoundedExport(30_000, NAME, lambda *args: None)
    assert bounded(recording, [])[0] is SpanExportResult.SUCCESS
    first = recording.threads[0]
    assert wait_until(lambda: not first.is_alive(), WAIT_S), "the idle call thread did not end"
    assert bounded(recording, [])[0] is SpanExportResult.SUCCESS
    assert recording.threads[1] is not first and recording.threads[1].name == NAME
    bounded.close()
    assert wait_until(lambda: not recording.threads[1].is_alive(), WAIT_S), "close() did not end the call thread"


def test_a_late_return_settles_and_ends_its_thread_and_never_two_calls_run_at_once() -> None:
    recording = _Recording(hang=[1])
    settled: List[Tuple[int, SpanExportResult, int]] = []
    done = threading.Event()

    def on_late(count: int, result: SpanExportResult, rejected: int) -> None:
        settled.append((count, result, rejected))
        done.set()

    bounded = BoundedExport(50, NAME, on_late)
    chunk: List[ReadableSpan] = []
    assert bounded(recording, chunk)[0] == UNCERTAIN
    stuck = recording.threads[0]
    result, reason = bounded(recording, chunk)[:2]
    assert result is SpanExportResult.FAILURE and reason and "still not returned" in reason
    assert len(recording.threads) == 1  # no second call was started
    recording.release.set()
    assert done.wait(WAIT_S)
    assert settled == [(0, SpanExportResult.SUCCESS, 0)]
    assert wait_until(lambda: not stuck.is_alive(), WAIT_S), "the thread given up on did not end"
    assert bounded(recording, chunk)[0] is SpanExportResult.SUCCESS
    assert recording.threads[1] is not stuck
    bounded.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_gets_its_own_call_thread() -> None:
    recording = _Recording(hang=[1])
    bounded = BoundedExport(50, NAME, lambda *args: None)
    assert bounded(recording, [])[0] == UNCERTAIN  # the parent's call is stuck at the fork
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread and its stuck call are not here; a call must not wait for them
        code = 1
        try:
            bounded._timeout_ms = 30_000  # the child's own call has all the time it needs
            served = bounded(recording, [])[0] is SpanExportResult.SUCCESS
            if served and recording.threads[-1].name == NAME and recording.threads[-1] is not recording.threads[0]:
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    recording.release.set()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    bounded.close()


class _Ended(BaseException):
    """What a call can end its thread with besides an ``Exception`` (think ``SystemExit`` from a library)."""


def test_a_call_that_ends_its_thread_does_not_hold_up_the_next_one(monkeypatch: pytest.MonkeyPatch) -> None:
    hook_entered, hook_release = threading.Event(), threading.Event()

    def slow_excepthook(args: threading.ExceptHookArgs) -> None:  # keeps the ending thread alive until released
        hook_entered.set()
        hook_release.wait(WAIT_S)

    class _EndsFirstCall(_Recording):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            super().export(spans)
            if len(self.threads) == 1:
                raise _Ended()
            return SpanExportResult.SUCCESS

    monkeypatch.setattr(threading, "excepthook", slow_excepthook)
    recording = _EndsFirstCall()
    bounded = BoundedExport(30_000, NAME, lambda *args: None)
    try:
        result, reason = bounded(recording, [])[:2]
        assert result is SpanExportResult.FAILURE and reason == "the export call ended its thread"
        assert hook_entered.wait(WAIT_S)  # the first thread is still alive, ending
        assert bounded(recording, [])[0] is SpanExportResult.SUCCESS  # served by a new thread, not waited out
        assert len(recording.threads) == 2 and recording.threads[1] is not recording.threads[0]
    finally:
        hook_release.set()
        bounded.close()
