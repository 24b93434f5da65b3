"""The export worker: a bounded queue filled by the application's thread, drained and exported by one thread.

Why not the SDK's ``BatchSpanProcessor``: its queue holds finished SDK spans, so the application's thread would
have to build them (ids, attribute conversion, SDK objects) - the expensive part. Here the application's thread
only appends a small record of its call to a ``deque`` (a single atomic operation; the records are in
``live_calls.py``); this worker turns the records into spans (through a ``process`` callback, see
``live_spans.py``) and exports them in batches, honouring the same
``OTEL_BSP_*`` settings as the SDK's processor (schedule delay, queue size, batch size, export timeout; see
``env.BatchSettings``).

Guarantees:

- ``submit`` / ``submit_stop`` never block and never raise; when the queue is full the call is dropped and counted.
- Capacity is counted in spans, as ``OTEL_BSP_MAX_QUEUE_SIZE`` is for the SDK's processor: a span is two calls
  (start and stop), so starts and events are accepted while fewer than ``2 x max_queue_size`` calls wait, and a
  stop is accepted up to ``3 x max_queue_size``. The extra room is for stops: a stop alone still yields the
  complete span (the span object carries its start, attributes and events), so under overflow the bridge sheds
  starts (liveness markers) before it sheds spans.
- ``force_flush(timeout_s)`` and ``shutdown(timeout_s)`` return within their timeout even if the span exporter
  hangs (a collector port that accepts TCP and never answers): the worker is a daemon thread, and when the
  flush does not finish in time the exporter is shut down (which aborts the SDK exporters' retry waits and
  gRPC calls) and whatever is still queued or in flight is counted as abandoned.
- One export call is bounded by ``OTEL_BSP_EXPORT_TIMEOUT`` (the SDK's processor reads that variable but cannot
  apply it, since ``SpanExporter.export`` takes no timeout). The call runs on a helper thread (kept from call to
  call while the worker is busy); when it has not
  returned in time the worker moves on and the batch is counted as *uncertain* (the request may have reached
  the collector), so a span exporter that hangs cannot stall delivery for ever. If the call returns later, its
  spans move to exported or failed. While such a call is still running, no second call is started: each batch is
  counted as failed at once (it was never sent; at most one stuck thread). See ``bounded_export``.
- One request stays under the receiver's message size limit (``request_size``): a span too large on its own is
  shrunk or dropped alone, never with its batch. Spans that cannot be built (a poison value) cost only their
  own call. An OTLP partial-success answer counts its rejected spans as rejected, not delivered
  (``partial_success``). See ``export_stats`` for every counter.
- Every span that was not delivered is counted in ``ExportStats``; the first loss is logged once (one WARNING
  line). The ``on_loss_recovered`` callback runs at the first successful export after losses (the exporter
  then sends a telemetry data error into the trace: that is the first moment it can arrive). The SDK
  exporters' own per-attempt log lines are
  suppressed for this worker's thread only (``quiet_sdk_exporter_logs``), so an outage does not flood the
  application's log, while the application's own OTel exporters keep logging as before.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from dataclasses import replace
from typing import Callable, Deque, Generic, List, Sequence, TypeVar

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nv_one_logger.core.internal.locks import fork_safe_event, fork_safe_lock
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.redaction import redact_text
from nv_one_logger.otel import otlp_grpc, partial_success
from nv_one_logger.otel.bounded_export import UNCERTAIN, BoundedExport
from nv_one_logger.otel.env import BatchSettings
from nv_one_logger.otel.export_stats import ExportStats
from nv_one_logger.otel.request_size import TRUNCATED_VALUES_ATTRIBUTE, pack, shrink
from nv_one_logger.otel.sdk_log_filter import SDK_LOG_FILTER, WORKER_THREAD_PREFIX, quiet_sdk_exporter_logs

__all__ = ["WORKER_THREAD_PREFIX", "ExportStats", "ExportWorker", "quiet_sdk_exporter_logs"]

ItemT = TypeVar("ItemT")

_logger = get_logger(__name__)

_worker_numbers = itertools.count(1)


class ExportWorker(Generic[ItemT]):
    """Queue + daemon thread that turns submitted items into spans and exports them (module docstring).

    ``ItemT`` is what the application's thread submits (the OTel exporter's ``live_calls.Call``); only the
    ``process`` callback looks inside an item.
    """

    def __init__(
        self,
        span_exporter: SpanExporter,
        process: Callable[[List[ItemT]], List[ReadableSpan]],
        settings: BatchSettings,
        on_loss_recovered: Callable[[ExportStats], None],
        describe_target: str = "the OTLP endpoint",
    ) -> None:
        self._process = process
        self._settings = settings
        self._on_loss_recovered = on_loss_recovered
        self._target = describe_target
        self._queue: Deque[ItemT] = deque()
        self._max_calls = 2 * settings.max_queue_size  # starts and events: max_queue_size spans of two calls
        self._max_calls_with_stops = 3 * settings.max_queue_size  # room reserved for the stops of open spans
        self._calls_dropped = 0  # counted apart from _stats: dropping must stay cheap for the caller
        # Counted in calls, not stopped spans, on purpose: a queued call keeps its span and events alive, and draining
        # every 512 calls lets them die young. Waking per 512 stopped spans (the SDK's meaning) saved ~25 us of
        # export work per iteration of a PyTorch loop (1 span + 10 events) but promoted those objects to the oldest
        # GC generation: 5 full collections per 12,000 iterations instead of 1, ~130 ms each with torch's heap.
        self._wake_at = settings.max_export_batch_size
        self._delay_s = settings.schedule_delay_ms / 1000.0
        self._wake = fork_safe_event()
        self._lock = fork_safe_lock()
        self._flush_waiters: List[threading.Event] = []
        self._stopping = False
        self._stats = ExportStats()
        self._in_flight = 0
        self._loss_logged = False
        self._uncertain_logged = False
        self._abandoned = False
        self._last_export_ok = False  # the last export call succeeded (how long close() waits on retries)
        self._close_started = float("inf")
        self._dropped_seen = 0
        self._unreported_loss = False
        self._set_up(span_exporter)

    # --- application side ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread."""
        quiet_sdk_exporter_logs()
        self._thread.start()

    def submit(self, item: ItemT) -> None:
        """Enqueue a start or event call; O(1), never blocks. Beyond the queue bound it is dropped and counted."""
        queue = self._queue
        if len(queue) < self._max_calls and not self._stopping:
            queue.append(item)
            if len(queue) == self._wake_at:
                self._wake.set()
            return
        self._drop()

    def submit_stop(self, item: ItemT) -> None:
        """Enqueue a stop call (it has more room than starts, see the module docstring)."""
        queue = self._queue
        if len(queue) < self._max_calls_with_stops and not self._stopping:
            queue.append(item)
            if len(queue) == self._wake_at:
                self._wake.set()
            return
        self._drop()

    def _drop(self) -> None:
        with self._lock:
            self._calls_dropped += 1

    def after_fork_in_child(self, span_exporter: SpanExporter) -> None:
        """Make this worker usable in a forked child (a data-loader worker), exporting with ``span_exporter``.

        The fork copied the queue but not the thread: the queued calls are the parent's (the parent exports
        them, the child must not send them again), and a lock or event may have been held by a parent thread.
        The child gets fresh synchronisation, an empty queue, its own counters and its own worker thread.
        """
        self._queue = deque()
        self._wake = fork_safe_event()
        self._lock = fork_safe_lock()
        self._flush_waiters = []
        self._stats = ExportStats()
        self._calls_dropped = 0
        self._in_flight = 0
        self._loss_logged = False
        self._uncertain_logged = False
        self._abandoned = False
        self._last_export_ok = False
        self._dropped_seen = 0
        self._unreported_loss = False
        was_running = not self._stopping
        self._set_up(span_exporter)
        if was_running:
            self._thread.start()

    def _set_up(self, span_exporter: SpanExporter) -> None:
        """Make the worker thread (not started) and its export caller, exporting with ``span_exporter``.

        The SDK's OTLP gRPC exporter is made to send the bridge's encoding (``otlp_grpc``), then its answers are
        watched for partial successes (which wraps the stub ``otlp_grpc`` installed, so the order matters). The
        export calls run on ``<thread name>-call`` (its SDK log lines are told apart by that name).
        """
        self._thread = threading.Thread(
            target=self._run, name=f"{WORKER_THREAD_PREFIX}-export-{next(_worker_numbers)}", daemon=True
        )
        self._exporter = span_exporter
        # True when the span exporter sends the bridge's own encoding (the SDK's gRPC exporter, ``otlp_grpc``).
        self.sends_encoded_requests = otlp_grpc.install(span_exporter)
        partial_success.watch(span_exporter)
        self._bounded_export = BoundedExport(
            self._settings.export_timeout_ms, f"{self._thread.name}-call", self._settle_late
        )

    def submit_internal(self, item: ItemT) -> None:
        """Enqueue an item produced by the exporter itself (e.g. its loss report), even while closing."""
        self._queue.append(item)

    @property
    def stats(self) -> ExportStats:
        """Return a snapshot of the delivery counters."""
        return replace(self._stats, calls_dropped=self._calls_dropped)

    def force_flush(self, timeout_s: float) -> bool:
        """Export everything submitted so far; False if that did not finish within ``timeout_s``."""
        if not self._thread.is_alive():
            return not self._queue
        done = fork_safe_event()
        with self._lock:
            self._flush_waiters.append(done)
        self._wake.set()
        return done.wait(timeout_s)

    def shutdown(self, timeout_s: float) -> bool:
        """Flush, stop the worker and shut the span exporter down, all within ``timeout_s``; True if clean."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        self._close_started = time.time()
        with self._lock:
            self._stopping = True
        self._wake.set()
        if self._thread.is_alive():
            # Leave a fifth of the bound for aborting a hung export and shutting the exporter down.
            self._join_unless_retrying(max(0.0, timeout_s * 0.8))
        clean = not self._thread.is_alive()
        cut_short = not clean and self._retries_since_close() >= self._retries_allowed_at_close()
        self._shutdown_exporter(deadline)
        if not clean:
            self._thread.join(max(0.0, deadline - time.monotonic()))
            # Retries cut short end as failed exports (counted and reported), not as a close that gave up.
            clean = cut_short and not self._thread.is_alive()
        if self._thread.is_alive():
            pending = len(self._queue) + self._in_flight
            with self._lock:
                self._stats = replace(self._stats, spans_abandoned=self._stats.spans_abandoned + pending)
                self._abandoned = True  # the stuck worker may finish later: it must neither count nor log again
            return False
        return clean

    def _retries_since_close(self) -> int:
        return SDK_LOG_FILTER.retries_since(f"{self._thread.name}-call", self._close_started)

    def _retries_allowed_at_close(self) -> int:
        """1 when the receiver has taken nothing since it last failed (or ever), else 2 (see below)."""
        return 2 if self._last_export_ok else 1

    def _join_unless_retrying(self, timeout_s: float) -> None:
        """Wait for the worker, but stop waiting once its export call failed and waits to retry.

        Only attempts that failed after ``close()`` began count. A collector that refuses the connection (or
        answers "unavailable") at close, and has taken nothing since
        it last failed (a short run against a collector that is down), will not take the batch within the close
        bound in any useful number of cases; waiting for the exporter's backoff would only delay the
        application's exit. When the last export had succeeded, one failed attempt is waited out (a collector
        that has just restarted often refuses a stale connection once and takes the retry) and the second ends
        the wait. Shutting the span exporter down (next step) aborts its retry at once, and the failure is
        reported with the cause the failed attempts logged.
        """
        end = time.monotonic() + timeout_s
        allowed = self._retries_allowed_at_close()
        while self._thread.is_alive():
            left = end - time.monotonic()
            if left <= 0 or self._retries_since_close() >= allowed:
                return
            self._thread.join(min(left, 0.05))

    def _shutdown_exporter(self, deadline: float) -> None:
        # SpanExporter.shutdown can block (closing a channel to a host that never answers); never wait past
        # the deadline for it.
        helper = threading.Thread(
            target=self._safe_exporter_shutdown, name=f"{WORKER_THREAD_PREFIX}-shutdown", daemon=True
        )
        helper.start()
        helper.join(max(0.05, deadline - time.monotonic()))

    def _safe_exporter_shutdown(self) -> None:
        try:
            self._exporter.shutdown()
        except Exception as error:
            _logger.debug("OneLogger OTel exporter: span exporter shutdown failed: %s", error)

    # --- worker side ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(self._delay_s)
            self._wake.clear()
            with self._lock:
                waiters, self._flush_waiters = self._flush_waiters, []
                stopping = self._stopping
            self._safe_cycle()
            if stopping:
                self._safe_cycle()  # items submitted while the last cycle ran
            for waiter in waiters:
                waiter.set()
            if stopping:
                self._bounded_export.close()  # its thread ends once idle (a stuck call keeps it until it returns)
                return

    def _safe_cycle(self) -> None:
        """Run one cycle; an unforeseen error costs the spans of that cycle still in flight, never the worker.

        Building a span is already guarded call by call (``_build``); this is the net under packing, shrinking and
        exporting, so that the spans recorded afterwards still ship and every flush waiter is still released.
        """
        try:
            self._cycle()
        except Exception:
            lost, self._in_flight = self._in_flight, 0
            _logger.log(
                logging.DEBUG if self._loss_logged else logging.ERROR,
                "OneLogger OTel exporter: an export cycle failed",
                exc_info=True,
            )
            with self._lock:
                stats = self._stats
                self._stats = replace(stats, spans_failed=stats.spans_failed + lost)
            self._note_loss("internal error while exporting a batch (logged with its traceback)")

    def _cycle(self) -> None:
        queue = self._queue
        items = [queue.popleft() for _ in range(len(queue))]
        if self._calls_dropped > self._dropped_seen:
            self._dropped_seen = self._calls_dropped
            self._note_loss("the export queue was full")
        # Built without items too: the translator notices spans that have been open long (liveness).
        spans = self._build(items)
        self._in_flight = len(spans)
        batches, oversized = pack(spans, self._settings.max_export_batch_size)
        for span in oversized:  # larger than one request on its own: shrink it, or drop it alone
            self._in_flight -= 1
            shrunk = shrink(span)
            if shrunk is None:
                self._count(spans_too_large=1)
                self._note_loss(f"span {span.name[:80]!r} is too large for one export request even when shrunk")
            else:
                self._in_flight += 1
                batches.append([shrunk])
        for chunk in batches:
            if self._abandoned:
                return
            self._export(chunk)
            self._in_flight -= len(chunk)

    def _build(self, items: List[ItemT]) -> List[ReadableSpan]:
        """Turn calls into spans; if that fails, call by call, so that one bad call costs only itself."""
        try:
            return self._process(items)
        except Exception:  # a bug or a poison value in span building must not kill the worker
            if len(items) == 1:
                _logger.log(
                    logging.DEBUG if self._loss_logged else logging.ERROR,
                    "OneLogger OTel exporter: could not build a span from a call",
                    exc_info=True,
                )
                self._count(calls_unprocessed=1)
                self._note_loss("internal error while building a span (logged with its traceback)")
                return []
        spans: List[ReadableSpan] = []
        for item in items:
            spans.extend(self._build([item]))
        return spans

    def _count(self, spans_too_large: int = 0, calls_unprocessed: int = 0) -> None:
        with self._lock:
            stats = self._stats
            self._stats = replace(
                stats,
                spans_too_large=stats.spans_too_large + spans_too_large,
                calls_unprocessed=stats.calls_unprocessed + calls_unprocessed,
            )

    def _settle_late(self, count: int, result: SpanExportResult, rejected: int) -> None:
        """Move the spans of a call given up on, which has returned after all, out of uncertain."""
        with self._lock:
            stats = self._stats
            if result is SpanExportResult.SUCCESS:
                self._stats = replace(
                    stats,
                    spans_uncertain=stats.spans_uncertain - count,
                    spans_exported=stats.spans_exported + count - rejected,
                    spans_rejected=stats.spans_rejected + rejected,
                )
            else:
                self._stats = replace(
                    stats,
                    spans_uncertain=stats.spans_uncertain - count,
                    spans_failed=stats.spans_failed + count,
                    failed_batches=stats.failed_batches + 1,
                )

    def _export(self, chunk: Sequence[ReadableSpan]) -> None:
        result, reason, rejected = self._bounded_export(self._exporter, chunk)
        truncated = sum(1 for span in chunk if span.attributes and TRUNCATED_VALUES_ATTRIBUTE in span.attributes)
        with self._lock:
            if self._abandoned:
                return
            stats = self._stats
            if result is SpanExportResult.SUCCESS:
                self._stats = replace(
                    stats,
                    spans_exported=stats.spans_exported + len(chunk) - rejected,
                    spans_rejected=stats.spans_rejected + rejected,
                    spans_truncated=stats.spans_truncated + truncated,
                )
            elif result is UNCERTAIN:
                self._stats = replace(stats, spans_uncertain=stats.spans_uncertain + len(chunk))
            else:
                self._stats = replace(
                    stats, spans_failed=stats.spans_failed + len(chunk), failed_batches=stats.failed_batches + 1
                )
        self._last_export_ok = result is SpanExportResult.SUCCESS
        if result is SpanExportResult.SUCCESS:  # a retried attempt's warning is no cause of a later failure
            SDK_LOG_FILTER.pop_reason(f"{self._thread.name}-call")
        if result is SpanExportResult.SUCCESS and not rejected:
            if self._unreported_loss:
                self._unreported_loss = False
                try:
                    self._on_loss_recovered(self.stats)
                except Exception:
                    _logger.debug("OneLogger OTel exporter: on_loss_recovered callback failed", exc_info=True)
            return
        sdk_reason = SDK_LOG_FILTER.pop_reason(f"{self._thread.name}-call")
        if result is UNCERTAIN:
            self._note_uncertain(reason or "")
            return
        self._note_loss(reason or sdk_reason or "the span exporter reported a failure")

    def _note_uncertain(self, reason: str) -> None:
        """Log the first export whose outcome is unknown (once; not a loss, so no telemetry data error)."""
        if self._uncertain_logged:
            return
        self._uncertain_logged = True
        _logger.warning(
            "OneLogger OTel exporter: an export to %s did not answer in time (%s); its spans are counted as "
            "uncertain, not as lost, until it answers.",
            self._target,
            reason,
        )

    def _note_loss(self, reason: str) -> None:
        """Remember that data was lost; log it the first time only (the reason is redacted: it is kept in stats)."""
        reason = redact_text(reason)
        self._unreported_loss = True
        if self._loss_logged:
            return
        self._loss_logged = True
        with self._lock:
            self._stats = replace(self._stats, first_error=reason)
        _logger.warning(
            "OneLogger OTel exporter: telemetry could not be delivered to %s (%s). The run's OTel data is "
            "incomplete; further losses are only counted and summarised when the exporter closes.",
            self._target,
            reason,
        )
