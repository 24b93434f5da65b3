"""Closes the configured recorder when the interpreter exits, within a bounded time.

Exporters buffer (the OTel bridge batches, files are flushed on close), so a job that ends without closing its
recorder would lose its last records. ``configure_one_logger`` registers :func:`close_at_exit` with ``atexit``
once per process. The close runs in a daemon thread that is joined with a timeout, so an exporter stuck on an
unreachable collector delays the exit by at most the timeout (default :data:`DEFAULT_EXIT_TIMEOUT_SECONDS`,
overridable with ``configure_one_logger(..., exit_timeout_seconds=...)`` or the
:data:`EXIT_TIMEOUT_ENV_VAR` environment variable) and never hangs it.

Worker processes started by ``multiprocessing`` (PyTorch's DataLoader workers, ``Pool`` workers) end with
``os._exit``: ``atexit`` handlers never run there, so what a worker recorded would stay in its exporters' buffers.
``multiprocessing`` does run its own finalizers at the end of such a worker, so the hook is also armed there (a
``multiprocessing.util.Finalize`` registered in each new worker through ``register_after_fork``).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import Optional

from nv_one_logger.api.recorder import Recorder
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.internal.logging import get_logger, log_once, report_recurrences

_LOGGER = get_logger(__name__)

DEFAULT_EXIT_TIMEOUT_SECONDS = 10.0
EXIT_TIMEOUT_ENV_VAR = "ONE_LOGGER_EXIT_TIMEOUT_SECONDS"

_lock = fork_safe_lock()
_registered = False
_timeout_seconds = DEFAULT_EXIT_TIMEOUT_SECONDS


def resolve_timeout(explicit: Optional[float]) -> float:
    """Return the exit timeout: ``explicit`` if given, else the environment variable, else the default."""
    if explicit is not None:
        if isinstance(explicit, bool) or not isinstance(explicit, (int, float)) or explicit < 0:
            raise OneLoggerError(f"exit_timeout_seconds must be a number >= 0, got {explicit!r}.")
        return float(explicit)
    raw = os.environ.get(EXIT_TIMEOUT_ENV_VAR)
    if raw:
        try:
            value = float(raw)
            if value >= 0:
                return value
        except ValueError:
            pass
        log_once(
            _LOGGER,
            logging.WARNING,
            "exit-timeout-env",
            "Ignoring %s=%r: expected a number of seconds >= 0; using %.0f s.",
            EXIT_TIMEOUT_ENV_VAR,
            raw,
            DEFAULT_EXIT_TIMEOUT_SECONDS,
        )
    return DEFAULT_EXIT_TIMEOUT_SECONDS


def register_exit_hook(timeout_seconds: float) -> None:
    """Register :func:`close_at_exit` (once per process) and set the timeout it uses."""
    global _registered, _timeout_seconds
    with _lock:
        _timeout_seconds = timeout_seconds
        if not _registered:
            atexit.register(close_at_exit)
            import multiprocessing.util

            multiprocessing.util.register_after_fork(_WORKER_MARKER, _arm_in_multiprocessing_worker)
            _registered = True


class _WorkerMarker:
    """The object ``register_after_fork`` keeps a weak reference to (it needs one; the module keeps it alive)."""


_WORKER_MARKER = _WorkerMarker()


def _arm_in_multiprocessing_worker(_marker: object) -> None:
    """Arm the close in a new ``multiprocessing`` worker (it ends with ``os._exit``, skipping atexit)."""
    import multiprocessing.util

    multiprocessing.util.Finalize(None, close_at_exit, exitpriority=10)


def close_with_timeout(recorder: Recorder, timeout_seconds: float) -> bool:
    """Close ``recorder`` in a daemon thread; return False (and log a warning) if it did not finish in time."""

    def run() -> None:
        try:
            recorder.close()
        except Exception as exc:  # never let telemetry break the interpreter's exit
            _LOGGER.warning("Closing the OneLogger recorder failed: %s", describe_exception(exc))

    thread = threading.Thread(target=run, name="one-logger-close", daemon=True)
    thread.start()
    thread.join(timeout_seconds)
    if thread.is_alive():
        _LOGGER.warning(
            "Closing the OneLogger recorder did not finish within %.1f s; exiting without waiting for it.",
            timeout_seconds,
        )
        return False
    return True


def close_at_exit() -> None:
    """Close the provider's recorder, if one is configured, then count the warnings that recurred (``atexit``)."""
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider

    provider: OneLoggerProvider = OneLoggerProvider.instance()
    if provider.one_logger_ready:
        close_with_timeout(provider.recorder, _timeout_seconds)
    report_recurrences()  # after the close, which may have repeated a cause once more
