r"""The JSON record schema, and its encoding as one compact, ASCII-only JSON line, fast.

**The schema.** Every record exporters write is one of the :class:`RecordShape` constants below (``START``,
``STOP``, ``COMPLETE``, ``EVENT``, ``APPLICATION_ERROR``, ``TELEMETRY_DATA_ERROR``) or the ``identity`` header:
``type``, ``count`` and ``pid`` first, then the shape's fields in its order. A shape renders the same values
either as a dict (for exporters that take dicts, ``BaseJsonExporter._write``) or as one line of JSON (for line
writers such as the FileExporter, ``_write_line``), so the two forms cannot drift apart: the field names and
their order exist only here. docs/record-format.md describes the fields for readers.

**The encoding** of lines: compact separators, non-ASCII text as ``\uXXXX`` escapes, and NaN/infinite floats as
the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (standard JSON has no tokens for them).

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
from typing import Any, Callable, Dict, Optional, Tuple, Union

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.identity import IDENTITY_RECORD_TYPE
from nv_one_logger.core.internal.big_ints import replace_long_ints
from nv_one_logger.core.span import Span

JsonRecord = Dict[str, Any]
"""One record: a dict of plain JSON types (str, int, float, bool, None, list, dict)."""

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


# -- the record schema --------------------------------------------------------------------------------------

FieldValue = Union[str, JsonRecord, None]
"""A field of a record: in a line, its JSON text (None: an optional field left out); in a dict, its value."""

LineRenderer = Callable[[int, int, Tuple[Optional[str], ...]], str]
"""``line(count, pid, values)`` of a :class:`RecordShape`."""
DictRenderer = Callable[[int, int, Tuple[FieldValue, ...]], JsonRecord]
"""``record(count, pid, values)`` of a :class:`RecordShape`."""


def _compile(record_type: str, fields: Tuple[str, ...], optional: Optional[str]) -> Tuple[LineRenderer, DictRenderer]:
    """Compile ``line(count, pid, values)`` and ``record(count, pid, values)`` for one record shape.

    Both are generated from the field list (as ``collections.namedtuple`` and ``dataclasses`` generate their
    methods), so the layout is written only once, in the shape. Why generate: they run for every record, and an
    f-string (a dict display) is about four times faster than filling a template with ``%`` or ``str.format``
    (which parse it on every call), or than a loop over the fields. Only identifiers are put into the source.
    """
    for name in (record_type, *fields):
        if not name.isidentifier():
            raise ValueError(f"record type and field names must be identifiers, got {name!r}")
    variables = [f"v{index}" for index in range(len(fields))]

    def line(left_out: Optional[str]) -> str:
        parts = [f'"{name}":{{{variable}}}' for name, variable in zip(fields, variables) if name != left_out]
        return 'f\'{{"type":"' + record_type + '","count":{count},"pid":{pid},' + ",".join(parts) + "}}'"

    def record(left_out: Optional[str]) -> str:
        parts = [f"{name!r}: {variable}" for name, variable in zip(fields, variables) if name != left_out]
        return f"{{'type': {record_type!r}, 'count': count, 'pid': pid, {', '.join(parts)}}}"

    unpack = f"    {', '.join(variables)}, = values\n"
    source = []
    for function, layout in (("line", line), ("record", record)):
        source.append(f"def {function}(count, pid, values):\n{unpack}")
        if optional is not None:
            source.append(f"    if {variables[fields.index(optional)]} is None:\n        return {layout(optional)}\n")
        source.append(f"    return {layout(None)}\n")
    namespace: Dict[str, Any] = {}
    exec("".join(source), namespace)  # the source holds only identifiers (checked above)
    return namespace["line"], namespace["record"]


class RecordShape:
    """One record type: its ``type`` and its fields, in order (after ``type``, ``count`` and ``pid``).

    ``optional`` names the one field that is left out when its value is None (``attributes``: spans without
    attributes have no such key). Every other None is a value (``"parent_id": null``).
    """

    __slots__ = ("fields", "line", "optional", "record", "type")

    def __init__(self, record_type: str, *fields: str, optional: Optional[str] = None) -> None:
        self.type = record_type
        self.fields: Tuple[str, ...] = fields
        self.optional = optional
        self.line: LineRenderer
        """``line(count, pid, values)``: the record as one line, from the JSON text of each field."""
        self.record: DictRenderer
        """``record(count, pid, values)``: the record as a dict, from the value of each field."""
        self.line, self.record = _compile(record_type, fields, optional)

    def __repr__(self) -> str:
        return f"RecordShape({self.type!r}, {', '.join(self.fields)})"


START = RecordShape("start", "id", "name", "parent_id", "attributes", "start_event", optional="attributes")
"""A span started (``attributes``: the ones it was created with)."""
STOP = RecordShape("stop", "id", "name", "attributes", "stop_event", optional="attributes")
"""A span stopped (``attributes``: its final ones, including ``duration_msec``)."""
COMPLETE = RecordShape(
    "complete", "id", "name", "parent_id", "attributes", "start_event", "stop_event", optional="attributes"
)
"""A span with no other record between its start and its stop, written once at its stop (final attributes)."""
EVENT = RecordShape("event", "span_id", "event")
"""An event recorded on a span."""
APPLICATION_ERROR = RecordShape("application_error", "span_id", "event")
"""An application error recorded on a span."""
TELEMETRY_DATA_ERROR = RecordShape("telemetry_data_error", "error")
"""The telemetry of the run is incomplete or missing."""


IDENTITY_LINE_PREFIX = f'{{"type":"{IDENTITY_RECORD_TYPE}",'
"""How every line of an ``identity`` record starts (a line writer can tell its header from other records)."""


def identity_record(pid: int, identity: JsonRecord) -> JsonRecord:
    """Return the ``identity`` header record: its ``count`` is 0, its fields are ``JobIdentity.to_json()``."""
    return {"type": IDENTITY_RECORD_TYPE, "count": 0, "pid": pid, **identity}


def identity_line(pid: int, identity: JsonRecord) -> str:
    """Return :func:`identity_record` as one line (``encode_value`` of it, without building the merged dict)."""
    return f'{IDENTITY_LINE_PREFIX}"count":0,"pid":{pid},{encode_value(identity)[1:]}'


class PendingStart:
    """A start record held back until it is known whether the span's stop comes next (``merge_start_stop``).

    ``span_id``, ``name``, ``parent_id`` and ``start_event`` are in the form of the records being written (JSON
    text for lines, values for dicts); ``attributes`` are the span's attributes at start, as values: they are
    encoded only if the start is written as ``start`` (a ``complete`` record has the final ones).
    """

    __slots__ = ("attributes", "name", "parent_id", "span", "span_id", "start_event")

    def __init__(
        self,
        span: Span,
        span_id: str,
        name: str,
        parent_id: Optional[str],
        attributes: Optional[JsonRecord],
        start_event: Union[str, JsonRecord],
    ) -> None:
        self.span = span
        self.span_id = span_id
        self.name = name
        self.parent_id = parent_id
        self.attributes = attributes
        self.start_event = start_event
