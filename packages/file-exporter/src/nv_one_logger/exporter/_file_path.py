"""Expand the FileExporter path template: ``{rank}``, ``{pid}``, ``{hostname}``, ``{session_tag}``, ``{timestamp}``.

The template lets every rank of a job, and every restart of a rank, write its own file without any
coordination (``out/{session_tag}/rank{rank}-{pid}.jsonl``): one writer per file keeps rotation simple and
makes every file a complete, ordered story of one process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import string
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Union

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.core.internal.logging import get_logger

if TYPE_CHECKING:
    from nv_one_logger.api.config import OneLoggerConfig

_logger = get_logger(__name__)

TEMPLATE_FIELDS = ("rank", "pid", "hostname", "session_tag", "timestamp")
RANK_ENV_VAR = "RANK"
UNKNOWN_SESSION_TAG = "unknown-session"


def _session_tag(config: Optional[OneLoggerConfig]) -> str:
    if config is None:
        _logger.warning(
            "file path template uses {session_tag} but no OneLoggerConfig is available; using %r",
            UNKNOWN_SESSION_TAG,
        )
        return UNKNOWN_SESSION_TAG
    return _safe_component(str(config.session_tag))


def _check_config(one_logger_config: object) -> None:
    """Refuse anything but a ``OneLoggerConfig`` at once, even when the template does not use it (yet)."""
    # Imported here: a caller that passes a config has imported the api already, others never pay for pydantic.
    from nv_one_logger.api.config import OneLoggerConfig

    if not isinstance(one_logger_config, OneLoggerConfig):
        raise OneLoggerError(
            "FileExporter one_logger_config must be a nv_one_logger.api.config.OneLoggerConfig or None, got "
            f"{type(one_logger_config).__name__} {one_logger_config!r}."
        )


def _safe_component(value: str) -> str:
    """Keep a substituted value inside one path component (a session tag may contain '/').

    ``.`` and ``..`` are escaped like ``/``: as a whole component they would name the directory itself or
    its parent, so ``RANK=..`` would move the file out of the directory the template names. An empty value
    becomes ``_`` too (so that ``{session_tag}/x`` never collapses to ``/x``).
    """
    for separator in (os.sep, os.altsep, "\0"):
        if separator:
            value = value.replace(separator, "_")
    if value.strip(".") == "":
        return "_" * max(len(value), 1)
    return value


def expand_path_template(
    template: Union[str, os.PathLike[str]], one_logger_config: Optional[OneLoggerConfig] = None
) -> Path:
    """Substitute the template fields in ``template``; a path without ``{`` is returned unchanged.

    ``{rank}`` is the ``RANK`` environment variable (``0`` when unset), ``{pid}`` the process id,
    ``{hostname}`` the host name, ``{session_tag}`` the OneLoggerConfig's session tag and ``{timestamp}`` the
    UTC time of the call as ``YYYYmmddTHHMMSSZ``. ``{{`` and ``}}`` are literal braces. Any other field raises
    ``OneLoggerError`` naming it.
    """
    text = os.fspath(template)
    if one_logger_config is not None:
        _check_config(one_logger_config)
    if "{" not in text and "}" not in text:
        return Path(text)
    try:
        parsed = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise OneLoggerError(f"invalid file path template {text!r}: {exception_message(exc)}") from exc
    if any(spec or conv for _, spec, conv in parsed):
        raise OneLoggerError(f"file path template {text!r}: format specs and conversions are not supported")
    fields = [name for name, _, _ in parsed]
    unknown = sorted({name for name in fields if name not in TEMPLATE_FIELDS})
    if unknown:
        raise OneLoggerError(
            f"file path template {text!r} uses unknown field(s) {unknown}; allowed: {list(TEMPLATE_FIELDS)}"
        )
    producers: Dict[str, Callable[[], str]] = {
        "rank": lambda: _safe_component(os.environ.get(RANK_ENV_VAR, "").strip() or "0"),
        "pid": lambda: str(os.getpid()),
        "hostname": lambda: _safe_component(socket.gethostname()),
        "session_tag": lambda: _session_tag(one_logger_config),
        "timestamp": lambda: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
    }
    values = {name: producers[name]() for name in set(fields)}
    try:
        return Path(text.format_map(values))
    except (ValueError, IndexError) as exc:
        raise OneLoggerError(f"invalid file path template {text!r}: {exception_message(exc)}") from exc


def destination_problem(path: Path, probe: bool = False) -> Optional[str]:
    """Return why records could not be written to ``path`` (None when they can); for ``one-logger doctor``.

    Without ``probe`` nothing is touched: the file, if it exists, must be a writable regular file, and otherwise
    the nearest existing directory on the way to it must be writable (the exporter creates missing parents).
    With ``probe`` a probe record is really written: a file next to ``path`` is created (missing parents too),
    written, flushed to disk and removed again, with the directories created for it; the failure, if any, is
    the operating system's own answer.
    """
    if path.is_dir():
        return f"{path} is a directory"
    if path.exists():
        if not os.access(path, os.W_OK):
            return f"{path} exists and is not writable"
    else:
        ancestor = path.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
            return f"cannot create {path}: {ancestor} is not a writable directory"
    if probe:
        return _probe_write(path)
    return None


def _probe_write(path: Path) -> Optional[str]:
    created: List[Path] = []
    directory = path.parent
    while not directory.exists():
        created.append(directory)
        directory = directory.parent
    probe = path.with_name(f".{path.name}.one-logger-probe-{os.getpid()}")
    try:
        for missing in reversed(created):
            missing.mkdir()
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, b'{"type": "one_logger.doctor.probe"}\n')
            os.fsync(fd)
        finally:
            os.close(fd)
        return None
    except OSError as exc:
        return f"writing a probe record next to {path} failed: {exc.strerror or exc}"
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
        for made in created:
            with contextlib.suppress(OSError):
                made.rmdir()
