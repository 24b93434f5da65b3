"""Build record dicts in the JSON record format by hand, for reader/rebuilder/CLI tests.

The real writer is tested end to end elsewhere (tests/file); these builders let a test state exactly which
records a file holds, including inconsistent ones a real writer would never produce.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

T0 = 1_700_000_000.0
PERF0 = 1000.0


def event(name: str, at: float, attributes: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    attrs = dict(attributes or {})
    attrs.setdefault("timestamp_msec", int((T0 + at) * 1000))
    return {
        "name": name,
        "timestamp": {"seconds_since_epoch": T0 + at, "perf_counter_seconds": PERF0 + at},
        "attributes": attrs,
    }


class RecordWriter:
    """Produces records with increasing ``count`` for one pid."""

    def __init__(self, pid: int = 4242) -> None:
        self.pid = pid
        self.count = 0
        self.records: List[Dict[str, Any]] = []

    def _add(self, record: Dict[str, Any]) -> Dict[str, Any]:
        self.count += 1
        full = {"type": record.pop("type"), "count": self.count, "pid": self.pid, **record}
        self.records.append(full)
        return full

    def start(
        self, span_id: str, name: str, at: float, parent_id: Optional[str] = None, **attrs: Any
    ) -> Dict[str, Any]:
        return self._add(
            {
                "type": "start",
                "id": span_id,
                "name": name,
                "attributes": attrs,
                "start_event": event("span_start", at),
                "parent_id": parent_id,
            }
        )

    def stop(
        self, span_id: str, name: str, at: float, duration_msec: Optional[int] = None, **attrs: Any
    ) -> Dict[str, Any]:
        final = dict(attrs)
        if duration_msec is not None:
            final["duration_msec"] = duration_msec
        return self._add(
            {"type": "stop", "id": span_id, "name": name, "attributes": final, "stop_event": event("span_stop", at)}
        )

    def complete(
        self, span_id: str, name: str, start: float, stop: float, parent_id: Optional[str] = None, **attrs: Any
    ) -> Dict[str, Any]:
        final = dict(attrs)
        final["duration_msec"] = round((stop - start) * 1000)
        return self._add(
            {
                "type": "complete",
                "id": span_id,
                "name": name,
                "attributes": final,
                "start_event": event("span_start", start),
                "stop_event": event("span_stop", stop),
                "parent_id": parent_id,
            }
        )

    def event(self, span_id: str, name: str, at: float, **attrs: Any) -> Dict[str, Any]:
        return self._add({"type": "event", "span_id": span_id, "event": event(name, at, attrs)})

    def error(self, span_id: str, message: str, at: float, exception_type: str = "ValueError") -> Dict[str, Any]:
        attrs = {"error_message": message, "exception_type": exception_type, "exception_message": message}
        return self._add({"type": "application_error", "span_id": span_id, "event": event("error", at, attrs)})

    def telemetry_data_error(self, message: str, at: float, kind: str = "incomplete_telemetry_data") -> Dict[str, Any]:
        attrs = {"error_message": message, "telemetry_data_error_type": kind}
        return self._add({"type": "telemetry_data_error", "error": event("telemetry_data_error", at, attrs)})


def lines(records: Iterable[Dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def write_file(path: Path, records: Iterable[Dict[str, Any]], tail: bytes = b"") -> Path:
    path.write_bytes(lines(records) + tail)
    return path


def training_records(pid: int = 4242, prefix: str = "") -> RecordWriter:
    """A small realistic run: application > training_loop > 3 iterations (events) + checkpoint + one error.

    Span ids are ``app``, ``loop``, ``it0``..``it2``, ``ckpt``, each with ``prefix`` in front.
    """
    w = RecordWriter(pid)
    app, loop = prefix + "app", prefix + "loop"
    w.start(app, "application", 0.0)
    w.start(loop, "training_loop", 0.1, parent_id=app)
    for i in range(3):
        sid = f"{prefix}it{i}"
        t = 0.2 + i
        w.start(sid, "training_iteration", t, parent_id=loop)
        w.event(sid, "loss", t + 0.5, loss=1.0 / (i + 1))
        w.stop(sid, "training_iteration", t + 0.9, duration_msec=900)
    w.complete(prefix + "ckpt", "checkpoint_save", 3.2, 3.7, parent_id=loop)
    w.error(loop, "data loader hiccup", 3.8)
    w.stop(loop, "training_loop", 3.9, duration_msec=3800)
    w.stop(app, "application", 4.0, duration_msec=4000)
    return w
