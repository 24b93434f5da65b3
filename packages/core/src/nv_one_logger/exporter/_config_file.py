"""Finding and reading the exporter configuration file (JSON always, YAML with the ``yaml`` extra).

Internal to :mod:`nv_one_logger.exporter.export_config_manager`. Every failure is an
:class:`~nv_one_logger.exporter.exporter_config.ExporterConfigError` whose message names the file (and the
line for syntax errors), because a message without a location makes a broken config file a guessing game.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Union

from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.exporter._config_bounds import check_json_depth, check_yaml_shape, too_deep
from nv_one_logger.exporter.exporter_config import ExporterConfigError

#: Environment variable naming the config file when no explicit path is given.
CONFIG_PATH_ENV_VAR = "ONE_LOGGER_EXPORTER_CONFIG_PATH"

#: File names looked for in the working directory, in this order.
DEFAULT_FILE_NAMES = (
    "one_logger_exporters_config.yaml",
    "one_logger_exporters_config.yml",
    "one_logger_exporters_config.json",
)

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class ConfigFileLookup:
    """The outcome of the config file search.

    ``path`` is the file to use (None when there is none), ``found_via`` says which lookup step found it, and
    ``notes`` lists the lookup steps that pointed at a file which does not exist (worth a warning: a typo in
    the path would otherwise fall through silently to a different configuration).
    """

    path: Optional[Path] = None
    found_via: str = ""
    notes: List[str] = field(default_factory=list)
    searched: List[str] = field(default_factory=list)


def find_config_file(config_file_path: Union[str, Path, None] = None) -> ConfigFileLookup:
    """Look for the config file: the explicit path, then ``$ONE_LOGGER_EXPORTER_CONFIG_PATH``, then the cwd."""
    lookup = ConfigFileLookup()
    # The steps that name one file: a file they name that does not exist is worth a note (a typo would
    # otherwise fall through silently to another configuration).
    named = (
        (
            "" if config_file_path is None else os.fspath(config_file_path),
            "config_file_path",
            "config_file_path argument",
        ),
        (os.environ.get(CONFIG_PATH_ENV_VAR, ""), f"${CONFIG_PATH_ENV_VAR}", f"${CONFIG_PATH_ENV_VAR}"),
    )
    for value, label, found_via in named:
        if not value:
            continue
        path = Path(value).expanduser()
        lookup.searched.append(f"{path} ({label})")
        if path.is_file():
            lookup.path, lookup.found_via = path, found_via
            return lookup
        lookup.notes.append(f"exporter config file {path} ({label}) does not exist; looking further")
    cwd = Path.cwd()
    for name in DEFAULT_FILE_NAMES:
        candidate = cwd / name
        lookup.searched.append(str(candidate))
        if candidate.is_file():
            lookup.path, lookup.found_via = candidate, "working directory"
            return lookup
    return lookup


def load_config_file(path: Path) -> List[Any]:
    """Read ``path`` and return its raw ``exporters`` list (entries are validated by the caller).

    Raises:
        ExporterConfigError: the file cannot be read, has a syntax error (file and line named), is YAML while
            PyYAML is missing, or lacks a list under the ``exporters`` key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ExporterConfigError(f"cannot read exporter config file {path}: {exception_message(e)}") from e
    document = _parse_yaml(path, text) if _is_yaml(path, text) else _parse_json(path, text)
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise ExporterConfigError(
            f"exporter config file {path}: the top level must be a mapping with an 'exporters' key, but it is {kind}"
        )
    if "exporters" not in document:
        raise ExporterConfigError(
            f"exporter config file {path} has no 'exporters' key; expected "
            '{"exporters": [{"class_name": "...", "config": {...}, "enabled": true}]}'
        )
    exporters = document["exporters"]
    if exporters is None:
        return []
    if not isinstance(exporters, list):
        raise ExporterConfigError(
            f"exporter config file {path}: 'exporters' must be a list of entries, got {type(exporters).__name__}"
        )
    return exporters


def _is_yaml(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return True
    if suffix == ".json":
        return False
    # Unknown suffix (e.g. a path from the environment without one): JSON documents start with "{".
    return not text.lstrip().startswith("{")


def _parse_json(path: Path, text: str) -> Any:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExporterConfigError(f"{path}:{e.lineno}:{e.colno}: invalid JSON in exporter config file: {e.msg}") from e
    except RecursionError:
        raise too_deep(path) from None
    check_json_depth(path, document)
    return document


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        import yaml
    except ImportError as e:
        raise ExporterConfigError(
            f"exporter config file {path} is YAML, but PyYAML is not installed; install it with "
            "`pip install 'nv-one-logger-core[yaml]'` or use a .json config file"
        ) from e
    try:
        check_yaml_shape(path, text)  # depth and alias expansion first: safe_load would build either
        # safe_load only builds plain data (no python/object tags), so a config file cannot run code.
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        location = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = " ".join(part for part in (e.context, e.problem) if part) or "syntax error"
        raise ExporterConfigError(f"{location}: invalid YAML in exporter config file: {problem}") from e
    except yaml.YAMLError as e:
        raise ExporterConfigError(f"{path}: invalid YAML in exporter config file: {exception_message(e)}") from e
