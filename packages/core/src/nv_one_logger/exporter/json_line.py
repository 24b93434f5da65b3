r"""Encode records (or pieces of them) as one compact, ASCII-only JSON line, fast.

This is the encoding of the FileExporter's lines, and of every ``BaseJsonExporter`` subclass that takes lines
instead of dicts (``_write_line``): compact separators, non-ASCII text as ``\uXXXX`` escapes, and NaN/infinite
floats as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (standard JSON has no tokens for them).

Why not just ``json.JSONEncoder.encode`` of a whole record dict: for the small records of the hot path its fixed
costs dominate (every ``encode()`` builds a new C encoder object), and the record has to be built as nested dicts
first. Here one C encoder is built once and reused, and records are assembled from pieces (the span id and name
encoded once per span, events formatted directly). Output is byte-identical to
``JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode(value)`` whenever that succeeds;
non-finite floats become strings where it would fail. Most of what is left is ``float.__repr__`` of the four
timestamps of a span (~0.5 us each), which is what keeps every float exact.
"""

from __future__ import annotations

import json
import json.encoder
import math
from typing import Any, Callable, Dict

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.internal.big_ints import replace_long_ints
from nv_one_logger.core.span import Span

encode_str: Callable[[str], str] = json.encoder.encode_basestring_ascii
"""``str`` -> quoted, escaped, ASCII-only JSON string (the ``json`` module's C escaper)."""

_reference_encode = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode
_float_repr = float.__repr__
# Event classes whose to_json() is Event.to_json (the line of any other class goes through its own to_json()).
_PLAIN_EVENT_TYPES = frozenset((Event, ErrorEvent, TelemetryDataError))


def _make_encode() -> Callable[[Any], str]:
    """One reusable C encoder (no circular check: records are trees); ``JSONEncoder.encode`` where unavailable."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is not None:
        try:
            iterencode = make(None, None, encode_str, None, ":", ",", False, False, False)
            sample = {"a": [1, 2.5, True, None, "\u00e9"], "b": {}}
            if "".join(iterencode(sample, 0)) == _reference_encode(sample):

                def encode(value: Any) -> str:
                    return "".join(iterencode(value, 0))

                return encode
        except Exception:  # another interpreter's private API: use the public one
            pass
    return _reference_encode


_encode = _make_encode()


def non_finite_to_str(value: Any) -> Any:
    """Return ``value`` with every NaN/infinite float (also nested in dicts and lists) replaced by its string."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: non_finite_to_str(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [non_finite_to_str(item) for item in value]
    return value


def encode_value(value: Any) -> str:
    """Encode any JSON value (see the module docstring). TypeError/RecursionError for values JSON cannot carry.

    Besides non-finite floats, an int too long for ``str()`` (``core.internal.big_ints``) becomes a string
    instead of failing the record.
    """
    try:
        return _encode(value)
    except ValueError:  # NaN or an infinity somewhere, or an int str() refuses: neither has a JSON token
        return _encode(replace_long_ints(non_finite_to_str(value)))


def span_id_str(span: Span) -> str:
    """``str(span.id)``, without building the UUID (the span caches the string)."""
    return span.id_str


def span_attributes_json(span: Span) -> Dict[str, Any]:
    """``span.attributes.to_json()``, without building ``Attribute`` objects."""
    return span.attributes_json()


def event_json(event: Event) -> Dict[str, Any]:
    """Return the ``event`` object of a record: ``{"name", "timestamp", "attributes"}``.

    For the library's own event classes this is ``Event.to_json`` itself: the top-level copies of the error
    fields that ``ErrorEvent.to_json()`` and ``TelemetryDataError.to_json()`` add (kept for programs written
    against 2.3.1) would only repeat attributes in every record. A user subclass's own ``to_json`` is used.
    """
    return Event.to_json(event) if type(event) in _PLAIN_EVENT_TYPES else event.to_json()


def encode_event(event: Event) -> str:
    """Encode :func:`event_json`, formatting the library's own events directly."""
    data = event_json(event)
    if type(event) in _PLAIN_EVENT_TYPES and len(data) == 3:
        timestamp = data["timestamp"]
        wall = timestamp["seconds_since_epoch"]
        perf = timestamp["perf_counter_seconds"]
        if type(wall) is float and type(perf) is float and wall - wall == 0.0 and perf - perf == 0.0:
            return (
                f'{{"name":{encode_str(data["name"])},"timestamp":{{"seconds_since_epoch":{_float_repr(wall)},'
                f'"perf_counter_seconds":{_float_repr(perf)}}},"attributes":{encode_value(data["attributes"])}}}'
            )
    return encode_value(data)
