"""Exporter classes (and non-exporters) that the config tests name in configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Optional

from nv_one_logger.exporter.exporter import Exporter

#: Prefix for class_name values in the tests.
SUPPORT = __name__

# Records every call of something that must never be called from configuration.
FORBIDDEN_CALLS: List[str] = []


class _NoOpExporter(Exporter):
    def initialize(self) -> None:
        pass

    def export_start(self, span: Any) -> None:
        pass

    def export_stop(self, span: Any) -> None:
        pass

    def export_event(self, event: Any, span: Any) -> None:
        pass

    def export_error(self, event: Any, span: Any) -> None:
        pass

    def export_telemetry_data_error(self, error: Any) -> None:
        pass

    def close(self) -> None:
        pass


class RecordingExporter(_NoOpExporter):
    """Remembers its constructor arguments; declares one_logger_config so it receives the app config."""

    def __init__(self, label: str = "", file_path: Optional[Path] = None, one_logger_config: Any = None) -> None:
        self.label = label
        self.file_path = file_path
        self.one_logger_config = one_logger_config


class PlainExporter(_NoOpExporter):
    """Does not declare one_logger_config: it must not be passed one."""

    def __init__(self, label: str = "") -> None:
        self.label = label


class KwargsExporter(_NoOpExporter):
    """Accepts any keyword argument (so unknown keys are not an error for it)."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


class NeedsEndpointExporter(_NoOpExporter):
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint


class RaisingExporter(_NoOpExporter):
    def __init__(self, label: str = "") -> None:
        raise RuntimeError(f"cannot start exporter {label}")


class AbstractExporter(Exporter):
    """Still abstract: it implements nothing."""


class Outer:
    class NestedExporter(_NoOpExporter):
        pass


class NotAnExporter:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        FORBIDDEN_CALLS.append("NotAnExporter")


def not_an_exporter_function(*args: Any, **kwargs: Any) -> None:
    FORBIDDEN_CALLS.append("not_an_exporter_function")


class JsonLinesTestExporter(_NoOpExporter):
    """Appends one JSON line per export call to ``file_path``: lets an end-to-end test see what arrived."""

    def __init__(self, file_path: Path, one_logger_config: Any = None) -> None:
        self.file_path = Path(file_path)
        self.application_name = getattr(one_logger_config, "application_name", None)

    def _write(self, record: dict) -> None:
        with self.file_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def initialize(self) -> None:
        self._write({"type": "initialize", "application_name": self.application_name})

    def export_start(self, span: Any) -> None:
        self._write({"type": "start", "name": span.name_str})

    def export_stop(self, span: Any) -> None:
        self._write({"type": "stop", "name": span.name_str})

    def export_event(self, event: Any, span: Any) -> None:
        self._write({"type": "event", "name": event.name_str, "span": span.name_str})

    def close(self) -> None:
        self._write({"type": "close"})


class PluginDefaults:
    """What a sibling distribution registers in the nv_one_logger.exporter_configs entry point group."""

    @staticmethod
    def get_default_config() -> dict:
        return {
            "class_name": "tests.support.config_exporters.RecordingExporter",
            "config": {"label": "from-entry-point", "file_path": "ep.jsonl"},
            "enabled": True,
        }


class SecondPluginDefaults:
    @staticmethod
    def get_default_config() -> dict:
        return {"class_name": "tests.support.config_exporters.PlainExporter", "config": {}, "enabled": False}


class RaisingPluginDefaults:
    @staticmethod
    def get_default_config() -> dict:
        raise RuntimeError("plugin defaults exploded")


class WrongShapePluginDefaults:
    @staticmethod
    def get_default_config() -> Any:
        return ["not", "a", "mapping"]


class NoMethodPluginDefaults:
    pass
