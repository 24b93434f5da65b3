"""A timer for an activity that happens in windows: training iterations, checkpoint saves, validation passes.

A training job wants "how long did the last 50 iterations take, on average, at least, at most" without keeping
50 numbers; a :class:`MultiWindowTimer` keeps the running figures of every window since the last reset.
Durations come from the perf counters of the window's start and stop timestamps, so a wall-clock step (NTP)
during a long job cannot produce a negative or inflated window.
"""

from __future__ import annotations

from typing import Optional, Tuple

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.time import TracingTimestamp


class MultiWindowTimer:
    """Times repeated windows of an activity and keeps their count, total, minimum, maximum and latest duration.

    ``start()`` opens a window and counts it at once (``total_window_count`` includes an open window);
    ``stop()`` closes it and adds its duration to the figures. ``reset()`` forgets everything. Before any window
    closed, ``min_window_duration_sec`` is ``inf`` and the other durations are 0.0. Equality and hash are by the
    whole state. Not thread-safe: each timer belongs to one owner that serializes its calls.
    """

    __slots__ = (
        "_current_start",
        "_first_start",
        "_latest_duration",
        "_latest_end",
        "_max",
        "_min",
        "_total_time",
        "_window_count",
    )

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every window (an open window is dropped)."""
        self._current_start: Optional[TracingTimestamp] = None
        self._first_start: Optional[TracingTimestamp] = None
        self._latest_end: Optional[TracingTimestamp] = None
        self._window_count = 0
        self._total_time = 0.0
        self._min = float("inf")
        self._max = 0.0
        self._latest_duration = 0.0

    def start(self, start_time: Optional[TracingTimestamp] = None) -> None:
        """Open a window at ``start_time`` (default: now) and count it.

        Raises:
            OneLoggerError: a window is already open, or ``start_time`` is not a TracingTimestamp.
        """
        if self._current_start is not None:
            raise OneLoggerError("Cannot start timer since it is already active")
        if start_time is None:
            start_time = TracingTimestamp.now()
        elif not isinstance(start_time, TracingTimestamp):
            raise OneLoggerError(f"start_time must be a TracingTimestamp, got {type(start_time).__name__}.")
        self._current_start = start_time
        if self._first_start is None:
            self._first_start = start_time
        self._window_count += 1

    def stop(self, stop_time: Optional[TracingTimestamp] = None) -> None:
        """Close the open window at ``stop_time`` (default: now) and add its duration to the figures.

        The timer is inactive afterwards even when this raises, so one bad stop does not wedge the timer.

        Raises:
            OneLoggerError: no window is open, ``stop_time`` is not a TracingTimestamp, or it is before the start.
        """
        start = self._current_start
        if start is None:
            raise OneLoggerError("Cannot stop timer since it is not active")
        self._current_start = None
        if stop_time is None:
            stop_time = TracingTimestamp.now()
        elif not isinstance(stop_time, TracingTimestamp):
            raise OneLoggerError(f"stop_time must be a TracingTimestamp, got {type(stop_time).__name__}.")
        duration = stop_time.perf_counter_seconds - start.perf_counter_seconds
        if duration < 0:
            raise OneLoggerError(
                "Cannot stop timer with a stop time that is before the start time. "
                f"The window started at perf counter {start.perf_counter_seconds} and the stop time is "
                f"{-duration:.6f} s earlier."
            )
        self._latest_end = stop_time
        self._total_time += duration
        self._latest_duration = duration
        if duration < self._min:
            self._min = duration
        if duration > self._max:
            self._max = duration

    @property
    def is_active(self) -> bool:
        """True while a window is open."""
        return self._current_start is not None

    @property
    def current_window_start(self) -> Optional[TracingTimestamp]:
        """Start of the open window, or None."""
        return self._current_start

    @property
    def first_window_start(self) -> Optional[TracingTimestamp]:
        """Start of the first window since the last reset, or None."""
        return self._first_start

    @property
    def latest_window_end(self) -> Optional[TracingTimestamp]:
        """End of the most recently closed window, or None."""
        return self._latest_end

    @property
    def total_window_count(self) -> int:
        """Windows started since the last reset, including an open one."""
        return self._window_count

    @property
    def total_time_sec(self) -> float:
        """Sum of the durations of the closed windows."""
        return self._total_time

    @property
    def min_window_duration_sec(self) -> float:
        """Shortest closed window (``inf`` until one closed)."""
        return self._min

    @property
    def max_window_duration_sec(self) -> float:
        """Longest closed window (0.0 until one closed)."""
        return self._max

    @property
    def avg_window_duration_sec(self) -> float:
        """``total_time_sec / total_window_count`` (0.0 before the first window).

        An open window counts in the denominator but adds no time yet, which is what a per-iteration average
        reported in the middle of an iteration has always meant for the libraries that use it.
        """
        if self._window_count == 0:
            return 0.0
        return self._total_time / self._window_count

    @property
    def latest_window_duration_sec(self) -> float:
        """Duration of the most recently closed window (0.0 until one closed)."""
        return self._latest_duration

    def _state(self) -> Tuple[object, ...]:
        return (
            self._current_start,
            self._first_start,
            self._latest_end,
            self._window_count,
            self._total_time,
            self._min,
            self._max,
            self._latest_duration,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MultiWindowTimer):
            return NotImplemented
        return self._state() == other._state()

    def __hash__(self) -> int:
        return hash(self._state())

    def __repr__(self) -> str:
        return (
            f"MultiWindowTimer(active={self.is_active}, windows={self._window_count}, "
            f"total_time_sec={self._total_time!r}, min={self._min!r}, max={self._max!r})"
        )
