"""Per-rank phase durations and the ranks that lag (``phases_by_rank``).

A *phase* is a span name. Its duration on a rank is the total time of the rank's stopped spans of that name
(one ``training_loop`` span, or the sum of many ``training_iteration`` spans). Across the ranks that ran the
phase we report the spread (min / median / max) and the lagging ranks.

The straggler rule: with ``m`` the median over ranks and ``MAD`` the median absolute deviation from ``m``, a
rank lags when its duration exceeds ``m + k * max(1.4826 * MAD, floor * m)``. ``1.4826 * MAD`` estimates the
standard deviation of normally spread ranks while ignoring the stragglers themselves (a mean and standard
deviation would be pulled towards them); ``floor`` (5 % of the median) keeps ranks that are all within
noise of each other -- MAD close to 0 -- from flagging a rank a few microseconds slower. ``k`` defaults to 3.
The rule needs at least three ranks; with fewer, no rank is called lagging.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

from nv_one_logger.records.identity import RankLabel

DEFAULT_K = 3.0
RELATIVE_FLOOR = 0.05
MAD_TO_SIGMA = 1.4826
MIN_RANKS = 3


@dataclass(frozen=True)
class PhaseByRank:
    """One phase across ranks: per-rank totals and counts, the spread and the lagging ranks."""

    name: str
    totals: Dict[RankLabel, float]
    counts: Dict[RankLabel, int]
    min_seconds: float
    median_seconds: float
    max_seconds: float
    threshold_seconds: float
    """Durations above this lag (``inf`` when there are fewer than three ranks)."""
    lagging: List[RankLabel]
    """Lagging ranks, slowest first."""


def _median(values: Iterable[float]) -> float:
    """``statistics.median``, imported on first use: the module is on every CLI call's import path."""
    import statistics

    return statistics.median(values)


def lag_threshold(values: List[float], k: float = DEFAULT_K, floor: float = RELATIVE_FLOOR) -> float:
    """Return the duration above which a rank lags (see the module docstring); ``inf`` for fewer than three values."""
    if len(values) < MIN_RANKS:
        return math.inf
    median = _median(values)
    mad = _median(abs(value - median) for value in values)
    return median + k * max(MAD_TO_SIGMA * mad, floor * median)


def phases_by_rank(
    durations: Mapping[Tuple[RankLabel, str], Sequence[float]], k: float = DEFAULT_K, floor: float = RELATIVE_FLOOR
) -> List[PhaseByRank]:
    """Per-phase spread and lagging ranks from ``{(rank, span name): durations in seconds}``.

    Sorted by median duration, largest first.
    """
    totals: Dict[str, Dict[RankLabel, float]] = {}
    counts: Dict[str, Dict[RankLabel, int]] = {}
    for (rank, name), values in durations.items():
        totals.setdefault(name, {})[rank] = math.fsum(values)
        counts.setdefault(name, {})[rank] = len(values)
    phases = []
    for name, per_rank in totals.items():
        values = sorted(per_rank.values())
        threshold = lag_threshold(values, k, floor)
        lagging = sorted((r for r, v in per_rank.items() if v > threshold), key=lambda r: (-per_rank[r], r))
        phases.append(
            PhaseByRank(
                name=name,
                totals=dict(sorted(per_rank.items())),
                counts=dict(sorted(counts[name].items())),
                min_seconds=values[0],
                median_seconds=_median(values),
                max_seconds=values[-1],
                threshold_seconds=threshold,
                lagging=lagging,
            )
        )
    phases.sort(key=lambda p: (-p.median_seconds, p.name))
    return phases
