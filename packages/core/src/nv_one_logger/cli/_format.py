"""How the reading commands (summary, report) show durations, times and what the given files left out."""

from __future__ import annotations

import datetime
from typing import Sequence


def format_duration(seconds: float) -> str:
    """Human-readable duration with a unit that fits: ``850 us``, ``12.3 ms``, ``4.21 s``, ``3m07s``, ``2h05m``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    if seconds < 120.0:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 120:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def iso_time(seconds: float) -> str:
    """ISO 8601 UTC time with milliseconds: ``2026-11-27T11:59:04.707Z``."""
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_span(first: float, last: float) -> str:
    """Show a run's span: ``2026-11-27T11:59:04.707Z .. 2026-11-27T12:01:10.003Z (2m05s)``."""
    return f"{iso_time(first)} .. {iso_time(last)} ({format_duration(max(0.0, last - first))})"


def unlisted_segments_note(segments: Sequence[str]) -> str:
    """Say which rotated segments exist beside the given files but were not given (the first three)."""
    return f"rotated segments not given (older data): {', '.join(segments[:3])}"
