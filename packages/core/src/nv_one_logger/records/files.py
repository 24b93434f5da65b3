"""Read and rebuild a set of record files in one step (what the CLI commands start with)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional

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


class ReadTotals:
    """Totals over ``reports`` (one ``ReadReport`` per file read), for every result that reads several files."""

    reports: List[ReadReport]

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


@dataclass
class LoadedFiles(ReadTotals):
    """The rebuilt spans of several files plus what reading them reported."""

    paths: List[Path]
    """The files, in the order they were read (rotated segments oldest first)."""
    result: RebuildResult
    reports: List[ReadReport] = field(default_factory=list)
    unlisted_segments: List[Path] = field(default_factory=list)
    """Rotated segments (``run.jsonl.1`` ...) that exist next to a given file but were not given."""


ProgressHandler = Callable[[int, int], None]
"""Called now and then with (bytes read so far, total bytes of all files) while files are read."""

_PROGRESS_EVERY = 4096  # records between progress calls: cheap next to parsing, frequent enough to look alive


class RecordStream(ReadTotals):
    """The records of several files in ``order_record_files`` order, read lazily, with what reading reported.

    Its totals (``ReadTotals``) count what was read so far: ``record_count`` is what a progress line shows.

    Every command that reads record files starts here (``load_files`` for the whole-span view, ``digest_files``
    for the bounded one, ``one-logger chrome-trace`` and ``one-logger replay``), so they order rotated segments,
    warn about unlisted ones and count skipped lines the same way.
    """

    def __init__(
        self,
        paths: Iterable[PathLike],
        *,
        strict: bool = False,
        on_warning: Optional[WarningHandler] = None,
        on_progress: Optional[ProgressHandler] = None,
    ) -> None:
        self.paths = order_record_files(paths)
        given = {os.path.abspath(p) for p in self.paths}
        self.unlisted_segments = [
            segment
            for path in self.paths
            for segment in rotated_segments(path)
            if os.path.abspath(segment) not in given
        ]
        self.reports: List[ReadReport] = []
        self._strict = strict
        self._on_warning = on_warning
        self._on_progress = on_progress

    def _total_bytes(self) -> int:
        total = 0
        for path in self.paths:
            with contextlib.suppress(OSError):  # the reader names a missing file when it gets there
                total += os.path.getsize(path)
        return total

    def __iter__(self) -> Iterator[Record]:
        progress = self._on_progress
        total = self._total_bytes() if progress is not None else 0
        done = 0
        for path in self.paths:
            reader = RecordReader(path, strict=self._strict, on_warning=self._on_warning)
            self.reports.append(reader.report)
            if progress is None:
                yield from reader
                continue
            for index, record in enumerate(reader):
                if index % _PROGRESS_EVERY == 0:
                    progress(done + reader.report.bytes_read, total)
                yield record
            done += reader.report.bytes_read
            progress(done, total)


def load_files(
    paths: Iterable[PathLike],
    *,
    strict: bool = False,
    on_warning: Optional[WarningHandler] = None,
    on_progress: Optional[ProgressHandler] = None,
) -> LoadedFiles:
    """Read ``paths`` (in ``order_record_files`` order) and rebuild all their spans; ReaderError on corrupt input.

    Every span, with its events and attributes, stays in memory: use ``digest_files`` (``records.digest``)
    when statistics are enough.
    """
    return load_stream(RecordStream(paths, strict=strict, on_warning=on_warning, on_progress=on_progress))


def load_stream(stream: RecordStream) -> LoadedFiles:
    """Read a ``RecordStream`` and rebuild all its spans (``load_files`` for a caller that watches the stream)."""
    result = rebuild(stream)
    return LoadedFiles(
        paths=stream.paths, result=result, reports=stream.reports, unlisted_segments=stream.unlisted_segments
    )
