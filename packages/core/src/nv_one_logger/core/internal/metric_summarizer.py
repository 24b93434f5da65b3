"""Running summary (latest, min, max, total, average, count) of a metric reported many times.

Domain libraries report per-iteration figures (throughput, loss) thousands of times per job; exporting each value
would flood the backend, so they keep one summarizer per metric and export its summary every N iterations.
"""

from __future__ import annotations

from typing import Generic, Optional, Tuple, TypeVar, Union

T = TypeVar("T", int, float)


class MetricSummarizer(Generic[T]):
    """Summary of the values of one metric (``T`` is ``int`` or ``float``): ``MetricSummarizer[float]()``.

    Before the first :meth:`add_value` every field is None and ``count`` is 0. Equality and hash are by the six
    fields, so two summarizers that saw the same values compare equal. Not thread-safe: the owner serializes.
    """

    __slots__ = ("_avg", "_count", "_latest", "_max", "_min", "_total")

    def __init__(self) -> None:
        self._latest: Optional[T] = None
        self._min: Optional[T] = None
        self._max: Optional[T] = None
        self._total: Optional[T] = None
        self._avg: Optional[float] = None
        self._count = 0

    def add_value(self, value: T) -> None:
        """Take one more value into the summary."""
        self._latest = value
        self._min = value if self._min is None or value < self._min else self._min
        self._max = value if self._max is None or value > self._max else self._max
        self._total = value if self._total is None else self._total + value
        self._count += 1
        self._avg = self._total / self._count

    @property
    def latest_value(self) -> Optional[T]:
        """The value added last."""
        return self._latest

    @property
    def min_value(self) -> Optional[T]:
        """The smallest value added."""
        return self._min

    @property
    def max_value(self) -> Optional[T]:
        """The largest value added."""
        return self._max

    @property
    def total_value(self) -> Optional[T]:
        """The sum of the values added."""
        return self._total

    @property
    def avg_value(self) -> Optional[float]:
        """``total_value / count``."""
        return self._avg

    @property
    def count(self) -> int:
        """How many values were added."""
        return self._count

    def _state(self) -> Tuple[Optional[Union[int, float]], ...]:
        return (self._latest, self._min, self._max, self._total, self._avg, self._count)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MetricSummarizer):
            return NotImplemented
        return self._state() == other._state()

    def __hash__(self) -> int:
        return hash(self._state())

    def __repr__(self) -> str:
        return (
            f"MetricSummarizer(latest_value={self._latest!r}, min_value={self._min!r}, max_value={self._max!r}, "
            f"total_value={self._total!r}, avg_value={self._avg!r}, count={self._count})"
        )
