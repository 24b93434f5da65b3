"""Which rank wrote a record: the one place that decides it, so every per-rank view agrees.

A *writer* is one process writing one log (the file without its rotation suffix, plus the pid): a rank that
was restarted is two writers of the same rank. Its rank comes, in this order, from

0. the writer's ``identity`` record (the first record of each process, ``nv_one_logger.core.identity``), when
   it names a rank;
1. a ``rank`` attribute on the writer's spans (an integer, or a string of digits), and
2. the file name, when the path template put the rank in it (``rank{rank}-{pid}.jsonl`` -> ``rank3-812.jsonl``).

A writer with neither is shown by its pid. ``WriterRanks`` remembers the decision per writer, taken at the
writer's first span, so that a file is never split over two lanes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from nv_one_logger.records.rotation import strip_rotation_suffix

_RANK_IN_NAME = re.compile(r"(?:^|[^a-z])rank[-_]?(\d+)(?:[^0-9]|$)", re.IGNORECASE)

WriterKey = Tuple[str, int]
"""(log path without rotation suffix, pid)."""


def rank_from(path: str, attributes: Mapping[str, Any]) -> Optional[int]:
    """Return the rank of the writer of a record at ``path`` whose span carries ``attributes`` (None if unknown)."""
    value = attributes.get("rank")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    match = _RANK_IN_NAME.search(os.path.basename(path))
    return int(match.group(1)) if match else None


@dataclass(frozen=True, order=True)
class RankLabel:
    """A lane of the per-rank views: a rank, or the pid of a writer whose rank is unknown (sorted after ranks)."""

    unknown: bool
    number: int
    """The rank, or the pid when ``unknown``."""

    def __str__(self) -> str:
        return f"pid {self.number}" if self.unknown else f"rank {self.number}"


class WriterRanks:
    """Remember the rank of each writer, decided at its first span (see the module docstring)."""

    def __init__(self) -> None:
        self._by_writer: Dict[WriterKey, RankLabel] = {}

    def note_identity(self, path: str, pid: int, rank: Optional[int]) -> None:
        """Take the rank from the writer's identity record (it comes before the writer's first span)."""
        if rank is not None and rank >= 0:
            self._by_writer.setdefault((strip_rotation_suffix(path), pid), RankLabel(unknown=False, number=rank))

    def label(self, path: str, pid: int, attributes: Mapping[str, Any]) -> RankLabel:
        """Return the lane of a span of process ``pid`` read from ``path`` with ``attributes``."""
        key = (strip_rotation_suffix(path), pid)
        known = self._by_writer.get(key)
        if known is None:
            rank = rank_from(path, attributes)
            known = RankLabel(unknown=True, number=pid) if rank is None else RankLabel(unknown=False, number=rank)
            self._by_writer[key] = known
        return known

    def writers(self) -> Dict[WriterKey, RankLabel]:
        """Every writer seen so far and its lane."""
        return dict(self._by_writer)
