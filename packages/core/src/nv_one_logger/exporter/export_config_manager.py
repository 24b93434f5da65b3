"""Which exporters a process gets: package defaults, then a config file, then direct configuration.

The three sources, lowest priority first:

1. **Package defaults** from the ``nv_one_logger.exporter_configs`` entry point group. Installing a sibling
   distribution (``nv-one-logger-file``, ``nv-one-logger-otel``) is enough to offer its exporter; each decides
   in ``get_default_config()`` whether it is enabled by default (the otel one: when an OTLP endpoint is set).
2. **A config file** (YAML or JSON). When one is found it *replaces* the package defaults completely, so the
   file is the one place that says what the process exports.
3. **Direct configuration** passed in code. Each entry is merged over the entry of the same ``class_name``
   (its ``config`` dict over the existing one, its ``enabled`` wins) or appended when the class is new.

Bad configuration never crashes the application: each problem is logged once as a warning naming the file,
entry point or entry, and everything else is still used. See docs/configuration.md.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from nv_one_logger.core.internal.describe import describe_exception, exception_message
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.exporter._config_file import find_config_file, load_config_file
from nv_one_logger.exporter._exporter_factory import build_exporter
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.exporter.exporter_config import (
    ConfigSource,
    ExporterConfig,
    ExporterConfigError,
    ResolvedExporterConfig,
    parse_exporter_entry,
)

_logger = get_logger(__name__)

DirectConfig = Sequence[Union[ExporterConfig, dict]]


@dataclass
class ExportConfigReport:
    """Everything the resolution found: the merged entries with their sources, and the problems met on the way.

    ``config_file`` is the file that was used (None if none was found or it was unusable); ``config_file_via``
    says which lookup step found it; ``searched`` lists the lookup locations in order; ``entry_points`` names
    every entry point of the group that was seen.
    """

    entries: List[ResolvedExporterConfig] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    config_file: Optional[Path] = None
    config_file_via: str = ""
    searched: List[str] = field(default_factory=list)
    entry_points: List[str] = field(default_factory=list)

    @property
    def exporter_configs(self) -> List[ExporterConfig]:
        """The merged configuration, as :meth:`ExporterConfigManager.generate_export_config` returns it."""
        return [entry.config for entry in self.entries]


class ExporterConfigManager:
    """Builds the list of exporter configurations and creates the exporters from it."""

    ENTRY_POINT_NAME = "nv_one_logger.exporter_configs"

    def __init__(self) -> None:
        # Where each ExporterConfig returned by generate_export_config came from (keyed by id, holding the
        # object so the id stays valid), so that a warning at creation time can name the file or entry point.
        self._origins: Dict[int, Tuple[ExporterConfig, str]] = {}
        self.entry_point_exporter_configs: List[ExporterConfig] = [
            entry.config for entry in self._package_defaults(ExportConfigReport())
        ]
        """The package defaults found when the manager was created (the 2.3.1 attribute; problems with an entry
        point are reported by :meth:`generate_export_config`, which reads the entry points again)."""

    def generate_export_config(
        self,
        direct_config: Optional[DirectConfig] = None,
        config_file_path: Union[str, Path, None] = None,
    ) -> List[ExporterConfig]:
        """Merge package defaults, the config file and ``direct_config`` into one list (see module docstring).

        Problems (a broken entry point, a malformed file, an invalid entry) are logged as one warning each and
        the offending piece is left out; this method does not raise for bad configuration data.
        """
        report = self.generate_export_config_with_sources(direct_config, config_file_path)
        for note in report.notes:
            _logger.warning(note)
        for problem in report.problems:
            _logger.warning(problem)
        self._origins = {id(entry.config): (entry.config, entry.describe_sources()) for entry in report.entries}
        return report.exporter_configs

    def generate_export_config_with_sources(
        self,
        direct_config: Optional[DirectConfig] = None,
        config_file_path: Union[str, Path, None] = None,
    ) -> ExportConfigReport:
        """Like :meth:`generate_export_config`, but returns sources and problems instead of logging them.

        This is what ``one-logger doctor`` shows; nothing is logged and nothing is instantiated.
        """
        report = ExportConfigReport()
        report.entries = self._package_defaults(report)

        lookup = find_config_file(config_file_path)
        report.notes.extend(lookup.notes)
        report.searched = lookup.searched
        if lookup.path is not None:
            from_file = self._file_entries(lookup.path, report)
            if from_file is not None:
                report.entries = from_file
                report.config_file = lookup.path
                report.config_file_via = lookup.found_via

        if direct_config is not None:
            self._merge_direct(report, direct_config)
        return report

    def create_exporters_from_config(
        self, exporters_config: Sequence[ExporterConfig], training_telemetry_config: Optional[Any] = None
    ) -> List[Exporter]:
        """Instantiate the enabled entries, in order, with ``config`` as keyword arguments.

        Only concrete subclasses of :class:`Exporter` are instantiated (anything else is refused before it is
        called). A ``file_path`` string becomes a :class:`~pathlib.Path`. When ``training_telemetry_config``
        (a OneLoggerConfig) is given, it is passed as ``one_logger_config=`` to exporters whose constructor
        declares that parameter. An entry that cannot be imported, is refused, has arguments the class does
        not accept, or whose constructor raises is skipped with one warning naming it; the rest are built.
        """
        exporters: List[Exporter] = []
        for index, entry in enumerate(exporters_config):
            origin = self._origins.get(id(entry))
            source = f" (from {origin[1]})" if origin is not None and origin[0] is entry else ""
            try:
                exporter_config = parse_exporter_entry(entry, f"exporters_config[{index}]")
            except ExporterConfigError as e:
                _logger.warning("skipping exporter%s: %s", source, e)
                continue
            if not exporter_config.enabled:
                _logger.debug("exporter %s is disabled in the configuration", exporter_config.class_name)
                continue
            try:
                exporters.append(build_exporter(exporter_config, training_telemetry_config))
            except ExporterConfigError as e:
                _logger.warning("skipping exporter%s: %s", source, e)
        return exporters

    # -- the three sources --------------------------------------------------------------------------------

    def _package_defaults(self, report: ExportConfigReport) -> List[ResolvedExporterConfig]:
        entries: List[ResolvedExporterConfig] = []
        for entry_point in _entry_points(self.ENTRY_POINT_NAME, report.problems):
            label = _describe_entry_point(entry_point)
            report.entry_points.append(label)
            where = f"entry point {label}"
            try:
                provider = entry_point.load()
                get_default_config = getattr(provider, "get_default_config", None)
                if not callable(get_default_config):
                    raise ExporterConfigError(f"{where}: the loaded object has no get_default_config()")
                raw = get_default_config()
                exporter_config = parse_exporter_entry(raw, where)
            except ExporterConfigError as e:
                report.problems.append(f"ignoring package default: {exception_message(e)}")
                continue
            except Exception as e:
                # Installed code is trusted to run, but not to break the application that merely installed it.
                report.problems.append(f"ignoring package default from {where}: {describe_exception(e)}")
                continue
            entries.append(ResolvedExporterConfig(exporter_config, (ConfigSource("entry_point", label),)))
        return entries

    def _file_entries(self, path: Path, report: ExportConfigReport) -> Optional[List[ResolvedExporterConfig]]:
        """Entries of the config file, or None when the whole file is unusable (the defaults then stay)."""
        try:
            raw_entries = load_config_file(path)
        except ExporterConfigError as e:
            report.problems.append(
                f"ignoring exporter config file (package defaults are used instead): {exception_message(e)}"
            )
            return None
        source = ConfigSource("file", str(path))
        parsed = _parse_entries(raw_entries, f"{path}: exporters", "exporter entry", report)
        return [ResolvedExporterConfig(exporter_config, (source,)) for exporter_config in parsed]

    def _merge_direct(self, report: ExportConfigReport, direct_config: DirectConfig) -> None:
        if isinstance(direct_config, (dict, str, bytes)) or not isinstance(direct_config, Sequence):
            report.problems.append(
                "ignoring direct exporter configuration: expected a list of ExporterConfig or dicts, "
                f"got {type(direct_config).__name__}"
            )
            return
        source = ConfigSource("direct")
        for direct in _parse_entries(direct_config, "direct exporters_config", "direct exporter entry", report):
            matches = [e for e in report.entries if e.config.normalized_class_name == direct.normalized_class_name]
            if not matches:
                report.entries.append(ResolvedExporterConfig(direct, (source,)))
                continue
            for match in matches:
                merged = ExporterConfig(
                    class_name=match.config.class_name,
                    config={**match.config.config, **direct.config},
                    enabled=direct.enabled,
                )
                match.config = merged
                match.sources = (*match.sources, source)


def _parse_entries(
    raw_entries: Sequence[Any], where: str, kind: str, report: ExportConfigReport
) -> List[ExporterConfig]:
    """Parse ``raw_entries`` (``where[i]`` names entry i); a bad entry is one problem in ``report``, left out."""
    parsed: List[ExporterConfig] = []
    for index, raw in enumerate(raw_entries):
        try:
            parsed.append(parse_exporter_entry(raw, f"{where}[{index}]"))
        except ExporterConfigError as e:
            report.problems.append(f"skipping {kind}: {exception_message(e)}")
    return parsed


entry_points = importlib.metadata.entry_points
"""The entry point discovery function, looked up at call time so that a test that patches
``nv_one_logger.exporter.export_config_manager.entry_points`` (as suites written for 2.3.1 do) takes effect."""


def _entry_points(group: str, problems: Optional[List[str]] = None) -> List[Any]:
    """Entry points of ``group``, de-duplicated and sorted by name (stable order for merging and the doctor).

    When they cannot be listed at all, the cause goes to ``problems`` if given (the report the doctor shows and
    ``generate_export_config`` logs), else to one warning; either way the answer is "none".
    """
    try:
        try:
            selected: Any = entry_points(group=group)
        except TypeError:  # Python 3.9: no keyword arguments, a dict of group -> entry points
            selected = entry_points().get(group, [])
        if hasattr(selected, "select"):  # an EntryPoints collection (selecting its own group again is harmless)
            selected = selected.select(group=group)
        found = list(selected)
    except Exception as e:  # a broken installed distribution must not break start-up
        message = f"cannot list entry points of group {group}: {describe_exception(e)}"
        if problems is None:
            _logger.warning(message)
        else:
            problems.append(message)
        return []
    # One entry point per name, the first found (the distribution earliest on sys.path, whose code Python
    # imports): two installs of one package (an editable one beside a regular one, or the leftover metadata
    # of an older release naming another module) would otherwise build the same exporter twice.
    unique: Dict[str, Any] = {}
    for entry_point in found:
        kept = unique.setdefault(entry_point.name, entry_point)
        if kept is not entry_point and kept.value != entry_point.value:
            _logger.warning(
                "entry point %r of group %s is registered twice (%s and %s): using the first",
                entry_point.name,
                group,
                kept.value,
                entry_point.value,
            )
    return [unique[name] for name in sorted(unique)]


def _describe_entry_point(entry_point: Any) -> str:
    dist = getattr(entry_point, "dist", None)
    if dist is not None:
        try:
            return f"{entry_point.name!r} ({dist.metadata['Name']} {dist.version})"
        except Exception:
            pass
    return f"{entry_point.name!r} ({entry_point.value})"
