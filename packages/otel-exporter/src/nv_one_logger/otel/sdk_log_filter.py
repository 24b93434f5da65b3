"""Silence the SDK exporters' per-attempt log lines on the bridge's own threads, keeping the last reason.

An outage would otherwise flood the application's log with one line per attempt; the bridge logs one line for
the first loss instead (with the SDK's reason) and counts the rest. The application's own OTel exporters (other
threads) keep logging as before.
"""

from __future__ import annotations

import logging
from typing import Dict, List, Optional

from nv_one_logger.core.internal.locks import fork_safe_lock

WORKER_THREAD_PREFIX = "nv-one-logger-otel"
"""Name prefix of every thread of the bridge (worker, export calls, shutdown helper)."""

_SDK_EXPORTER_LOGGERS = (
    "opentelemetry.exporter.otlp.proto.grpc.exporter",
    "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http._common",
    "opentelemetry.exporter.otlp.common.http",
    "opentelemetry.exporter.http.transport._requests",
)


class WorkerThreadFilter(logging.Filter):
    """Drops the SDK exporters' records emitted on our worker threads, keeping the last error per thread.

    The HTTP exporter's final error is generic ("Failed to export spans batch due to timeout, max retries or
    shutdown."); the cause (refused connection, certificate verify failed...) is only in its last per-attempt
    warning, so that warning is kept too and appended to the error (see ``pop_reason``). The exporters' own
    "Shutdown in progress, aborting retry." says nothing about the cause and never replaces it. The times of the
    transient (retried) failures of each thread's current export call are kept (``retries_since``), so that
    ``close()`` need not wait for retries against a collector that keeps refusing (``ExportWorker.shutdown``).
    """

    _ABORTED = "Shutdown in progress"
    _TRANSIENT = "Transient error"

    def __init__(self) -> None:
        super().__init__()
        self.last_error: Dict[str, str] = {}
        self.last_warning: Dict[str, str] = {}
        self._retry_times: Dict[str, List[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record unless it comes from one of our threads (then remember a warning or error)."""
        thread_name = record.threadName or ""
        if not thread_name.startswith(WORKER_THREAD_PREFIX):
            return True
        if record.levelno >= logging.WARNING:
            try:
                message = record.getMessage()
            except Exception:
                message = str(record.msg)
            if message.startswith(self._ABORTED):
                return False
            if message.startswith(self._TRANSIENT):
                self._retry_times.setdefault(thread_name, []).append(record.created)
            target = self.last_error if record.levelno >= logging.ERROR else self.last_warning
            target[thread_name] = message
        return False

    def retries_since(self, thread_name: str, since: float) -> int:
        """Return how many attempts of ``thread_name``'s export call failed and were retried at or after ``since``.

        ``since`` is a ``time.time()`` value (log records carry wall-clock creation times).
        """
        return sum(1 for created in self._retry_times.get(thread_name, ()) if created >= since)

    def pop_reason(self, thread_name: str) -> Optional[str]:
        """Return the last error of ``thread_name``, with the last attempt's warning when that adds the cause."""
        error = self.last_error.pop(thread_name, None)
        warning = self.last_warning.pop(thread_name, None)
        self._retry_times.pop(thread_name, None)
        if error is None:
            return warning
        if warning is not None and warning not in error:
            return f"{error} Last attempt: {warning}"
        return error


SDK_LOG_FILTER = WorkerThreadFilter()
_filter_lock = fork_safe_lock()
_filter_installed = False


def quiet_sdk_exporter_logs() -> None:
    """Install (once per process) the filter that silences SDK exporter logs on our worker threads only."""
    global _filter_installed
    with _filter_lock:
        if not _filter_installed:
            for name in _SDK_EXPORTER_LOGGERS:
                logging.getLogger(name).addFilter(SDK_LOG_FILTER)
            _filter_installed = True
