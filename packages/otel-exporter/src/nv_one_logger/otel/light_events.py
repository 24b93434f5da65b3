"""Span events that convert and encode themselves once, from the core event's plain values, only when read.

Why: over OTLP/gRPC most of the export thread's time per event went into handling the same attribute values
four times: converting a core ``Event`` into an SDK ``Event`` (a copy of its values, the OTel conversion rules, a
``TracingTimestamp`` built only to read its float), then walking the converted values again to estimate the
request size (``request_size``), again for the attribute count limit (``trace_policy``) and again to encode them
(``otlp_encoding``). A ``LightEvent`` is built from the core event's time and its plain values (no copy, nothing
converted) and does each of those at most once:

- ``wire()`` writes the event's ``Span.Event`` field (tag, length and message) in one pass over the plain values,
  with the conversion rules of ``attributes.owned_to_otel_attributes`` applied on the way (a value those rules
  change takes the materialized path below), and keeps the bytes: ``request_size`` takes their length (exact),
  ``otlp_encoding.encode_span`` appends them;
- ``attribute_count()`` is what ``trace_policy`` compares with the count limit, without converting anything;
- ``attributes`` (what every other reader sees: the in-memory, HTTP and console exporters, ``shrink``, the
  limits, the SDK's encoder) is converted on first read, exactly as ``mapping.sdk_event`` converts it.

It *is* an SDK ``Event`` (a subclass), so a consumer that knows nothing of it gets a normal event, correct by
construction. The live translator builds light events only when the worker's span exporter encodes with
``otlp_encoding`` (the SDK's gRPC exporter), and only for events of the core ``Event`` class whose attributes
object was never read (``Event.plain_values``) and that do not set ``timestamp_msec`` themselves; everything else
(errors become ``exception`` events, subclasses may override ``attributes``) keeps ``mapping.sdk_event``.
tests/otel/test_light_events.py checks bytes and attributes against the eager path.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from opentelemetry.sdk.trace import Event as SdkEvent

from nv_one_logger.core.event import Event
from nv_one_logger.otel.attributes import OTelValue, owned_to_otel_attributes, utf8_safe
from nv_one_logger.otel.mapping import EVENT_TIMESTAMP_MSEC, ns_from_seconds, sdk_event
from nv_one_logger.otel.protobuf_wire import (
    ONE_BYTE,
    NotEncodable,
    attribute_fields,
    double,
    double_head,
    double_heads,
    encoded_keys,
    encoded_names,
    key_field,
    name_field,
    small_int_head,
    small_int_heads,
    tag_and_fixed64,
    value_field,
    varint,
)

_EVENT_HEADS = [b"\x5a" + length for length in ONE_BYTE]  # ``Span.events`` tag and a one-byte length
_FIXED64_MAX = 2**64 - 1
_NO_VALUES: Dict[str, Any] = {}  # shared by every event without attributes (never changed)
_NOT_ENCODABLE = b""  # ``_wire`` of an event only the SDK's encoder handles (a real field is never empty)


class LightEvent(SdkEvent):
    """An SDK span event holding a core event's plain values; converted and encoded on demand (module docstring)."""

    __slots__ = ("_attributes", "_msec", "_name", "_timestamp", "_values", "_wire")

    def __init__(self, name: str, timestamp: int, values: Mapping[str, Any], msec: Optional[int]) -> None:
        # The SDK's constructor is not called: it only stores name, attributes and timestamp, set here directly.
        self._name = name
        self._timestamp = timestamp
        self._values = values  # the core event's own storage (read only, never changed: ``Event.plain_values``)
        self._msec = msec  # ``timestamp_msec`` with ``legacy_fields``, else None
        self._attributes: Optional[Dict[str, OTelValue]] = None
        self._wire: Optional[bytes] = None

    @property
    def attributes(self) -> Dict[str, OTelValue]:
        """The converted attributes, built on first read: ``mapping.sdk_event``'s for the same core event."""
        attributes = self._attributes
        if attributes is None:
            values: Dict[str, Any] = dict(self._values)
            if self._msec is not None:
                values[EVENT_TIMESTAMP_MSEC] = self._msec
            # Two threads racing here build equal dicts; the first one stored is kept.
            converted = owned_to_otel_attributes(values)
            if self._attributes is None:
                self._attributes = converted
            attributes = self._attributes
        return attributes

    def attribute_count(self) -> int:
        """Return the number of attributes, without converting them.

        Exact, except for keys that UTF-8 cannot encode, whose escaped forms may coincide with another key (then
        an upper bound, which makes the count limit convert the attributes and count them exactly).
        """
        return len(self._values) + (self._msec is not None)

    def wire(self) -> Optional[bytes]:
        """Return the encoded ``Span.Event`` field of ``Span`` (tag, length, message), or None if not encodable.

        Written once, in one pass over the plain values (+ ``timestamp_msec``), and kept; the bytes are those the
        SDK's encoder writes for this event's ``attributes``. Values the core stores are ``str``, ``bool``,
        ``int``, ``float`` or a list of one of those. They are encoded as they are: the conversion leaves every
        value unchanged that UTF-8 and 64 bits can hold, and ``value_field`` refuses the others
        (``NotEncodable``), which then encode from the converted attributes. The same holds for the items of a
        list, which the core keeps of one type (the conversion changes a list only when an item needs it). A key
        is kept by the conversion unless UTF-8 cannot encode it, which ``key_field`` refuses too. Doubles and
        small ints, most event values, take a head encoded once per key.
        """
        wire = self._wire
        if wire is not None:
            return wire or None
        timestamp = self._timestamp
        if not 0 <= timestamp <= _FIXED64_MAX:  # before the epoch, or past year 2554: the SDK refuses it too
            self._wire = _NOT_ENCODABLE
            return None
        out: List[bytes] = [tag_and_fixed64(0x09, timestamp)] if timestamp else []
        name = self._name
        if name:
            out.append(encoded_names.get(name) or name_field(name))
        head = len(out)
        keys = encoded_keys
        doubles = double_heads
        small_ints = small_int_heads
        try:
            for key, value in self._values.items():
                kind = type(value)
                if kind is float:
                    out.append((doubles.get(key) or double_head(key)) + double(value))
                elif kind is int and 0 <= value < 128:
                    out.append((small_ints.get(key) or small_int_head(key)) + ONE_BYTE[value])
                else:
                    pair = (keys.get(key) or key_field(key)) + value_field(value)
                    size = len(pair)
                    out.append(b"\x1a" + (ONE_BYTE[size] if size < 128 else varint(size)) + pair)
            msec = self._msec
            if msec is not None:
                pair = key_field(EVENT_TIMESTAMP_MSEC) + value_field(msec)
                out.append(b"\x1a" + ONE_BYTE[len(pair)] + pair)  # 14 key bytes and a 64-bit int: under 128
        except NotEncodable:  # a value the conversion rules change (a lone surrogate, an int beyond 64 bits)
            del out[head:]
            try:
                attribute_fields(b"\x1a", self.attributes, out)
            except NotEncodable:  # not expected: converted attributes always encode; the SDK decides then
                self._wire = _NOT_ENCODABLE
                return None
        body = b"".join(out)
        size = len(body)
        wire = self._wire = (_EVENT_HEADS[size] if size < 128 else b"\x5a" + varint(size)) + body
        return wire


def _built_like_the_sdk_event() -> bool:
    """Tell whether a ``LightEvent`` reads as the installed SDK's ``Event`` (it skips the SDK's constructor).

    The SDK keeps an event's name, time and attributes in private fields its properties read; a release that
    stores them differently would read wrong here, so the translator then builds plain SDK events instead.
    """
    try:
        light = LightEvent("probe", 5, {"k": 1}, None)
        sdk = SdkEvent("probe", {"k": 1}, 5)
        return (light.name, light.timestamp, dict(light.attributes or {}), light.dropped_attributes) == (
            sdk.name,
            sdk.timestamp,
            dict(sdk.attributes or {}),
            sdk.dropped_attributes,
        )
    except Exception:  # any other layout
        return False


BUILT_LIKE_THE_SDK_EVENT = _built_like_the_sdk_event()
"""False when the installed SDK's ``Event`` is laid out differently: no light events then (plain SDK events)."""


def light_event(event: Event, legacy_fields: bool) -> SdkEvent:
    """Return the span event of a core ``Event`` (exactly ``type(event) is Event``): light when it can be.

    ``mapping.sdk_event`` when the event's attributes object was read (it may have been changed: it is the
    source of truth) or when the application set ``timestamp_msec`` itself (the core overwrites it in place).
    """
    values = event.plain_values()
    if values is None or EVENT_TIMESTAMP_MSEC in values:
        return sdk_event(event, legacy_fields)
    name = event.name_str
    if not name.isascii():
        name = utf8_safe(name)
    return LightEvent(
        name,
        ns_from_seconds(event.seconds_since_epoch),
        values or _NO_VALUES,  # the core's shared empty mapping is a read-only proxy, which cannot be copied
        event.timestamp_msec if legacy_fields else None,
    )
