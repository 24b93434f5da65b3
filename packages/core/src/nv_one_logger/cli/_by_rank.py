"""The per-rank view of summary and report: ``--straggler-k``, the table of ``summary --by-rank`` and its JSON."""

from __future__ import annotations

import argparse
from typing import Any, Dict, List

from nv_one_logger.cli._format import format_duration
from nv_one_logger.records.ranks import DEFAULT_K, MIN_RANKS, PhaseByRank

MAX_RANK_COLUMNS = 8
"""Above this many ranks the per-rank columns are left out of the text table (``--json`` has them all)."""


def positive_float(text: str) -> float:
    """Parse a positive, finite number (``--straggler-k``); argparse shows the message on failure."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def add_straggler_k_argument(parser: Any) -> None:
    """Add ``--straggler-k K`` (``args.straggler_k``): how far above the median a rank's time must be to lag."""
    parser.add_argument(
        "--straggler-k",
        type=positive_float,
        default=DEFAULT_K,
        metavar="K",
        help=f"a rank lags beyond K scaled median absolute deviations above the median (default {DEFAULT_K:g})",
    )


def _lagging(phase: PhaseByRank) -> str:
    if not phase.lagging:
        return "-"
    return ", ".join(f"{rank} ({format_duration(phase.totals[rank])})" for rank in phase.lagging)


def render_by_rank(phases: List[PhaseByRank], k: float) -> List[str]:
    """Lines of the per-rank table: one row per phase, per-rank totals, spread and lagging ranks."""
    if not phases:
        return ["Per rank: (no stopped spans)"]
    ranks = sorted({rank for phase in phases for rank in phase.totals})
    show_ranks = len(ranks) <= MAX_RANK_COLUMNS
    head = ["phase"] + ([str(rank) for rank in ranks] if show_ranks else []) + ["min", "median", "max", "lagging"]
    rows = [head]
    for phase in phases:
        cells = [phase.name]
        if show_ranks:
            cells += [format_duration(phase.totals[r]) if r in phase.totals else "-" for r in ranks]
        cells += [format_duration(v) for v in (phase.min_seconds, phase.median_seconds, phase.max_seconds)]
        cells.append(_lagging(phase))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = [
        f"Per rank: total time of each phase (span name) on each rank, over {len(ranks)} rank(s)",
        "",
    ]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths) + "  -------")
    lagging = sorted({str(rank) for phase in phases for rank in phase.lagging})
    lines.append("")
    rule = f"median + {k:g} x max(1.4826 x MAD, 5% of median)"
    lines.append(f"Lagging: above {rule} over the ranks ({MIN_RANKS}+ ranks).")
    lines.append(f"Lagging ranks: {', '.join(lagging)}" if lagging else "Lagging ranks: none")
    if not show_ranks:
        lines.append(f"(per-rank columns left out for {len(ranks)} ranks: use --json for every value)")
    return lines


def phase_as_json(phase: PhaseByRank) -> Dict[str, Any]:
    """One phase of ``--json``'s ``by_rank`` list, durations in seconds."""
    return {
        "name": phase.name,
        "totals": {str(rank): value for rank, value in phase.totals.items()},
        "counts": {str(rank): value for rank, value in phase.counts.items()},
        "min": phase.min_seconds,
        "median": phase.median_seconds,
        "max": phase.max_seconds,
        "threshold": phase.threshold_seconds if phase.threshold_seconds != float("inf") else None,
        "lagging": [str(rank) for rank in phase.lagging],
    }
