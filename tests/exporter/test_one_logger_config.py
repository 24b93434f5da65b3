"""How the OneLoggerConfig reaches an exporter: its constructor, and nothing else (see ``exporter.Exporter``).

An exporter built by the configuration system gets it injected; one built in code gets it passed, or, given
None, uses what ``configure_one_logger`` installs later, through ``BaseExporter.current_one_logger_config``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import List

from nv_one_logger.api.timed_span import configure_one_logger
from nv_one_logger.exporter._exporter_factory import build_exporter
from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter, JsonRecord
from nv_one_logger.exporter.exporter_config import ExporterConfig
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from tests.support.config import make_config
from tests.support.exporter_calls import export_complete_span

PACKAGES = Path(__file__).resolve().parents[2] / "packages"


class Records(BaseJsonExporter):
    """A dict writer without its own constructor: it takes BaseJsonExporter's arguments."""

    def _write(self, json_dict: JsonRecord) -> None:
        self.records: List[JsonRecord] = getattr(self, "records", [])
        self.records.append(json_dict)


def one_span(exporter: BaseJsonExporter) -> None:
    export_complete_span(exporter, "step")


def test_an_exporter_built_in_code_uses_the_configuration_installed_after_it() -> None:
    exporter = Records()
    assert exporter.current_one_logger_config() is None  # nothing configured yet
    config = make_config(name="installed-later")
    configure_one_logger(config, DefaultRecorder([exporter]))
    assert exporter.current_one_logger_config() is config
    one_span(exporter)
    assert exporter.records[0]["type"] == "identity" and exporter.records[0]["application"] == "installed-later"


def test_a_configuration_given_to_the_constructor_wins_over_the_installed_one() -> None:
    given = make_config(name="given")
    exporter = Records(one_logger_config=given)
    configure_one_logger(make_config(name="installed"), DefaultRecorder([exporter]))
    assert exporter.current_one_logger_config() is given
    one_span(exporter)
    assert exporter.records[0]["application"] == "given"


def test_the_configuration_system_injects_it_into_every_constructor_that_declares_it(tmp_path: Path) -> None:
    config = make_config(name="injected", session_tag_or_fn="tag-7")
    records = build_exporter(ExporterConfig(f"{__name__}.Records"), config)
    assert records.current_one_logger_config() is config  # type: ignore[attr-defined]
    file_config = ExporterConfig(
        "nv_one_logger.exporter.file_exporter.FileExporter", {"file_path": str(tmp_path / "{session_tag}.jsonl")}
    )
    exporter = build_exporter(file_config, config)
    assert isinstance(exporter, FileExporter) and exporter.file_path == tmp_path / "tag-7.jsonl"
    exporter.initialize()
    one_span(exporter)
    exporter.close()
    identity = json.loads((tmp_path / "tag-7.jsonl").read_text().splitlines()[0])
    assert (identity["application"], identity["session_tag"]) == ("injected", "tag-7")


def test_no_exporter_module_looks_the_configuration_up_itself() -> None:
    """The provider is read for exporters in one place only (``core.identity.provider_config``, reached through
    ``BaseExporter.current_one_logger_config``), never by an exporter module."""
    exporter_sources = [
        *(PACKAGES / "core/src/nv_one_logger/exporter").glob("*.py"),
        *(PACKAGES / "file-exporter/src/nv_one_logger/exporter").glob("*.py"),
        *(PACKAGES / "otel-exporter/src/nv_one_logger/otel").rglob("*.py"),
    ]
    readers = sorted(
        str(path.relative_to(PACKAGES))
        for path in exporter_sources
        if re.search(r"\bOneLoggerProvider\b|one_logger_provider", path.read_text(encoding="utf-8"))
    )
    assert readers == []
    assert "provider_config()" in (PACKAGES / "core/src/nv_one_logger/exporter/exporter.py").read_text("utf-8")
