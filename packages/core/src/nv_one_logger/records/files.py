"""Read and rebuild a set of record files in one step (what the CLI commands start with)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

from nv_one_logger.records.reader import (
    PathLike,
    ReadReport,
    RecordReader,
    WarningHandler,
    order_record_files,
    rotated_segments,
)
from nv_one_logger.records.spans import RebuildResult, rebuild
from nv_one_logger.records.types import Record


@dataclass
class LoadedFiles:
    """The rebuilt spans of several files plus what reading them reported."""

    paths: List[Path]
    """The files, in the order they were read (rotated segments oldest first)."""
    result: RebuildResult
    reports: List[ReadReport] = field(default_factory=list)
    unlisted_segments: List[Path] = field(default_factory=list)
    """Rotated segments (``run.jsonl.1`` ...) that exist next to a given file but were not given."""

    @property
    def record_count(self) -> int:
        """Records read from all files."""
        return sum(report.records for report in self.reports)

    @property
    def torn_lines(self) -> int:
        """Torn records skipped in all files."""
        return sum(len(report.torn_lines) for report in self.reports)

    @property
    def foreign_lines(self) -> int:
        """Foreign JSON objects skipped in all files."""
        return sum(len(report.foreign_lines) for report in self.reports)


def load_files(
    paths: Iterable[PathLike], *, strict: bool = False, on_warning: Optional[WarningHandler] = None
) -> LoadedFiles:
    """Read ``paths`` (in ``order_record_files`` order) and rebuild their spans; ReaderError on corrupt input."""
    ordered = order_record_files(paths)
    given = {os.path.abspath(p) for p in ordered}
    unlisted = [
        segment for path in ordered for segment in rotated_segments(path) if os.path.abspath(segment) not in given
    ]
    reports: List[ReadReport] = []

    def records() -> Iterator[Record]:
        for path in ordered:
            reader = RecordReader(path, strict=strict, on_warning=on_warning)
            reports.append(reader.report)
            yield from reader

    result = rebuild(records())
    return LoadedFiles(paths=ordered, result=result, reports=reports, unlisted_segments=unlisted)
