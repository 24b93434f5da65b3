"""Which rank wrote a record: the one place that decides it, so every per-rank view agrees.

A *writer* is one process writing one log (``records.writers``): a rank that was restarted is two writers of the
same rank. Its rank comes, in this order, from

0. the writer's ``identity`` record (the first record of each process, ``nv_one_logger.core.identity``), when
   it names a rank;
1. a ``rank`` attribute on the writer's spans (an integer, or a string of digits), and
2. the file name, when the path template put the rank in it (``rank{rank}-{pid}.jsonl`` -> ``rank3-812.jsonl``).

A writer with neither is shown by its pid. ``WriterRanks`` remembers the decision per writer, taken at the
writer's first span, so that a file is never split over two lanes. Writers without a rank that share a pid
(files from two hosts, pid 1 in every container) are two lanes, named ``pid 1 (<host>)`` -- or by file when
the host is not recorded or is the same.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from nv_one_logger.records.writers import Writer, Writers

_RANK_IN_NAME = re.compile(r"(?:^|[^a-z])rank[-_]?(\d+)(?:[^0-9]|$)", re.IGNORECASE)


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
    writer: str = ""
    """Only for a pid shared by several writers without a rank: which one (host, else file name, else path)."""

    def __str__(self) -> str:
        if not self.unknown:
            return f"rank {self.number}"
        return f"pid {self.number} ({self.writer})" if self.writer else f"pid {self.number}"


def _names(writer: Writer) -> List[str]:
    """Ways to tell ``writer`` from another writer of the same pid, shortest first."""
    names = [os.path.basename(writer.shown_log), writer.shown_log, writer.log]
    return ([writer.host] if writer.host else []) + names


class WriterRanks:
    """Remember the lane of each writer, decided at its first span (see the module docstring).

    ``writers`` is the table the records are noted in (a ``SpanAssembler``'s), so that the identity record a
    writer wrote before its first span is known when its lane is decided.
    """

    def __init__(self, writers: Optional[Writers] = None) -> None:
        self._writers = writers if writers is not None else Writers()
        self._lanes: Dict[Writer, RankLabel] = {}
        self._by_pid: Dict[int, List[Writer]] = {}  # writers without a rank, per pid

    def label(self, path: str, pid: int, attributes: Mapping[str, Any]) -> RankLabel:
        """Return the lane of a span of process ``pid`` read from ``path`` with ``attributes``."""
        writer = self._writers.of(path, pid)
        known = self._lanes.get(writer)
        if known is None:
            known = self._lanes[writer] = self._decide(writer, path, attributes)
        return known

    def _decide(self, writer: Writer, path: str, attributes: Mapping[str, Any]) -> RankLabel:
        identity = writer.identity
        rank = identity.rank if identity is not None and identity.rank is not None and identity.rank >= 0 else None
        if rank is None:
            rank = rank_from(path, attributes)
        if rank is not None:
            return RankLabel(unknown=False, number=rank)
        sharing = self._by_pid.setdefault(writer.pid, [])
        sharing.append(writer)
        if len(sharing) == 1:
            return RankLabel(unknown=True, number=writer.pid)
        return RankLabel(unknown=True, number=writer.pid, writer=self._unused_name(writer, sharing))

    def _unused_name(self, writer: Writer, sharing: List[Writer]) -> str:
        """Return the first of ``writer``'s names that no other writer of its pid has or would take first."""
        others = [other for other in sharing if other is not writer]
        taken = {self._lanes[other].writer for other in others if other in self._lanes}
        taken |= {_names(other)[0] for other in others}
        for name in _names(writer):
            if name not in taken:
                return name
        return writer.log

    def renamed(self) -> Dict[RankLabel, RankLabel]:
        """Name the first writer of each shared pid too; return ``{old lane: new lane}`` for the lanes renamed.

        Called once all records are read: only then is it known which pids are shared, and the first writer of
        one got the plain ``pid N`` lane.
        """
        renames: Dict[RankLabel, RankLabel] = {}
        for sharing in self._by_pid.values():
            first = sharing[0]
            old = self._lanes[first]
            if len(sharing) < 2 or old.writer:
                continue
            new = RankLabel(unknown=True, number=first.pid, writer=self._unused_name(first, sharing))
            self._lanes[first] = renames[old] = new
        return renames
