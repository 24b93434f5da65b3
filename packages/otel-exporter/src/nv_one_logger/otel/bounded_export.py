"""One export call of the worker, bounded by ``OTEL_BSP_EXPORT_TIMEOUT`` (the SDK's processor cannot apply it).

``SpanExporter.export`` takes no timeout, and a span exporter can hang (a collector port that accepts TCP and
never answers). So the call runs on a helper thread and the export worker (``pipeline.ExportWorker``) waits for
it at most the export timeout. A call that has not returned by then is *uncertain*: the request may have reached
the collector. If it returns later, it settles its own spans through the ``on_late`` callback (they move from
uncertain to exported or failed). While such a call is still running, no second call is started: the batch is
reported as failed at once (it was never sent), so at most one thread is ever stuck.

The helper thread stays for the next call (starting a thread per batch cost the export thread about as much as
the gRPC call's own bookkeeping): the worker hands it one call at a time and waits for the answer on a condition.
It ends when it has had nothing to do for ``IDLE_S`` (a quiet exporter keeps no thread), after a call that was
given up on has settled (a new thread serves the next call), at ``close()``, and it is a daemon. A forked child
has no copy of it: the object notices the new process and starts its own (the worker also builds a new
``BoundedExport`` in the child, ``ExportWorker.after_fork_in_child``).

The call also reads the OTLP partial-success answer (``partial_success``): spans the receiver rejected are
reported as rejected, not delivered. Every call goes through ``fork_gate.export_call`` (never inside gRPC while
the process forks).
"""

from __future__ import annotations

import os
import threading
from typing import Callable, Optional, Sequence, Tuple, Union

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.locks import fork_safe_condition
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.otel import partial_success
from nv_one_logger.otel.fork_gate import export_call

UNCERTAIN = "uncertain"
"""The result of an export call that did not return in time: its spans may have arrived."""

IDLE_S = 2.0
"""How long the helper thread waits for the next call before it ends (a new one starts with the next call)."""

Outcome = Tuple[Union[SpanExportResult, str], Optional[str], int]
"""``(result, reason, rejected spans)``; the result is a ``SpanExportResult`` or ``UNCERTAIN``."""

_logger = get_logger(__name__)


class _Call:
    """One export call handed to the helper thread; ``outcome`` and ``late`` are guarded by the condition."""

    __slots__ = ("chunk", "exporter", "late", "outcome")

    def __init__(self, exporter: SpanExporter, chunk: Sequence[ReadableSpan]) -> None:
        self.exporter = exporter
        self.chunk = chunk
        self.outcome: Optional[Outcome] = None
        self.late = False  # the waiting side stopped waiting for this call


class BoundedExport:
    """Runs ``export(chunk)`` calls on a helper thread named ``thread_name``, each bounded (module docstring).

    ``on_late(count, result, rejected)`` runs on the helper thread when a call given up on returns after all.
    """

    def __init__(
        self, timeout_ms: int, thread_name: str, on_late: Callable[[int, SpanExportResult, int], None]
    ) -> None:
        self._timeout_ms = timeout_ms
        self._thread_name = thread_name
        self._on_late = on_late
        self._state = fork_safe_condition()
        self._next: Optional[_Call] = None  # handed over, not yet taken by the helper thread
        self._running: Optional[_Call] = None  # taken and not returned (possibly stuck)
        self._thread: Optional[threading.Thread] = None  # the helper thread, while it serves calls
        self._closed = False
        self._pid = os.getpid()

    def __call__(self, exporter: SpanExporter, chunk: Sequence[ReadableSpan]) -> Outcome:
        """Export ``chunk``, waiting at most the export timeout (``UNCERTAIN`` when the call did not return)."""
        call = _Call(exporter, chunk)
        with self._state:
            if self._pid != os.getpid():  # a forked child: the parent's helper thread and call are not here
                self._pid, self._thread, self._running, self._next = os.getpid(), None, None, None
            if self._running is not None or self._next is not None:
                return (
                    SpanExportResult.FAILURE,
                    self._timeout_reason("the previous export call has still not returned"),
                    0,
                )
            self._next = call
            thread = self._thread
            if thread is None or not thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name=self._thread_name, daemon=True)
                self._thread.start()
            else:
                self._state.notify_all()
            self._state.wait_for(lambda: call.outcome is not None, self._timeout_ms / 1000.0)
            if call.outcome is not None:
                return call.outcome
            call.late = True
        return UNCERTAIN, self._timeout_reason("the export call did not return in time; its spans may still arrive"), 0

    def close(self) -> None:
        """Let the helper thread end once it is idle (it is not waited for: a stuck call may never return)."""
        with self._state:
            self._closed = True
            self._state.notify_all()

    # --- helper thread -------------------------------------------------------------------------------------
    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            with self._state:
                self._state.wait_for(lambda: self._next is not None or self._closed, IDLE_S)
                call = self._next
                if call is None or self._thread is not me:  # idle, closed, or replaced after a fork
                    if self._thread is me:
                        self._thread = None
                    return
                self._next, self._running = None, call
            outcome: Tuple[SpanExportResult, Optional[str], int] = (
                SpanExportResult.FAILURE,
                "the export call ended its thread",
                0,
            )
            returned = False
            try:
                outcome = self._run(call)
                returned = True
            finally:  # also when the call ended the thread (SystemExit): the next call must not wait for it
                with self._state:
                    call.outcome = outcome
                    self._running = None
                    late = call.late
                    if (late or not returned) and self._thread is me:
                        self._thread = None  # this thread ends; a new one serves the next call
                    self._state.notify_all()
            if late:
                try:
                    self._on_late(len(call.chunk), outcome[0], outcome[2])
                except Exception:
                    _logger.debug("OneLogger OTel exporter: settling a late export failed", exc_info=True)
                return

    @staticmethod
    def _run(call: _Call) -> Tuple[SpanExportResult, Optional[str], int]:
        partial_success.take()
        try:
            with export_call():
                result, reason = call.exporter.export(call.chunk), None
        except Exception as error:
            result, reason = SpanExportResult.FAILURE, describe_exception(error)
        answer = partial_success.take() if result is SpanExportResult.SUCCESS else None
        rejected = min(answer[0], len(call.chunk)) if answer is not None else 0
        if answer is not None:
            reason = f"the receiver rejected {rejected} of {len(call.chunk)} spans: {answer[1] or 'no reason given'}"
        return result, reason, rejected

    def _timeout_reason(self, what: str) -> str:
        return f"{what} (OTEL_BSP_EXPORT_TIMEOUT = {self._timeout_ms} ms)"
