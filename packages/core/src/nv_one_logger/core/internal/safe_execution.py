"""The guard that applies the error-handling strategy to every public recorder call.

Telemetry must never take a job down unless the user asked for exceptions. ``safely_execute`` wraps a function
(or method) so that:

* when the library is disabled (the current rank is disabled, or the library disabled itself after a failure,
  or ``force_disable_logging()`` was called) the call returns ``None`` at once, without logging. This fast path
  is a single attribute check so that a disabled rank pays almost nothing per call;
* under ``PROPAGATE_EXCEPTIONS`` a :class:`~nv_one_logger.core.exceptions.OneLoggerError` reaches the caller
  unchanged. Any other exception escaping the wrapped function is a bug of the library (or of an object the
  library was handed); it is wrapped in a ``OneLoggerError`` whose message names the function, with the
  original as ``__cause__``, so callers only ever need ``except OneLoggerError``;
* under ``DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR`` the first failure logs exactly one ERROR line (the
  traceback goes to a separate DEBUG record), reports one telemetry data error to every exporter, and disables
  the library; the call returns ``None`` and every later guarded call takes the fast path.

The guard does not import the API layer: :class:`~nv_one_logger.api.one_logger_provider.OneLoggerProvider`
pushes its state into :data:`GUARD_STATE` (``configure``, ``force_disable_logging`` and the test reset). When no
provider is configured (a ``DefaultRecorder`` used on its own) the guard is enabled and propagates exceptions:
there is nobody to report a disabled library to, and a direct user of the recorder is best served by seeing
the error.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from typing import Any, Callable, Optional, Set, TypeVar, cast

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.logging import get_logger

_LOGGER = get_logger("nv_one_logger.safe_execution")

F = TypeVar("F", bound=Callable[..., Any])

FailureHandler = Callable[[str, Optional[object]], None]
"""Called once, under the DISABLE strategy, with the error message and the object whose method failed (the
first positional argument of the guarded call, or None). It must report the failure to the exporters and
disable the library."""


class GuardState:
    """Process-wide switches read by every guarded call.

    Attributes:
        disabled: True when guarded calls must return None without doing anything.
        propagate: True under PROPAGATE_EXCEPTIONS (also when no provider is configured).
        failure_handler: set by the provider; reports a failure and disables the library.
        bad_data_handler: set by the provider; sends a telemetry data error about a value the application passed
            that could not be recorded (see :mod:`nv_one_logger.core.internal.bad_data`).
        bad_data_count: how many such values were dropped or converted since the last reset.
        bad_data_reported: the kinds of bad values already reported (each is reported once).
    """

    __slots__ = (
        "_claims",
        "bad_data_count",
        "bad_data_handler",
        "bad_data_reported",
        "disabled",
        "failure_handler",
        "propagate",
    )

    def __init__(self) -> None:
        self.disabled = False
        self.propagate = True
        self.failure_handler: Optional[FailureHandler] = None
        self.bad_data_handler: Optional[Callable[[str], None]] = None
        self.bad_data_count = 0
        self.bad_data_reported: Set[str] = set()
        self._claims = itertools.count()

    def reset(self) -> None:
        """Return to the unconfigured state (enabled, propagating, no handler)."""
        self.disabled = False
        self.propagate = True
        self.failure_handler = None
        self.bad_data_handler = None
        self.bad_data_count = 0
        self.bad_data_reported = set()
        self._claims = itertools.count()

    def claim_failure(self) -> bool:
        """Return True for the first caller only, so one failure (or a burst across threads) is handled once.

        Lock-free: ``next()`` on an ``itertools.count`` is one atomic step, so neither a fork nor a signal
        handler re-entering from the claiming thread can leave it stuck.
        """
        return next(self._claims) == 0


GUARD_STATE = GuardState()
"""The single guard state of the process. Only the provider (and tests through ``reset_one_logger``) write it."""


def _describe(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)


def handle_failure(where: str, exc: Exception, origin: Optional[object] = None) -> None:
    """Apply the error-handling strategy to ``exc`` raised inside ``where``.

    Under PROPAGATE_EXCEPTIONS this raises (the ``OneLoggerError`` itself, or a ``OneLoggerError`` wrapping an
    unexpected exception). Under the DISABLE strategy it returns normally after reporting and disabling.
    Exposed for the few places that cannot be expressed as a decorated call (the recorder constructor's
    callers, context managers).
    """
    if GUARD_STATE.propagate:
        if isinstance(exc, OneLoggerError):
            raise exc
        raise OneLoggerError(f"Internal error in {where}: {describe_exception(exc)}") from exc
    if not GUARD_STATE.claim_failure():
        return
    message = f"OneLogger disabled itself after an error in {where}: {describe_exception(exc)}"
    _LOGGER.error(message)
    _LOGGER.debug("Traceback of the error that disabled OneLogger", exc_info=exc)
    handler = GUARD_STATE.failure_handler
    try:
        if handler is not None:
            handler(message, origin)
    except Exception:  # the report is best effort; the library is going away either way
        _LOGGER.debug("Reporting the OneLogger failure to the exporters failed", exc_info=True)
    finally:
        GUARD_STATE.disabled = True


def safely_execute(func: F) -> F:
    """Guard ``func`` with the error-handling strategy (see the module docstring).

    Works on plain functions, methods and ``async def`` functions. The wrapper keeps the name, docstring and
    signature of ``func`` (``functools.wraps``). A guarded call returns ``None`` whenever it is skipped or fails
    without propagating, so guarded functions should be typed as returning ``Optional[...]`` for callers that
    care.
    """
    where = _describe(func)

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            if GUARD_STATE.disabled:
                return None
            try:
                return await func(*args, **kwargs)
            except Exception as exc:
                handle_failure(where, exc, args[0] if args else None)
                return None

        return cast(F, async_wrapper)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if GUARD_STATE.disabled:
            return None
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            handle_failure(where, exc, args[0] if args else None)
            return None

    return cast(F, wrapper)
