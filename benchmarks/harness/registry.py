"""Every timed row of the table: which setup builds it, which baseline it is divided by, and its target.

Setups are named as ``"module:function"`` strings and imported only inside the worker, so a row whose
package is not importable fails alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

SDK_SPAN = "sdk.span.memory"
SDK_SPAN_OTLP = "sdk.span.otlp"
SDK_EVENT = "sdk.event"
FLOOR = "floor.call"


@dataclass(frozen=True)
class Target:
    """``metric`` of the row must be <= ``ratio`` x the same metric of the row's baseline."""

    metric: str  # "wall_ns" (caller thread) or "process_cpu_ns"
    ratio: float


@dataclass(frozen=True)
class WorkloadSpec:
    name: str
    setup: str
    operation: str  # "span", "event" or "call"
    variant: str
    baseline: Optional[str]
    targets: Tuple[Target, ...] = ()
    needs_collector: bool = False


_OL = "benchmarks.workloads.onelogger"
_BASE = "benchmarks.workloads.baselines"

_SPECS: List[WorkloadSpec] = [
    WorkloadSpec(FLOOR, f"{_BASE}:floor", "call", "bare Python call (floor)", SDK_SPAN),
    WorkloadSpec(SDK_SPAN, f"{_BASE}:sdk_span_memory", "span", "raw OTel SDK, BSP+in-memory", None),
    WorkloadSpec(SDK_SPAN_OTLP, f"{_BASE}:sdk_span_otlp", "span", "raw OTel SDK, BSP+OTLP", SDK_SPAN, (), True),
    WorkloadSpec(SDK_EVENT, f"{_BASE}:sdk_event", "event", "raw OTel SDK add_event", None),
    WorkloadSpec(
        "sdk.event.otlp",
        f"{_BASE}:sdk_event_otlp",
        "event",
        "raw OTel SDK add_event, shipped by OTLP",
        SDK_EVENT,
        (),
        True,
    ),
    WorkloadSpec("ol.span.none", f"{_OL}:span_none", "span", "(a) no exporters", SDK_SPAN, (Target("wall_ns", 0.25),)),
    WorkloadSpec(
        "ol.span.disabled", f"{_OL}:span_disabled", "span", "(b) disabled rank", SDK_SPAN, (Target("wall_ns", 0.05),)
    ),
    WorkloadSpec("ol.span.logger", f"{_OL}:span_logger", "span", "(c) LoggerExporter", SDK_SPAN),
    WorkloadSpec("ol.span.file", f"{_OL}:span_file", "span", "(d) FileExporter", SDK_SPAN, (Target("wall_ns", 1.0),)),
    WorkloadSpec(
        "ol.span.otel_memory",
        f"{_OL}:span_otel_memory",
        "span",
        "(e) OTelExporter, in-memory",
        SDK_SPAN,
        (Target("wall_ns", 1.0), Target("process_cpu_ns", 1.5)),
    ),
    WorkloadSpec(
        "ol.span.otel_otlp",
        f"{_OL}:span_otel_otlp",
        "span",
        "(f) OTelExporter, OTLP",
        SDK_SPAN_OTLP,
        (Target("process_cpu_ns", 1.0),),
        True,
    ),
    WorkloadSpec("ol.event.none", f"{_OL}:event_none", "event", "(a) no exporters", SDK_EVENT),
    WorkloadSpec("ol.event.disabled", f"{_OL}:event_disabled", "event", "(b) disabled rank", SDK_EVENT),
    WorkloadSpec("ol.event.logger", f"{_OL}:event_logger", "event", "(c) LoggerExporter", SDK_EVENT),
    WorkloadSpec("ol.event.file", f"{_OL}:event_file", "event", "(d) FileExporter", SDK_EVENT),
    WorkloadSpec(
        "ol.event.otel_memory",
        f"{_OL}:event_otel_memory",
        "event",
        "(e) OTelExporter, in-memory",
        SDK_EVENT,
        (Target("wall_ns", 2.0),),
    ),
    WorkloadSpec(
        "ol.event.otel_otlp",
        f"{_OL}:event_otel_otlp",
        "event",
        "(f) OTelExporter, OTLP",
        SDK_EVENT,
        (Target("process_cpu_ns", 1.5),),
        True,
    ),
]

WORKLOADS: Dict[str, WorkloadSpec] = {spec.name: spec for spec in _SPECS}
ORDER: List[str] = [spec.name for spec in _SPECS]

# Targets of the rows that are not per-operation timings (each a ratio to the raw SDK measured in the same run).
THROUGHPUT_MIN_X_SDK = 1.0  # zero-loss spans/s to the collector >= 1.0x the raw SDK's
STALL_P99_MAX_X_SDK = 1.0  # caller-thread p99 of a span+event step while the exporter is saturated
TRAINING_MAX_X_SDK_OVERHEAD = 0.5  # OneLogger's overhead per training iteration <= half the raw SDK's
IMPORT_MAX_X_SDK = 1.5  # import of the API and of the CLI <= 1.5x the SDK's
IMPORT_TARGET_ROWS = ("import.timed_span", "import.cli")
