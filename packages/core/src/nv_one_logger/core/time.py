"""Timestamps and a simple timer.

A :class:`TracingTimestamp` carries two clocks taken at the same moment:

- ``seconds_since_epoch`` (``time.time()``): meaningful across processes and hosts, used for display and export;
- ``perf_counter_seconds`` (``time.perf_counter()``): monotonic and high resolution, used for durations, so that
  an NTP step of the wall clock during a days-long job does not produce negative or wrong durations.

Clocks are read through the ``time`` module at call time (``time.time()``, never a bound alias), so that test
suites that patch ``time.time`` / ``time.perf_counter`` (``unittest.mock.patch``, freezegun) control every
timestamp the library takes. "Now" is :meth:`TracingTimestamp.now`; the hot paths that read the two clocks
without building a ``TracingTimestamp`` (span start and stop, ``Event.create``) check
``_CLASS_ATTRIBUTES["now"] is _ORIGINAL_NOW`` and call ``TracingTimestamp.now()`` instead when a test replaced
it (``mock.patch.object(TracingTimestamp, "now", ...)``). Measured cost of both (module attribute reads and
the check): about 25 ns per clock reading.
"""

from __future__ import annotations

import math
import time
from typing import Any, Dict, Optional

from nv_one_logger.core.exceptions import OneLoggerError

MAX_PAST_SECONDS = 366 * 24 * 3600
"""``for_timestamp`` rejects (when validating) a time more than about a year in the past ..."""
MAX_FUTURE_SECONDS = 24 * 3600
"""... or more than a day in the future (room for clock skew between hosts).

Both bounds are there to catch unit mix-ups: a value in milliseconds, microseconds or nanoseconds lies thousands
of years in the future, a value divided once too often lies in 1970. Pass ``validate_timestamp=False`` to record
genuinely old data (for example when replaying a file).
"""

_YEAR_2000 = 946684800.0
_setattr = object.__setattr__


def _is_number(value: Any) -> bool:
    return (type(value) is float or type(value) is int) and math.isfinite(value)


class TracingTimestamp:
    """An immutable instant: wall-clock seconds since the epoch plus the perf counter at the same moment.

    Equality and hash are by value. Create instances with :meth:`now`, :meth:`for_timestamp` or
    :meth:`from_json`; the constructor does not validate and exists for those factories.
    """

    __slots__ = ("_perf_counter_seconds", "_seconds_since_epoch")
    _seconds_since_epoch: float
    _perf_counter_seconds: float

    def __init__(self, seconds_since_epoch: float, perf_counter_seconds: float) -> None:
        _setattr(self, "_seconds_since_epoch", seconds_since_epoch)
        _setattr(self, "_perf_counter_seconds", perf_counter_seconds)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"TracingTimestamp is immutable (tried to set {name!r}).")

    @property
    def seconds_since_epoch(self) -> float:
        """Wall-clock time in seconds since the Unix epoch."""
        return self._seconds_since_epoch

    @property
    def milliseconds_since_epoch(self) -> int:
        """Wall-clock time in whole milliseconds since the Unix epoch (rounded)."""
        return round(self._seconds_since_epoch * 1000)

    @property
    def perf_counter_seconds(self) -> float:
        """``time.perf_counter()`` at this instant; only differences between two values are meaningful."""
        return self._perf_counter_seconds

    @classmethod
    def now(cls) -> TracingTimestamp:
        """Return the current instant (two clock reads, no validation)."""
        return cls(time.time(), time.perf_counter())

    @classmethod
    def for_timestamp(
        cls, timestamp_sec: float, perf_counter: Optional[float] = None, validate_timestamp: bool = True
    ) -> TracingTimestamp:
        """Return the instant ``timestamp_sec`` (seconds since the epoch).

        Args:
            timestamp_sec: wall-clock seconds since the epoch.
            perf_counter: the perf counter at that instant. When None it is derived from the current offset
                between the two clocks, so that durations to and from ``now()`` come out right.
            validate_timestamp: reject times far from now (see ``MAX_PAST_SECONDS``/``MAX_FUTURE_SECONDS``),
                which catches milliseconds or microseconds passed as seconds.

        Raises:
            OneLoggerError: a non-numeric or non-finite value, or (when validating) a time far from now.
        """
        if not _is_number(timestamp_sec):
            raise OneLoggerError(f"timestamp_sec must be a finite number of seconds, got {timestamp_sec!r}.")
        if perf_counter is not None and not _is_number(perf_counter):
            raise OneLoggerError(f"perf_counter must be a finite number of seconds, got {perf_counter!r}.")
        wall_now = time.time()
        perf_now = time.perf_counter()
        if validate_timestamp:
            _validate_near_now(timestamp_sec, wall_now)
        if perf_counter is None:
            perf_counter = perf_now - (wall_now - timestamp_sec)
        return cls(float(timestamp_sec), float(perf_counter))

    def to_json(self) -> Dict[str, float]:
        """Return ``{"seconds_since_epoch": ..., "perf_counter_seconds": ...}``."""
        return {
            "seconds_since_epoch": self._seconds_since_epoch,
            "perf_counter_seconds": self._perf_counter_seconds,
        }

    @classmethod
    def from_json(cls, data: Any) -> TracingTimestamp:
        """Inverse of :meth:`to_json`. Does not check the time against now (recorded data may be old)."""
        if not isinstance(data, dict):
            raise OneLoggerError(f"TracingTimestamp JSON must be an object, got {type(data).__name__}.")
        seconds = data.get("seconds_since_epoch")
        perf = data.get("perf_counter_seconds")
        if not _is_number(seconds) or not _is_number(perf):
            raise OneLoggerError(
                "TracingTimestamp JSON needs finite numbers 'seconds_since_epoch' and 'perf_counter_seconds', "
                f"got {data!r}."
            )
        return cls(float(seconds), float(perf))  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TracingTimestamp):
            return NotImplemented
        return (
            self._seconds_since_epoch == other._seconds_since_epoch
            and self._perf_counter_seconds == other._perf_counter_seconds
        )

    def __hash__(self) -> int:
        return hash((self._seconds_since_epoch, self._perf_counter_seconds))

    def __repr__(self) -> str:
        return (
            f"TracingTimestamp(seconds_since_epoch={self._seconds_since_epoch!r}, "
            f"perf_counter_seconds={self._perf_counter_seconds!r})"
        )


_CLASS_ATTRIBUTES = TracingTimestamp.__dict__
"""The live class namespace: a patch of ``TracingTimestamp.now`` shows up here at once."""
_ORIGINAL_NOW = _CLASS_ATTRIBUTES["now"]
"""The library's own ``now``; anything else in its place means a test patched it (see the module docstring)."""


def _validate_near_now(timestamp_sec: float, wall_now: float) -> None:
    if wall_now - MAX_PAST_SECONDS <= timestamp_sec <= wall_now + MAX_FUTURE_SECONDS:
        return
    hint = ""
    for unit, factor in (("milliseconds", 1e3), ("microseconds", 1e6), ("nanoseconds", 1e9)):
        if _YEAR_2000 <= timestamp_sec / factor <= wall_now + MAX_FUTURE_SECONDS:
            hint = f" It looks like {unit}: divide by {factor:.0e}."
            break
    first = (
        "timestamp is too old. This is meant to be the time in seconds since epoch."
        if timestamp_sec < wall_now
        else "timestamp is in the future."
    )
    raise OneLoggerError(
        f"{first} timestamp_sec={timestamp_sec!r} is too far from now ({wall_now:.3f}); expected seconds since the "
        f"epoch within {MAX_PAST_SECONDS // 86400} days before and {MAX_FUTURE_SECONDS // 3600} hours after "
        f"now.{hint} Pass validate_timestamp=False for old data."
    )


class Timer:
    """A stopwatch on the perf counter.

    ``start()`` begins an interval, ``stop()`` ends it and returns the total of all intervals since the last
    ``reset()`` (as 2.3.1 did; the total is also ``elapsed_seconds``, the last interval
    ``last_interval_seconds``). Starting a running timer or stopping a stopped one raises ``OneLoggerError``:
    both are logic errors in the caller that would otherwise produce silently wrong numbers.
    """

    __slots__ = ("_accumulated", "_last_interval", "_started_at")

    def __init__(self) -> None:
        self._started_at: Optional[float] = None
        self._accumulated = 0.0
        self._last_interval = 0.0

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._started_at is not None

    @property
    def elapsed_seconds(self) -> float:
        """Total of all finished intervals since the last reset, plus the current one if running."""
        if self._started_at is None:
            return self._accumulated
        return self._accumulated + (time.perf_counter() - self._started_at)

    def start(self, start_time: Optional[TracingTimestamp] = None) -> None:
        """Begin an interval now, or at ``start_time`` (its perf counter is used)."""
        if self._started_at is not None:
            raise OneLoggerError("Timer.start() called on a running timer.")
        if start_time is not None and not isinstance(start_time, TracingTimestamp):
            raise OneLoggerError(f"start_time must be a TracingTimestamp, got {type(start_time).__name__}.")
        self._started_at = time.perf_counter() if start_time is None else start_time.perf_counter_seconds

    @property
    def last_interval_seconds(self) -> float:
        """Length of the interval ended by the latest ``stop()`` (0.0 before the first one)."""
        return self._last_interval

    def stop(self, reset: bool = False) -> float:
        """End the current interval and return the total seconds since the last reset, this interval included.

        With ``reset=True`` the total is returned and then reset to zero.
        """
        if self._started_at is None:
            raise OneLoggerError("Timer.stop() called on a timer that is not running.")
        interval = time.perf_counter() - self._started_at
        self._started_at = None
        self._last_interval = interval
        total = self._accumulated + interval
        self._accumulated = 0.0 if reset else total
        return total

    def reset(self, start: bool = False) -> None:
        """Forget all intervals (a running interval is discarded); with ``start=True`` start a new one now."""
        self._started_at = time.perf_counter() if start else None
        self._accumulated = 0.0
        self._last_interval = 0.0
