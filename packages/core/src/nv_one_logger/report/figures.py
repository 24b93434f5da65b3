"""The report's charts, as plotly figures built from a ``RunDigest`` (needs the ``report`` extra).

Times on every x axis are seconds since the first record of the run, so that the charts line up with each other.
A browser stays responsive with a few thousand points per line, not millions, so long series are thinned
(``thin``) and span names with many spans per rank are left out of the timeline (they are what the iteration
chart is for). What was left out is said under the chart, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import plotly.graph_objects as go

from nv_one_logger.records.digest import ErrorEntry, RunDigest, SpanSeries
from nv_one_logger.records.identity import RankLabel

TIMELINE_MAX_PER_RANK = 300
"""Span names with more spans than this on one rank are not drawn as timeline bars."""
MAX_POINTS = 2000
"""Most points drawn per line; longer series are thinned."""
MAX_NUMBER_CHARTS = 12
_ITERATION = re.compile("iteration", re.IGNORECASE)
_ERROR_COLOR = "#d62728"
_TELEMETRY_COLOR = "#ff7f0e"


@dataclass
class Chart:
    """A figure and what a reader should know about it (what was thinned or left out)."""

    figure: go.Figure
    notes: List[str] = field(default_factory=list)


def thin(xs: Sequence[float], ys: Sequence[float], limit: int = MAX_POINTS) -> Tuple[List[float], List[float]]:
    """Keep at most about ``limit`` points: in each of ``limit`` equal runs, the point with the largest y.

    Keeping the largest value (not an average or every n-th point) means a spike -- one slow iteration on one
    rank -- is still visible after thinning, which is what the chart is looked at for.
    """
    count = len(xs)
    if count <= limit:
        return list(xs), list(ys)
    out_x: List[float] = []
    out_y: List[float] = []
    for bucket in range(limit):
        lo, hi = bucket * count // limit, (bucket + 1) * count // limit
        if hi <= lo:
            continue
        best = max(range(lo, hi), key=ys.__getitem__)
        out_x.append(xs[best])
        out_y.append(ys[best])
    return out_x, out_y


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str, height: int) -> None:
    figure.update_layout(
        title=title,
        template="plotly_white",
        height=height,
        margin={"l": 90, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.2},
        xaxis_title=x_title,
        yaxis_title=y_title,
    )


def timeline(digest: RunDigest) -> Chart:
    """One lane per rank; each span name a color; nested spans drawn thinner on top of their parents."""
    t0 = digest.first_seconds or 0.0
    ranks = digest.ranks
    lanes = [str(rank) for rank in ranks]
    notes: List[str] = []
    by_name: Dict[str, List[Tuple[RankLabel, SpanSeries]]] = {}
    skipped: Dict[str, int] = {}
    for (rank, name), series in digest.spans.items():
        if len(series.starts) > TIMELINE_MAX_PER_RANK:
            skipped[name] = max(skipped.get(name, 0), len(series.starts))
        else:
            by_name.setdefault(name, []).append((rank, series))
    figure = go.Figure()
    depth_of = {name: min(series.depth for _, series in members) for name, members in by_name.items()}
    for name in sorted(by_name, key=lambda n: (depth_of[n], n)):
        ys: List[str] = []
        bases: List[float] = []
        lengths: List[float] = []
        for rank, series in by_name[name]:
            ys.extend([str(rank)] * len(series.starts))
            bases.extend(start - t0 for start in series.starts)
            lengths.extend(series.durations)
        figure.add_trace(
            go.Bar(
                name=name,
                orientation="h",
                y=ys,
                x=lengths,
                base=bases,
                width=max(0.15, 0.8 - 0.15 * depth_of[name]),
                hovertemplate=f"{name}<br>%{{y}}<br>start %{{base:.3f}} s<br>duration %{{x:.4f}} s<extra></extra>",
            )
        )
    for name in sorted(skipped):
        notes.append(f"{name} ({skipped[name]:,} spans on a rank) is not drawn here; see the charts below.")
    _add_error_markers(figure, "application error", digest.errors, t0, "x", 12, _ERROR_COLOR)
    _add_error_markers(figure, "telemetry data error", digest.telemetry_errors, t0, "diamond", 11, _TELEMETRY_COLOR)
    _layout(figure, "Timeline of phases per rank", "seconds since the start of the run", "", 120 + 60 * len(lanes))
    figure.update_layout(barmode="overlay")
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(lanes)), type="category")
    return Chart(figure, notes)


def _add_error_markers(
    figure: go.Figure, name: str, errors: Sequence[ErrorEntry], t0: float, symbol: str, size: int, color: str
) -> None:
    """One marker per error on its rank's lane at its time (no trace at all when there are none)."""
    if errors:
        figure.add_trace(
            go.Scatter(
                name=name,
                mode="markers",
                x=[e.seconds - t0 for e in errors],
                y=[str(e.rank) for e in errors],
                marker={"symbol": symbol, "size": size, "color": color},
                text=[f"{e.where}: {e.message}" for e in errors],
                hovertemplate="%{y}<br>%{x:.3f} s<br>%{text}<extra></extra>",
            )
        )


def _rank_lines(
    figure: go.Figure,
    lines: Sequence[Tuple[RankLabel, Sequence[float], Sequence[float]]],
    digest: RunDigest,
    what: str,
    kept: str,
    **style: Any,
) -> List[str]:
    """Draw one line per rank, (seconds since the run's start, value), thinned; return a note per thinned line.

    ``lines`` holds (rank, times, values) in drawing order; the note says how many ``what`` were thinned to how
    many points and which were ``kept``. ``style`` goes to each ``go.Scatter`` (mode, marker).
    """
    t0 = digest.first_seconds or 0.0
    notes: List[str] = []
    for rank, times, values in lines:
        xs, ys = thin([t - t0 for t in times], list(values))
        if len(xs) < len(times):
            notes.append(f"{rank}: {len(times):,} {what} thinned to {len(xs):,} ({kept}).")
        figure.add_trace(go.Scatter(name=str(rank), x=xs, y=ys, **style))
    return notes


def iteration_name(digest: RunDigest) -> Optional[str]:
    """Return the span name that counts iterations: the most frequent name containing "iteration" (None if none)."""
    counts: Dict[str, int] = {}
    for (_, name), series in digest.spans.items():
        if _ITERATION.search(name):
            counts[name] = counts.get(name, 0) + len(series.starts)
    return max(sorted(counts), key=counts.__getitem__) if counts else None


def iteration_times(digest: RunDigest, name: str) -> Chart:
    """Duration of each ``name`` span over the run, one line per rank."""
    figure = go.Figure()
    lines = [
        (rank, s.starts, s.durations) for (rank, span_name), s in sorted(digest.spans.items()) if span_name == name
    ]
    notes = _rank_lines(
        figure, lines, digest, "spans", "the slowest of each run kept", mode="lines+markers", marker={"size": 4}
    )
    _layout(figure, f"{name}: duration per rank over the run", "seconds since the start of the run", "seconds", 380)
    return Chart(figure, notes)


def numbers(digest: RunDigest) -> List[Tuple[str, Chart]]:
    """One chart per numeric event attribute (``training_metrics.loss``), one line per rank."""
    names = sorted({series_name for _, series_name in digest.numbers})
    charts = []
    for series_name in names[:MAX_NUMBER_CHARTS]:
        figure = go.Figure()
        lines = [(rank, s.times, s.values) for (rank, name), s in sorted(digest.numbers.items()) if name == series_name]
        notes = _rank_lines(figure, lines, digest, "values", "largest of each run", mode="lines")
        _layout(figure, series_name, "seconds since the start of the run", series_name.rsplit(".", 1)[-1], 340)
        charts.append((series_name, Chart(figure, notes)))
    if len(names) > MAX_NUMBER_CHARTS:
        skipped = ", ".join(names[MAX_NUMBER_CHARTS:])
        charts[-1][1].notes.append(f"Not charted ({len(names) - MAX_NUMBER_CHARTS} more): {skipped}.")
    return charts
