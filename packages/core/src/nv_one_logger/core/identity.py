"""Who produced the telemetry: the job identity every output of a process carries.

One definition, used everywhere the identity travels, so that the copies cannot drift apart:

- the JSON record writers put it in the first record of a process (``type: "identity"``, see
  docs/record-format.md), so that a file says which application, session, rank and world it came from;
- the OTel exporter builds its resource from it (``nv_one_logger.otel.resource``);
- ``one-logger replay`` rebuilds the same resource from the record, and ``one-logger summary`` groups by rank.

The identity is read from the ``OneLoggerConfig`` (the configured provider's when none is given) and from the
process: ``RANK`` (the variable torchrun, Slurm wrappers and most launchers set), the host name, the pid, a
per-process ``instance_id`` (a uuid4, new in a forked child: it becomes ``service.instance.id``, so a replay of
the file reproduces the live run's resource exactly) and the versions of the installed OneLogger distributions.
Config values given as callables are evaluated once; one that fails is left out rather than failing the caller.
"""

from __future__ import annotations

import os
import platform
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.version import get_version

_logger = get_logger(__name__)

IDENTITY_RECORD_TYPE = "identity"
RANK_ENV_VAR = "RANK"
DISTRIBUTIONS = ("nv-one-logger-core", "nv-one-logger-file", "nv-one-logger-otel")
"""The OneLogger distributions whose versions the identity reports (those installed)."""


@dataclass(frozen=True)
class JobIdentity:
    """The identity of one process of a job (see the module docstring); None means "not known"."""

    application: Optional[str] = None
    session_tag: Optional[str] = None
    world_size: Optional[int] = None
    rank: Optional[int] = None
    is_baseline_run: Optional[bool] = None
    host: Optional[str] = None
    pid: Optional[int] = None
    instance_id: Optional[str] = None
    custom_metadata: Dict[str, Any] = field(default_factory=dict)
    versions: Dict[str, str] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        """Return the fields of the identity record (without ``type``/``count``/``pid``, which every record has)."""
        return {
            "application": self.application,
            "session_tag": self.session_tag,
            "world_size": self.world_size,
            "rank": self.rank,
            "is_baseline_run": self.is_baseline_run,
            "host": self.host,
            "instance_id": self.instance_id,
            "custom_metadata": dict(self.custom_metadata),
            "versions": dict(self.versions),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], pid: Optional[int] = None) -> JobIdentity:
        """Rebuild an identity from a record; fields of the wrong type are treated as unknown (never raises)."""

        def typed(key: str, kind: type) -> Any:
            value = obj.get(key)
            if isinstance(value, bool) and kind is not bool:
                return None
            return value if isinstance(value, kind) else None

        custom = obj.get("custom_metadata")
        versions = obj.get("versions")
        return cls(
            application=typed("application", str),
            session_tag=typed("session_tag", str),
            world_size=typed("world_size", int),
            rank=typed("rank", int),
            is_baseline_run=typed("is_baseline_run", bool),
            host=typed("host", str),
            pid=pid if pid is not None else typed("pid", int),
            instance_id=typed("instance_id", str),
            custom_metadata=dict(custom) if isinstance(custom, dict) else {},
            versions={str(k): str(v) for k, v in versions.items()} if isinstance(versions, dict) else {},
        )


class _ProcessFacts:
    """Facts that are fixed for a process: computed once, recomputed in a forked child (new pid, new instance)."""

    def __init__(self) -> None:
        self.pid = 0
        self.instance_id = ""
        self._versions: Optional[Dict[str, str]] = None

    def refresh(self) -> None:
        if self.pid != os.getpid():
            self.pid = os.getpid()
            self.instance_id = str(uuid.uuid4())

    def versions(self) -> Dict[str, str]:
        if self._versions is None:  # importlib.metadata scans sys.path: once per process is enough
            found = {name: get_version(name) for name in DISTRIBUTIONS}
            versions = {name: version for name, version in found.items() if version != "unknown"}
            versions["python"] = platform.python_version()
            self._versions = versions
        return dict(self._versions)


_FACTS = _ProcessFacts()


def rank_from_env(env: Optional[Mapping[str, str]] = None) -> Optional[int]:
    """Return the ``RANK`` variable as an int, or None when it is unset or not an integer."""
    raw = ((os.environ if env is None else env).get(RANK_ENV_VAR) or "").strip()
    return int(raw) if raw.lstrip("-").isdigit() else None


def provider_config() -> Any:
    """Return the configuration the process is configured with, or None (never raises: it only describes)."""
    try:
        from nv_one_logger.api.one_logger_provider import OneLoggerProvider

        provider = OneLoggerProvider.instance()
        return provider.config if provider.one_logger_ready else None
    except Exception:  # never fail a writer over its identity
        return None


def _read(config: Any, name: str) -> Any:
    try:
        return getattr(config, name)
    except Exception as error:  # a user callable behind a *_or_fn field may fail; the identity must not
        _logger.warning("OneLogger identity: could not read %s from the config (%s); left out.", name, error)
        return None


def prime_process_facts() -> None:
    """Look the installed versions up now, on the thread that sets the library up.

    The lookup imports ``importlib.metadata`` (and email parsing) the first time. Left to the first record, that
    import could run on any recording thread, and a process forked while that thread holds the module's import
    lock has a child that hangs at its own first record (the lock's owner does not exist in the child). Done at
    set-up, before data-loader workers are forked, children inherit the result and import nothing. Every exporter
    that builds an identity calls it from ``initialize`` (the JSON writers of identity records, the OTel exporter,
    whose export thread builds its resource); one that builds none (``LoggerExporter``) has no reason to. The
    provider's module, which an identity built without a config reads (``provider_config``), is imported here for
    the same reason.
    """
    _FACTS.versions()
    provider_config()


def current_identity(config: Any = None, env: Optional[Mapping[str, str]] = None) -> JobIdentity:
    """Return the identity of this process, from ``config`` (default: the provider's config, if any)."""
    _FACTS.refresh()
    if config is None:
        config = provider_config()
    values: Dict[str, Any] = {}
    if config is not None:
        for key, name in (
            ("application", "application_name"),
            ("session_tag", "session_tag"),
            ("world_size", "world_size"),
            ("is_baseline_run", "is_baseline_run"),
            ("custom_metadata", "custom_metadata"),
        ):
            values[key] = _read(config, name)
    try:
        host: Optional[str] = socket.gethostname()
    except OSError:
        host = None
    return JobIdentity(
        application=values.get("application"),
        session_tag=values.get("session_tag"),
        world_size=values.get("world_size"),
        rank=rank_from_env(env),
        is_baseline_run=values.get("is_baseline_run"),
        host=host,
        pid=_FACTS.pid,
        instance_id=_FACTS.instance_id,
        custom_metadata=dict(values.get("custom_metadata") or {}),
        versions=_FACTS.versions(),
    )
