"""Deterministic ids of what a replay sends that has no OneLogger uuid to derive an id from.

Spans with a uuid get theirs from ``otel.ids`` (as the live exporter with ``deterministic_ids``); event markers,
``telemetry_data_error`` spans and the trace of a writer without any span are hashed here from what identifies
them in the files, so replaying the same files twice sends the same ids. ``uuid_of`` turns a span id written by
another writer (not a uuid) into one, deterministically.
"""

from __future__ import annotations

import hashlib
import uuid

from nv_one_logger.otel.mapping import ns_from_seconds
from nv_one_logger.records.types import TelemetryDataErrorRecord

_TDE_SALT = b"one_logger.replay.telemetry_data_error:"
_ORPHAN_TRACE_SALT = b"one_logger.replay.trace:"


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
    key = f"{pid}:{first.count}:{ns_from_seconds(first.error.seconds_since_epoch)}".encode()
    digest = hashlib.blake2b(_ORPHAN_TRACE_SALT + key, digest_size=16).digest()
    return int.from_bytes(digest, "big") or 1


def uuid_of(span_id: str) -> uuid.UUID:
    """Return the OneLogger span uuid; a non-uuid id (another writer) is hashed into one, deterministically."""
    try:
        return uuid.UUID(span_id)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"one_logger:span:{span_id}")
