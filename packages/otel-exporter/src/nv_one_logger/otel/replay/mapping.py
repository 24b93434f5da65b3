"""Recorded data to OTel data for a replay: events (through ``mapping.py``) and ids of spans without a uuid.

Kept apart from ``replay.plan`` (which decides the traces, parents and end times) because these are the rules that
must stay identical to the live exporter's: timestamps in nanoseconds rounded as ``mapping.timestamp_ns`` rounds
them, errors mapped by ``mapping.event_data``, ids from ``ids.py``.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Dict

from nv_one_logger.core.event import ErrorEvent
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.otel.attributes import to_otel_attributes
from nv_one_logger.otel.mapping import (
    ATTR_ERROR_MESSAGE,
    EVENT_TIMESTAMP_MSEC,
    EXCEPTION_EVENT_NAME,
    OTelEventData,
    event_data,
)
from nv_one_logger.records.types import RecordedEvent, TelemetryDataErrorRecord

_TDE_SALT = b"one_logger.replay.telemetry_data_error:"
_ORPHAN_TRACE_SALT = b"one_logger.replay.trace:"


def ns_of(seconds: float) -> int:
    """Nanoseconds since the epoch, rounded exactly as ``mapping.timestamp_ns`` rounds live timestamps."""
    return round(seconds * 1e9)


def event_json(event: RecordedEvent) -> Dict[str, Any]:
    """Return the ``Event.to_json()`` form of a recorded event (a missing perf counter becomes 0)."""
    perf = event.perf_counter_seconds if event.perf_counter_seconds is not None else 0.0
    return {
        "name": event.name,
        "timestamp": {"seconds_since_epoch": event.seconds_since_epoch, "perf_counter_seconds": perf},
        "attributes": event.attributes,
    }


def map_recorded_event(event: RecordedEvent, is_error: bool = False, legacy_fields: bool = False) -> OTelEventData:
    """Map a recorded event exactly as the live exporter maps the ``Event`` it was written from.

    Errors go through the core ``ErrorEvent`` and ``mapping.event_data`` (the ``exception`` event rules live
    there). A plain event maps to its name, time and attributes, ``timestamp_msec`` included -- what
    ``event_data`` produces for an ``Event`` -- computed directly, because building a core ``Event`` per record
    (attribute validation) would triple the cost of replaying a long file. An event whose attributes the core model
    refuses (a hand-edited file, another writer) is still sent, with its attributes converted by the OTel
    attribute rules (never dropped).
    """
    time_ns = ns_of(event.seconds_since_epoch)
    if not is_error:
        attributes = dict(event.attributes)
        if legacy_fields:
            attributes[EVENT_TIMESTAMP_MSEC] = round(event.seconds_since_epoch * 1000)  # as the Event constructor
        else:
            attributes.pop(EVENT_TIMESTAMP_MSEC, None)
        return OTelEventData(event.name, time_ns, to_otel_attributes(attributes))
    try:
        data = event_data(ErrorEvent.from_json(event_json(event)))
        if legacy_fields or EVENT_TIMESTAMP_MSEC not in data.attributes:
            return data
        kept = {k: v for k, v in data.attributes.items() if k != EVENT_TIMESTAMP_MSEC}
        return OTelEventData(data.name, data.time_ns, kept)
    except OneLoggerError:
        mapped = to_otel_attributes(event.attributes)
        if not legacy_fields:
            mapped.pop(EVENT_TIMESTAMP_MSEC, None)
        mapped[ATTR_ERROR_MESSAGE] = str(event.attributes.get("error_message", ""))
        return OTelEventData(EXCEPTION_EVENT_NAME, time_ns, mapped)


def marker_span_id(span_uuid: str, index: int) -> int:
    """Deterministic span id of the event marker that carries a span's events from ``index`` on (replay only)."""
    data = f"one_logger.replay.marker:{span_uuid}:{index}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") or 1


def telemetry_data_error_span_id(trace_id: int, time_ns: int, error_type: str, message: str) -> int:
    """Deterministic span id of a ``telemetry_data_error`` span (which has no OneLogger uuid to derive it from).

    Built only from what the live exporter also knows when it reports the error (its trace, the error's time,
    type and message), so the live exporter could derive the same id; today it uses random ids for these spans.
    """
    key = f"{time_ns}:{error_type}:{message}".encode("utf-8", "backslashreplace")
    digest = hashlib.blake2b(_TDE_SALT + trace_id.to_bytes(16, "big") + key, digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


def orphan_trace_id(pid: int, first: TelemetryDataErrorRecord) -> int:
    """Return the trace id of a pid that has telemetry data errors but no span at all (stable across replays)."""
    key = f"{pid}:{first.count}:{ns_of(first.error.seconds_since_epoch)}".encode()
    digest = hashlib.blake2b(_ORPHAN_TRACE_SALT + key, digest_size=16).digest()
    return int.from_bytes(digest, "big") or 1


def uuid_of(span_id: str) -> uuid.UUID:
    """Return the OneLogger span uuid; a non-uuid id (another writer) is hashed into one, deterministically."""
    try:
        return uuid.UUID(span_id)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"one_logger:span:{span_id}")
