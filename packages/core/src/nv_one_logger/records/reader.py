"""Read JSON-lines record files back into typed records (``read_records``).

What the reader tolerates and what it refuses, and why:

* A **torn record** -- the beginning of a JSON object whose end was never written, because the writer was
  killed or the disk filled up in the middle of a write -- is skipped with a warning naming the path and
  line. As the last line of a file (no trailing newline) this is the normal state of a file whose writer is
  still running or crashed. In the middle of a file it appears when a restarted writer appended after a crash:
  the FileExporter ends a torn fragment with a newline before it writes again, so the fragment is alone on
  its line. ``strict=True`` refuses torn lines in the middle.
* A **foreign JSON object** (no ``type`` field, or a ``type`` this version does not know) is skipped with a
  warning, so that a file written by a newer version, or with a few hand-written annotations, still reads.
  ``strict=True`` refuses it.
* Anything else -- bytes that are not UTF-8, text that is not JSON, JSON that is not an object, a known record
  type missing a required field -- raises ``ReaderError`` naming the path and the 1-based line, because
  silently skipping real corruption would make a summary lie about where the time went.

Unknown fields in known records are ignored (they stay available in ``record.raw``).
"""

from __future__ import annotations

import codecs
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Union

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.records._torn import is_truncated_json_object
from nv_one_logger.records.rotation import rotation_number, split_rotation_suffix, strip_rotation_suffix
from nv_one_logger.records.types import MalformedRecord, Record, RecordSource, parse_record

PathLike = Union[str, "os.PathLike[str]"]
WarningHandler = Callable[[str], None]


class ReaderError(OneLoggerError):
    """A record file cannot be read: the message starts with ``path:line:`` (or ``path:`` for file errors)."""

    def __init__(self, path: str, line: Optional[int], reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        location = f"{path}:{line}" if line is not None else path
        super().__init__(f"{location}: {reason}")


class ReaderWarning(UserWarning):
    """A line was skipped (torn record or foreign object); the message names the path and line."""


@dataclass
class ReadReport:
    """What happened while reading one file: counts of records and the line numbers of skipped lines."""

    path: str
    records: int = 0
    torn_lines: List[int] = field(default_factory=list)
    foreign_lines: List[int] = field(default_factory=list)
    blank_lines: int = 0
    bytes_read: int = 0
    """Bytes of the file consumed so far (what a progress display shows)."""

    @property
    def skipped(self) -> int:
        """Number of non-blank lines that did not become records."""
        return len(self.torn_lines) + len(self.foreign_lines)


def _default_warning(message: str) -> None:
    warnings.warn(message, ReaderWarning, stacklevel=4)


class RecordReader:
    """Iterate over the records of one file, keeping a ``report`` of skipped lines.

    Use this class when you want the report (the CLI prints it); ``read_records`` is the short form.
    ``on_warning`` receives each warning message; the default issues a ``ReaderWarning``.
    """

    def __init__(self, path: PathLike, *, strict: bool = False, on_warning: Optional[WarningHandler] = None) -> None:
        self.path = os.fspath(path)
        self.strict = strict
        self.report = ReadReport(path=self.path)
        self._warn = on_warning or _default_warning

    def __iter__(self) -> Iterator[Record]:
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - the generator below owns and closes it
        except OSError as exc:
            raise ReaderError(self.path, None, f"cannot open: {exc.strerror or exc}") from exc
        with handle:
            line_number = 0
            try:
                for raw in handle:
                    line_number += 1
                    self.report.bytes_read += len(raw)
                    record = self._parse_line(raw, line_number)
                    if record is not None:
                        self.report.records += 1
                        yield record
            except OSError as exc:
                raise ReaderError(self.path, line_number + 1, f"read failed: {exc.strerror or exc}") from exc

    def _torn(self, line_number: int, at_end: bool, detail: str) -> None:
        if self.strict and not at_end:
            raise ReaderError(self.path, line_number, f"torn record (incomplete JSON object): {detail}")
        self.report.torn_lines.append(line_number)
        where = "at end of file" if at_end else "in the middle of the file (a writer crashed and was restarted)"
        self._warn(f"{self.path}:{line_number}: skipped a torn record {where}: {detail}")

    def _parse_line(self, raw: bytes, line_number: int) -> Optional[Record]:
        at_end = not raw.endswith(b"\n")
        body = raw if at_end else raw[:-1]
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A write cut in the middle of a multi-byte character: decode what is complete and judge that.
            try:
                prefix = codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
            except UnicodeDecodeError:
                prefix = None
            if prefix is not None and is_truncated_json_object(prefix):
                self._torn(line_number, at_end, "ends inside a UTF-8 character")
                return None
            raise ReaderError(
                self.path, line_number, f"not valid UTF-8 (byte {exc.start + 1} of the line): {exc.reason}"
            ) from exc
        if not text.strip():
            self.report.blank_lines += 1
            return None
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an int Python will not convert
            if isinstance(exc, json.JSONDecodeError) and is_truncated_json_object(text):
                self._torn(line_number, at_end, f"{len(body)} bytes")
                return None
            if isinstance(exc, json.JSONDecodeError):
                detail = f"{exc.msg} at column {exc.colno}"
            elif isinstance(exc, RecursionError):
                detail = "nested too deep"
            else:
                detail = f"a number Python refuses to read ({exception_message(exc)})"
            raise ReaderError(self.path, line_number, f"not a JSON record: {detail}") from exc
        if not isinstance(obj, dict):
            raise ReaderError(self.path, line_number, f"not a JSON object but a JSON {type(obj).__name__}")
        try:
            record = parse_record(obj, RecordSource(self.path, line_number))
        except MalformedRecord as exc:
            raise ReaderError(
                self.path, line_number, f"malformed {obj.get('type')!r} record: {exception_message(exc)}"
            ) from exc
        if record is None:
            kind = obj.get("type")
            what = "has no 'type' field" if kind is None else f"has unknown type {kind!r}"
            if self.strict:
                raise ReaderError(self.path, line_number, f"foreign JSON object: {what}")
            self.report.foreign_lines.append(line_number)
            self._warn(f"{self.path}:{line_number}: skipped a foreign JSON object that {what}")
        return record


def read_records(
    path: PathLike, *, strict: bool = False, on_warning: Optional[WarningHandler] = None
) -> Iterator[Record]:
    """Iterate over the typed records of one JSON-lines file, in file order.

    Raises ``ReaderError`` (a ``OneLoggerError``) naming the path and line for corrupt input; see the module
    docstring for what is skipped with a ``ReaderWarning`` instead. The file is read lazily, so a huge file
    needs little memory, and errors surface when the iteration reaches them.
    """
    return iter(RecordReader(path, strict=strict, on_warning=on_warning))


def order_record_files(paths: Iterable[PathLike]) -> List[Path]:
    """Order files so that the segments of one rotated log come oldest first and the live file last.

    The FileExporter rotates ``run.jsonl`` to ``run.jsonl.1``, then ``run.jsonl.2`` ... (higher is newer),
    while it keeps writing ``run.jsonl``. A shell glob sorts ``.10`` before ``.2``; this sorts numerically.
    Groups keep the order of their first appearance; duplicates are dropped.
    """
    groups: Dict[str, List[Path]] = {}
    seen = set()
    for item in paths:
        path = Path(item)
        key = os.path.abspath(path)
        if key in seen:
            continue
        seen.add(key)
        groups.setdefault(strip_rotation_suffix(key), []).append(path)

    def position(path: Path) -> float:
        number = split_rotation_suffix(os.path.abspath(path))[1]
        return float("inf") if number is None else float(number)

    ordered: List[Path] = []
    for members in groups.values():
        ordered.extend(sorted(members, key=position))
    return ordered


def rotated_segments(path: PathLike) -> List[Path]:
    """Existing rotated segments of ``path`` (``path.1``, ``path.2`` ...), oldest first."""
    base = Path(path)
    parent = base.parent
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    found = [(number, parent / name) for name in names if (number := rotation_number(name, base.name)) is not None]
    return [p for _, p in sorted(found)]


def read_record_files(
    paths: Iterable[PathLike], *, strict: bool = False, on_warning: Optional[WarningHandler] = None
) -> Iterator[Record]:
    """Read several files one after another, in ``order_record_files`` order."""
    for path in order_record_files(paths):
        yield from read_records(path, strict=strict, on_warning=on_warning)
