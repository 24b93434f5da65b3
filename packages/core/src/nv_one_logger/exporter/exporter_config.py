"""The data of the exporter configuration system: what one exporter entry says and where it came from.

An :class:`ExporterConfig` is deliberately plain data (a class name, keyword arguments, an on/off switch):
configuration is read from entry points, files and code, merged, and only at the very end turned into
exporter objects by :mod:`nv_one_logger.exporter.export_config_manager`. Keeping the data separate from
construction is what lets ``one-logger doctor`` show what *would* be built without building anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Tuple

from nv_one_logger.core.exceptions import OneLoggerError

#: The keys an exporter entry may have (in files, entry point defaults and direct dicts).
ENTRY_KEYS = ("class_name", "config", "enabled")


class ExporterConfigError(OneLoggerError):
    """A piece of exporter configuration is invalid.

    The message always names where the bad piece came from (file and line, entry point, or entry index), so
    the user can fix it without guessing. The configuration manager turns these into one logged warning each
    and carries on with the rest of the configuration.
    """


@dataclass
class ExporterConfig:
    """One exporter to create: ``class_name(**config)`` when ``enabled``.

    ``class_name`` is ``"package.module.ClassName"`` or ``"package.module:ClassName"``; only subclasses of
    :class:`~nv_one_logger.exporter.exporter.Exporter` are ever instantiated from it.
    """

    class_name: str
    config: Dict[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def __post_init__(self) -> None:
        # Checked here (not only when parsing files) so a wrong object in code fails where it is written.
        if not isinstance(self.class_name, str) or not self.class_name.strip():
            raise ExporterConfigError(f"ExporterConfig.class_name must be a non-empty string, got {self.class_name!r}")
        if not isinstance(self.config, Mapping):
            raise ExporterConfigError(
                f"ExporterConfig.config for {self.class_name!r} must be a dict of keyword arguments, "
                f"got {type(self.config).__name__}"
            )
        if not isinstance(self.enabled, bool):
            raise ExporterConfigError(
                f"ExporterConfig.enabled for {self.class_name!r} must be true or false, got {self.enabled!r}"
            )
        self.config = dict(self.config)

    @property
    def normalized_class_name(self) -> str:
        """``class_name`` with ``module:Class`` written as ``module.Class``, used to match entries."""
        return self.class_name.strip().replace(":", ".")


@dataclass(frozen=True)
class ConfigSource:
    """Where an exporter entry came from; shown by ``one-logger doctor`` and in warnings.

    ``kind`` is ``"entry_point"``, ``"file"`` or ``"direct"``; ``location`` is the entry point description,
    the file path, or empty for direct configuration.
    """

    kind: str
    location: str = ""

    def __str__(self) -> str:
        if self.kind == "entry_point":
            return f"entry point {self.location}"
        if self.kind == "file":
            return f"config file {self.location}"
        return "direct configuration (configure_one_logger exporters_config / direct_config)"


@dataclass
class ResolvedExporterConfig:
    """An :class:`ExporterConfig` together with every source that contributed to it (lowest priority first)."""

    config: ExporterConfig
    sources: Tuple[ConfigSource, ...]

    def describe_sources(self) -> str:
        """Human-readable origin, e.g. ``config file /x.yaml, merged with direct configuration``."""
        return ", merged with ".join(str(source) for source in self.sources)


def parse_exporter_entry(raw: Any, where: str) -> ExporterConfig:
    """Validate one raw entry (``{"class_name", "config", "enabled"}``) and build its :class:`ExporterConfig`.

    Args:
        raw: the entry as read from JSON/YAML, returned by an entry point, or passed as a dict in code.
        where: a description of the entry's location used in error messages (``"file.yaml: exporters[2]"``).

    Raises:
        ExporterConfigError: naming ``where`` and the problem. Unknown keys are errors too: a typo such as
            ``enable: false`` must not silently leave an exporter switched on.
    """
    if isinstance(raw, ExporterConfig):
        return ExporterConfig(raw.class_name, dict(raw.config), raw.enabled)
    if not isinstance(raw, Mapping):
        raise ExporterConfigError(
            f"{where}: an exporter entry must be a mapping with class_name/config/enabled, got {type(raw).__name__}"
        )
    class_name = raw.get("class_name")
    label = f"{where} ({class_name})" if isinstance(class_name, str) and class_name.strip() else where
    unknown = sorted(str(key) for key in raw if key not in ENTRY_KEYS)
    if unknown:
        raise ExporterConfigError(
            f"{label}: unknown key(s) {', '.join(repr(k) for k in unknown)}; an entry may only have "
            f"{', '.join(ENTRY_KEYS)}"
        )
    if class_name is None:
        raise ExporterConfigError(f"{where}: the entry has no 'class_name'")
    if not isinstance(class_name, str) or not class_name.strip():
        raise ExporterConfigError(f"{where}: 'class_name' must be a non-empty string, got {class_name!r}")
    config = raw.get("config")
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ExporterConfigError(
            f"{label}: 'config' must be a mapping of keyword arguments, got {type(config).__name__} ({config!r})"
        )
    bad_keys = [key for key in config if not isinstance(key, str) or not key.isidentifier()]
    if bad_keys:
        raise ExporterConfigError(f"{label}: 'config' keys must be argument names, got {bad_keys!r}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ExporterConfigError(f"{label}: 'enabled' must be true or false, got {enabled!r}")
    return ExporterConfig(class_name=class_name.strip(), config=dict(config), enabled=enabled)
