"""FileExporter: write every record as one line of JSON to a local file, durably and without losing data.

Guarantees (see docs/file-exporter.md for the full discussion):

* **One write per record.** Each record is encoded to one line and handed to the kernel with a single
  ``write()`` on a file opened with ``O_APPEND`` before the export call returns. There is no user-space buffer,
  so a record is in the file (the page cache) as soon as the call returns and survives the process being
  killed (SIGKILL, OOM). ``fsync=True`` also survives a machine crash, at the price of a disk flush per record.
* **Never destroys data.** The default appends to an existing file; ``overwrite=True`` must be asked for.
  Rotation renames without clobbering (``link`` + ``unlink``) and never deletes old files.
* **Crash tolerant format.** A record cut short by a crash or a full disk leaves a torn line. Before writing
  again into a file that does not end with a newline, the exporter ends the fragment with one, so every later
  record is a whole line; the reader skips torn fragments with a warning.
* **Concurrent appenders.** Several processes may append to one file: ``O_APPEND`` writes of a whole line are
  not interleaved on local Linux file systems (POSIX promises atomic appends only for pipes, so on NFS or other
  network file systems give each process its own file with ``{pid}``/``{rank}`` in the path template).

Failures raise ``ExportError`` naming the path; the recorder isolates them from the application and from the
other exporters.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.arguments import require_bool, require_number, require_optional_positive_int
from nv_one_logger.core.internal.describe import describe_exception, exception_message
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.exporter._file_path import destination_problem, expand_path_template
from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter, JsonRecord
from nv_one_logger.exporter.exporter import ExportError
from nv_one_logger.exporter.file_exporter_defaults import PATH_ENV_VAR, FileExporterDefaults
from nv_one_logger.exporter.json_line import IDENTITY_LINE_PREFIX, encode_value
from nv_one_logger.records.rotation import rotation_number

if TYPE_CHECKING:
    from nv_one_logger.api.config import OneLoggerConfig

__all__ = ["PATH_ENV_VAR", "ROTATION_RETRY_SECONDS", "FileExporter", "FileExporterDefaults"]

_logger = get_logger(__name__)

ROTATION_RETRY_SECONDS = 10.0
"""After a failed rotation, records go on into the current file and rotation is retried after this long."""

_OPEN_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


_OWNER = "FileExporter"


def _path_text(file_path: object) -> str:
    """Return ``file_path`` as a str: a non-empty str or ``os.PathLike`` of str (bytes paths are refused)."""
    text = os.fspath(file_path) if isinstance(file_path, (str, os.PathLike)) else None
    if not isinstance(text, str):
        raise OneLoggerError(
            f"FileExporter file_path must be a str or pathlib.Path, got {type(file_path).__name__} {file_path!r}."
        )
    if not text.strip():
        raise OneLoggerError("FileExporter file_path must not be empty.")
    return text


def _describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.EISDIR:
        return "it is a directory"
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    return exc.strerror or str(exc)


class FileExporter(BaseJsonExporter):
    """Writes one JSON record per line to ``file_path`` (see the module docstring for the guarantees).

    Args:
        file_path: the file to write; a template with ``{rank}``, ``{pid}``, ``{hostname}``, ``{session_tag}``
            and ``{timestamp}`` fields, expanded once when the exporter is created. Missing parent
            directories are created.
        overwrite: truncate an existing file when opening it. The default (False) appends.
        fsync: ``fsync()`` after every record, so records survive a power loss or kernel crash, not only a
            process crash. Expect a large slowdown on real disks.
        max_bytes: rotate when the next record would make the file larger than this many bytes. The file is
            renamed to ``<path>.1`` (then ``.2`` ...; higher is newer) and a new file is started. A record is
            never split, so a single record larger than ``max_bytes`` gets a file of its own. None: no rotation.
        reopen_check_interval_seconds: how often (at most) to check whether the file was deleted or renamed
            away while open, and reopen it at ``file_path``. 0 checks before every record.
        merge_start_stop: see ``BaseJsonExporter`` (a span without records in between is one ``complete``
            record).
        one_logger_config: supplies ``{session_tag}`` and the ``identity`` record's job fields (see
            ``exporter.Exporter``; None: the configuration the process is set up with, if any, at the time).
    """

    def __init__(
        self,
        file_path: Union[str, os.PathLike[str]],
        overwrite: bool = False,
        fsync: bool = False,
        max_bytes: Optional[int] = None,
        reopen_check_interval_seconds: float = 1.0,
        merge_start_stop: bool = True,
        one_logger_config: Optional[OneLoggerConfig] = None,
    ) -> None:
        # Every argument is checked here, so that a wrong value (often a typo in a config file) is refused with
        # a OneLoggerError naming it, instead of failing at the first record or as a bare TypeError.
        super().__init__(
            merge_start_stop=require_bool(_OWNER, "merge_start_stop", merge_start_stop),
            one_logger_config=one_logger_config,
        )
        self._template = _path_text(file_path)
        self._overwrite = require_bool(_OWNER, "overwrite", overwrite)
        self._fsync = require_bool(_OWNER, "fsync", fsync)
        self._max_bytes = require_optional_positive_int(_OWNER, "max_bytes", max_bytes)
        self._check_interval = require_number(
            _OWNER, "reopen_check_interval_seconds", reopen_check_interval_seconds, allow_zero=True
        )
        self._path = expand_path_template(self._template, self.current_one_logger_config())
        self._header_bytes = 0  # size of the identity record at the top of the current file (0: none)
        self._path_str = str(self._path)
        self._next_check = 0.0
        self._fd: Optional[int] = None
        self._size = 0
        self._regular = True
        self._needs_newline = False
        self._rotation_number = 0
        self._rotation_retry_at = 0.0
        self._deleted_notice = False

    @property
    def file_path(self) -> Path:
        """The file being written (the template with its fields substituted)."""
        return self._path

    @property
    def _filepath(self) -> Path:
        """The 2.3.1 name of :attr:`file_path`."""
        return self._path

    @property
    def _file(self) -> Optional[io.FileIO]:
        """The open file as a raw file object (the 2.3.1 name), or None when it is not open.

        A view of the descriptor the exporter writes to: closing it does not close the exporter's file.
        """
        fd = self._fd
        return None if fd is None else io.FileIO(fd, "a", closefd=False)

    @property
    def file_path_template(self) -> str:
        """The ``file_path`` argument as given."""
        return self._template

    def __repr__(self) -> str:
        return f"FileExporter({self._path_str!r}, state={self.state.value!r})"

    # -- lifecycle ---------------------------------------------------------------------------------------

    def check_destination(self, probe: bool = False) -> Optional[str]:
        """Return why records could not be written to ``file_path`` (None when they can), before initializing.

        ``one-logger doctor`` calls it on the exporter the job would create; ``probe=True`` really writes (and
        removes) a probe record next to the file.
        """
        return destination_problem(self._path, probe)

    def initialize(self) -> None:
        """Create missing parent directories and open the file; ExportError naming the path on failure."""
        if self.ready:
            return  # initializing twice is a no-op (the file is already open)
        if self.closed:
            super().initialize()  # raises the lifecycle error
        self._fd = self._open(truncate=self._overwrite)
        super().initialize()

    def close(self) -> None:
        """Write a held-back start record, then close the file. Idempotent."""
        try:
            super().close()
        finally:
            with self._lock:  # _write runs under this lock: no write can be using the descriptor
                fd, self._fd = self._fd, None
            if fd is not None:
                try:
                    os.close(fd)
                except OSError as exc:  # e.g. a delayed write error on a network file system
                    raise ExportError(f"closing {self._path_str} failed: {_describe_os_error(exc)}") from exc

    # -- the hot path ------------------------------------------------------------------------------------

    def _write(self, json_dict: JsonRecord) -> None:
        # The dict form of BaseJsonExporter's extension hook (docs/concepts.md); the base class hands this
        # exporter lines (_write_line) instead, encoded identically, unless a subclass overrides _write.
        try:
            line = encode_value(json_dict)
        except (TypeError, ValueError, RecursionError) as exc:
            count = json_dict.get("count")
            raise ExportError(f"record {count} for {self._path_str} is not JSON: {exception_message(exc)}") from exc
        self._write_line(line)

    def _write_line(self, line: str) -> None:
        fd = self._fd
        if fd is None:
            raise ExportError(f"{self._path_str} is not open")
        # ASCII-only by construction (see json_line.py): the cheapest str -> bytes conversion, and valid UTF-8.
        data = (line + "\n").encode("ascii")
        if self._needs_newline:
            data = b"\n" + data
        if self._check_interval == 0.0 or time.monotonic() >= self._next_check:
            fd = self._check_file(fd)
        if self._size == 0 and line.startswith(IDENTITY_LINE_PREFIX):
            self._header_bytes = len(data)
        # A file holding only its identity header is not full: the next record goes in with it.
        if self._max_bytes is not None and self._size > self._header_bytes and self._size + len(data) > self._max_bytes:
            rotated = self._maybe_rotate(fd)
            if rotated != fd and self.writes_identity_record and not line.startswith(IDENTITY_LINE_PREFIX):
                # Every file starts with the identity record, rotated segments included.
                header = (self._identity_line() + "\n").encode("ascii")
                self._header_bytes = len(header) if self._size == 0 else 0
                data = header + data
            fd = rotated
        self._write_all(fd, data)
        self._needs_newline = False
        self._size += len(data)
        if self._fsync:
            try:
                os.fsync(fd)
            except OSError as exc:
                raise ExportError(f"fsync of {self._path_str} failed: {_describe_os_error(exc)}") from exc
        if self._deleted_notice:
            self._deleted_notice = False
            raise ExportError(
                f"{self._path_str} was deleted while open: records written before were lost with it; "
                "a new file was started (this record and later ones are in it)"
            )

    def _not_json(self, count: int, exc: BaseException) -> ExportError:
        return ExportError(f"record {count} for {self._path_str} is not JSON: {describe_exception(exc)}")

    def _write_all(self, fd: int, data: bytes) -> None:
        written = 0
        try:
            written = os.write(fd, data)
            if written < len(data):  # only on a nearly full disk or a signal: finish the line
                view = memoryview(data)
                while written < len(data):
                    written += os.write(fd, view[written:])
        except OSError as exc:
            if written:
                self._needs_newline = True  # a torn line: end it before the next record
                self._size += written
            raise ExportError(f"writing to {self._path_str} failed: {_describe_os_error(exc)}") from exc

    # -- opening, reopening, rotating ----------------------------------------------------------------------

    def _open(self, truncate: bool) -> int:
        path = self._path_str
        try:
            parent = self._path.parent
            if not parent.is_dir():
                if parent.exists():
                    raise ExportError(f"cannot open {path} for writing: {parent} is not a directory")
                parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, _OPEN_FLAGS | (os.O_TRUNC if truncate else 0), 0o666)
        except OSError as exc:
            raise ExportError(f"cannot open {path} for writing: {_describe_os_error(exc)}") from exc
        try:
            info = os.fstat(fd)
        except OSError as exc:
            os.close(fd)
            raise ExportError(f"cannot stat {path}: {_describe_os_error(exc)}") from exc
        self._regular = stat.S_ISREG(info.st_mode)
        self._size = info.st_size if self._regular else 0
        self._needs_newline = self._regular and info.st_size > 0 and not self._ends_with_newline(info.st_size)
        if self._needs_newline:
            _logger.warning("%s ends with a torn record (a writer crashed); appending after it on a new line", path)
        self._next_check = time.monotonic() + self._check_interval
        return fd

    def _ends_with_newline(self, size: int) -> bool:
        try:
            with open(self._path_str, "rb") as handle:
                handle.seek(size - 1)
                return handle.read(1) == b"\n"
        except OSError:
            return True  # cannot tell (write-only file): do not add a stray blank line

    def _check_file(self, fd: int) -> int:
        """Reopen the file if it was deleted or renamed away (e.g. by logrotate) since it was opened."""
        self._next_check = time.monotonic() + self._check_interval
        if not self._regular:
            return fd
        try:
            open_info = os.fstat(fd)
        except OSError:
            return fd  # the write below reports the real problem
        try:
            path_info = os.stat(self._path_str)
            same = (path_info.st_ino, path_info.st_dev) == (open_info.st_ino, open_info.st_dev)
        except FileNotFoundError:
            same = False
        except OSError:
            return fd
        if same and open_info.st_nlink > 0:
            return fd
        deleted = open_info.st_nlink == 0
        new_fd = self._open(truncate=False)
        self._fd = new_fd
        os.close(fd)
        if deleted:
            # Records written to the deleted file are gone with it: say so (the recorder reports the gap as a
            # telemetry data error, which lands in the new file), after writing this record to the new file.
            self._deleted_notice = True
            _logger.error("%s was deleted while open; reopened a new file", self._path_str)
        else:
            _logger.info("%s was renamed away while open (rotated?); reopened a new file", self._path_str)
        return new_fd

    def _maybe_rotate(self, fd: int) -> int:
        """Rotate, unless a recent attempt failed: a failed rotation must not cost records, only file size."""
        now = time.monotonic()
        if now < self._rotation_retry_at:
            return fd
        try:
            return self._rotate(fd)
        except Exception as exc:  # any failure (not only OSError) costs file size, never the record
            self._rotation_retry_at = now + ROTATION_RETRY_SECONDS
            failure = f"rotating {self._path_str} failed: {describe_exception(exc)}"
            reason = exception_message(exc) if isinstance(exc, ExportError) else failure
            _logger.warning("%s; writing on into the current file, retrying in %.0f s", reason, ROTATION_RETRY_SECONDS)
            return self._fd if self._fd is not None else fd

    def _rotate(self, fd: int) -> int:
        """Rename the full file to the next free ``<path>.N`` (without overwriting anything) and start anew."""
        if not os.path.lexists(self._path_str):  # renamed away by someone else meanwhile: just start anew
            new_fd = self._open(truncate=False)
            self._fd = new_fd
            os.close(fd)
            return new_fd
        target = self._next_rotation_target()
        try:
            try:
                os.link(self._path_str, target)
                os.unlink(self._path_str)
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                if os.path.lexists(target):  # file systems without hard links: rename, but never clobber
                    raise
                os.rename(self._path_str, target)
        except OSError as exc:
            raise ExportError(f"rotating {self._path_str} to {target} failed: {_describe_os_error(exc)}") from exc
        new_fd = self._open(truncate=False)  # on failure the old descriptor stays open and in use (as .N)
        self._fd = new_fd
        os.close(fd)
        _logger.info("rotated %s to %s", self._path_str, target)
        return new_fd

    def _next_rotation_target(self) -> str:
        if self._rotation_number == 0:
            existing = [0]
            try:
                names = os.listdir(self._path.parent)
            except OSError:
                names = []
            for name in names:
                number = rotation_number(name, self._path.name)
                if number is not None:
                    existing.append(number)
            self._rotation_number = max(existing)
        while True:
            self._rotation_number += 1
            target = f"{self._path_str}.{self._rotation_number}"
            if not os.path.lexists(target):
                return target
