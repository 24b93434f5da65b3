"""Drive a FileExporter with real spans and events, the way a recorder would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.records import IdentityRecord, read_records


def exercise(exporter: FileExporter, iterations: int = 3) -> Span:
    """application > N iterations (each with one event) + an error + a telemetry data error."""
    app = Span.create("application")
    exporter.export_start(app)
    for i in range(iterations):
        it = Span.create("training_iteration", parent_span=app)
        exporter.export_start(it)
        exporter.export_event(Event.create("loss", {"value": 1.0 / (i + 1)}), it)
        it.stop()
        exporter.export_stop(it)
    exporter.export_error(ErrorEvent.create("handled problem", ValueError("bad batch")), app)
    exporter.export_telemetry_data_error(
        TelemetryDataError.create(TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "lost a few")
    )
    app.stop()
    exporter.export_stop(app)
    return app


def json_lines(path: Path, identity: bool = False) -> List[Any]:
    """Parse every line as strict JSON (NaN/Infinity tokens are refused); the identity header only if asked."""

    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token}")

    lines = [json.loads(line, parse_constant=refuse) for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if identity or line.get("type") != "identity"]


def telemetry_records(path: Path, **kwargs: Any) -> List[Any]:
    """``read_records(path)`` without the identity header records."""
    return [r for r in read_records(path, **kwargs) if not isinstance(r, IdentityRecord)]
