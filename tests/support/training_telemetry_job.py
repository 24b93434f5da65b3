"""Helpers for driving the 2.3.1 training-telemetry library as a training script does.

``configure`` sets the provider up with the builder calls of the library's README; ``FakeClock`` is what test
suites patch ``time.time`` / ``time.perf_counter`` with; ``read_spans`` rebuilds the spans of a FileExporter
file with the core's record reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

from nv_one_logger.training_telemetry.api.config import TrainingTelemetryConfig
from nv_one_logger.training_telemetry.api.training_telemetry_provider import TrainingTelemetryProvider

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.recorder.default_recorder import ExportCustomizationMode
from nv_one_logger.records import RebuiltSpan, read_records, rebuild_spans

WALL_START = 1_790_000_000.0
PERF_START = 1_000.0


class FakeClock:
    """A wall clock and a perf counter that move only when the "training code" says so."""

    def __init__(self) -> None:
        self.wall = WALL_START
        self.perf = PERF_START

    def time(self) -> float:
        return self.wall

    def perf_counter(self) -> float:
        return self.perf

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.perf += seconds


def configure(
    exporters: List[Exporter],
    span_blacklist: Optional[List[str]] = None,
    world_size: int = 2,
    config_fields: Optional[Dict[str, Any]] = None,
    **training: Any,
) -> None:
    """Configure TrainingTelemetryProvider with ``exporters`` (the library's builder API).

    ``span_blacklist`` replaces the library's default export blacklist (which leaves out single iterations).
    """
    telemetry: Dict[str, Any] = {"perf_tag_or_fn": "compat-perf", "global_batch_size_or_fn": 8}
    telemetry.update(training)
    config = OneLoggerConfig(
        application_name="compat-train",
        world_size_or_fn=world_size,
        session_tag_or_fn="compat-session",
        telemetry_config=TrainingTelemetryConfig(**telemetry),
        **(config_fields or {}),
    )
    provider = TrainingTelemetryProvider.instance().with_base_config(config)
    for exporter in exporters:
        provider = provider.with_exporter(exporter)
    if span_blacklist is not None:
        provider = provider.with_export_customization(ExportCustomizationMode.BLACKLIST_SPANS, span_blacklist)
    provider.configure_provider()


def read_spans(path: Path) -> Dict[str, List[RebuiltSpan]]:
    """The spans of a record file by name, each list in start order."""
    by_name: Dict[str, List[RebuiltSpan]] = {}
    for span in rebuild_spans(read_records(path, strict=True)):
        by_name.setdefault(span.name, []).append(span)
    return by_name


def events_named(span: RebuiltSpan, name: str) -> List[Dict[str, Any]]:
    """Attributes of the events called ``name`` recorded on ``span``, in order."""
    return [event.attributes for event in span.events if event.name == name]


def only(spans: Dict[str, List[RebuiltSpan]], name: str, parent: Optional[RebuiltSpan] = None) -> RebuiltSpan:
    """The single span called ``name`` (and, if given, child of ``parent``)."""
    (span,) = spans[name]
    if parent is not None:
        assert span.parent_id == parent.id, f"{name} should be a child of {parent.name}"
    return span
