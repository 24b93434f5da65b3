"""Duration statistics per span name: the numbers behind ``one-logger summary``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Iterable, List, Sequence

from nv_one_logger.records.spans import RebuiltSpan


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear-interpolation percentile (the common "type 7" definition) of already sorted values.

    ``fraction`` is in [0, 1] (0.95 for p95). With one value every percentile is that value.
    """
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    position = (len(sorted_values) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return sorted_values[lower] * (1.0 - weight) + sorted_values[upper] * weight


@dataclass(frozen=True)
class SpanNameStats:
    """Statistics of the stopped spans of one name; open spans are counted but have no duration yet."""

    name: str
    count: int
    """Stopped spans (the ones with a duration)."""
    open: int
    """Spans still open at the end of the data (not in the duration statistics)."""
    total_seconds: float
    mean_seconds: float
    p50_seconds: float
    p95_seconds: float
    max_seconds: float
    errors: int
    """Application errors recorded on spans of this name (stopped or open)."""


def stats_of_durations(name: str, durations: List[float], open_count: int, errors: int) -> SpanNameStats:
    """Statistics of one span name from the durations of its stopped spans (sorted in place)."""
    durations.sort()
    total = math.fsum(durations)
    return SpanNameStats(
        name=name,
        count=len(durations),
        open=open_count,
        total_seconds=total,
        mean_seconds=total / len(durations) if durations else 0.0,
        p50_seconds=percentile(durations, 0.5) if durations else 0.0,
        p95_seconds=percentile(durations, 0.95) if durations else 0.0,
        max_seconds=durations[-1] if durations else 0.0,
        errors=errors,
    )


def summarize_spans(spans: Iterable[RebuiltSpan]) -> List[SpanNameStats]:
    """Group spans by name and compute statistics, sorted by total time, largest first."""
    durations: Dict[str, List[float]] = {}
    open_counts: Dict[str, int] = {}
    errors: Dict[str, int] = {}
    for span in spans:
        durations.setdefault(span.name, [])
        open_counts.setdefault(span.name, 0)
        errors[span.name] = errors.get(span.name, 0) + len(span.errors)
        duration = span.duration_seconds
        if duration is None:
            open_counts[span.name] += 1
        else:
            durations[span.name].append(duration)
    stats = [stats_of_durations(name, values, open_counts[name], errors[name]) for name, values in durations.items()]
    stats.sort(key=lambda s: (-s.total_seconds, s.name))
    return stats
