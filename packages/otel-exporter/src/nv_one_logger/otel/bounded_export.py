"""One export call of the worker, bounded by ``OTEL_BSP_EXPORT_TIMEOUT`` (the SDK's processor cannot apply it).

``SpanExporter.export`` takes no timeout, and a span exporter can hang (a collector port that accepts TCP and
never answers). So the call runs on a helper thread and the export worker (``pipeline.ExportWorker``) waits for
it at most the export timeout. A call that has not returned by then is *uncertain*: the request may have reached
the collector. If it returns later, it settles its own spans through the ``on_late`` callback (they move from
uncertain to exported or failed). While such a call is still running, no second call is started: the batch is
reported as failed at once (it was never sent), so at most one thread is ever stuck.

The call also reads the OTLP partial-success answer (``partial_success``): spans the receiver rejected are
reported as rejected, not delivered. Every call goes through ``fork_gate.export_call`` (never inside gRPC while
the process forks).
"""

from __future__ import annotations

import threading
from typing import Callable, List, Optional, Sequence, Tuple, Union

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.locks import fork_safe_event, fork_safe_lock
from nv_one_logger.otel import partial_success
from nv_one_logger.otel.fork_gate import export_call

UNCERTAIN = "uncertain"
"""The result of an export call that did not return in time: its spans may have arrived."""

Outcome = Tuple[Union[SpanExportResult, str], Optional[str], int]
"""``(result, reason, rejected spans)``; the result is a ``SpanExportResult`` or ``UNCERTAIN``."""


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
        self._lock = fork_safe_lock()
        self._call: Optional[threading.Thread] = None  # the export call in progress (or stuck), if any

    def __call__(self, exporter: SpanExporter, chunk: Sequence[ReadableSpan]) -> Outcome:
        """Export ``chunk``, waiting at most the export timeout (``UNCERTAIN`` when the call did not return)."""
        stuck = self._call
        if stuck is not None and stuck.is_alive():
            return SpanExportResult.FAILURE, self._timeout_reason("the previous export call has still not returned"), 0
        outcome: List[Outcome] = []
        late = fork_safe_event()  # set by the waiting side when it stopped waiting for this call

        def call() -> None:
            partial_success.take()
            try:
                with export_call():
                    result, reason = exporter.export(chunk), None
            except Exception as error:
                result, reason = SpanExportResult.FAILURE, describe_exception(error)
            answer = partial_success.take() if result is SpanExportResult.SUCCESS else None
            rejected = min(answer[0], len(chunk)) if answer is not None else 0
            if answer is not None:
                reason = f"the receiver rejected {rejected} of {len(chunk)} spans: {answer[1] or 'no reason given'}"
            with self._lock:
                outcome.append((result, reason, rejected))
                settle_late = late.is_set()
            if settle_late:
                self._on_late(len(chunk), result, rejected)

        self._call = threading.Thread(target=call, name=self._thread_name, daemon=True)
        self._call.start()
        self._call.join(self._timeout_ms / 1000.0)
        with self._lock:
            if outcome:
                return outcome[0]
            late.set()
        return UNCERTAIN, self._timeout_reason("the export call did not return in time; its spans may still arrive"), 0

    def _timeout_reason(self, what: str) -> str:
        return f"{what} (OTEL_BSP_EXPORT_TIMEOUT = {self._timeout_ms} ms)"
