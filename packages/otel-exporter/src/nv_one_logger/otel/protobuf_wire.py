"""The protobuf wire format of OTLP attribute values, written directly: the pieces both encoders share.

Why a module of its own: the request encoder (``otlp_encoding``) and the events that encode themselves once,
from the core event's plain values (``light_events``), must write attribute keys and values byte for byte alike,
and ``otlp_encoding`` needs to know the light events; so the wire pieces live below both.

The rules are those of the SDK's OTLP encoder, as ``otlp_encoding``'s docstring states them: tags, varints,
fixed-width numbers, length-prefixed bytes; inside ``AnyValue`` the set member of the one-of is always written.
Encoded attribute keys, short string values and event names are cached (they repeat in every span and event),
each cache bounded by ``CACHE_LIMIT`` entries. Anything not encodable exactly as the SDK would raises
``NotEncodable``.
"""

from __future__ import annotations

import struct
from typing import Any, Dict, List, Mapping, Optional

fixed64 = struct.Struct("<Q").pack
tag_and_fixed64 = struct.Struct("<BQ").pack
"""``tag_and_fixed64(tag, value)``: a one-byte tag and a ``fixed64`` in one call (event and span times)."""
fixed32 = struct.Struct("<I").pack
double = struct.Struct("<d").pack
ONE_BYTE = [bytes((n,)) for n in range(128)]
"""The one-byte varints 0..127 (``ONE_BYTE[n]``), prebuilt."""
CACHE_LIMIT = 4096  # distinct attribute keys / short string values / event names kept encoded
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_UINT32_MAX = 2**32 - 1


class NotEncodable(Exception):
    """Raised for a batch holding something only the SDK's encoder handles as the SDK does (module docstring)."""


def varint(value: int) -> bytes:
    """Encode an unsigned varint (a negative number is refused: the SDK refuses it too)."""
    if value < 128:
        if value < 0:  # the SDK refuses it (ValueError); a negative index would silently encode another number
            raise NotEncodable("a negative number in an unsigned field")
        return ONE_BYTE[value]
    out = bytearray()
    while value > 127:
        out.append((value & 127) | 128)
        value >>= 7
    out.append(value)
    return bytes(out)


def count(value: int) -> bytes:
    """Encode a ``uint32`` count (dropped attributes, events, links); out of range goes to the SDK (it refuses)."""
    if value > _UINT32_MAX:
        raise NotEncodable("a count beyond 32 bits")
    return varint(value)


def length_delimited(tag: bytes, payload: bytes) -> bytes:
    """Return a length-delimited field: tag, length, payload."""
    return tag + varint(len(payload)) + payload


def utf8(text: Any) -> bytes:
    """Return the UTF-8 bytes of a ``str`` (anything else, or a lone surrogate, is not encodable)."""
    if type(text) is not str:
        raise NotEncodable(f"a string field holds a {type(text).__name__}")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotEncodable("a string UTF-8 cannot encode") from None


encoded_keys: Dict[str, bytes] = {}
"""``KeyValue.key`` fields by key, filled by ``key_field`` (hot loops read it first: a dict lookup, no call)."""
_keys = encoded_keys
_strings: Dict[str, bytes] = {}


def key_field(key: str) -> bytes:
    """Return ``KeyValue.key`` (field 1), cached: attribute keys repeat in every span and event."""
    encoded = _keys.get(key)
    if encoded is None:
        encoded = length_delimited(b"\x0a", utf8(key)) if key else b""
        if len(_keys) < CACHE_LIMIT:
            _keys[key] = encoded
    return encoded


def _scalar(value: Any) -> bytes:
    """Return the ``AnyValue`` message of a scalar (one member of its one-of, always written)."""
    kind = type(value)
    if kind is str:
        if len(value) <= 64:
            encoded = _strings.get(value)
            if encoded is None:
                encoded = length_delimited(b"\x0a", utf8(value))
                if len(_strings) < CACHE_LIMIT:
                    _strings[value] = encoded
            return encoded
        return length_delimited(b"\x0a", utf8(value))
    if kind is bool:
        return b"\x10\x01" if value else b"\x10\x00"
    if kind is int:
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise NotEncodable("an int beyond 64 bits")
        return b"\x18" + varint(value if value >= 0 else value + (1 << 64))
    if kind is float:
        return b"\x21" + double(value)
    raise NotEncodable(f"a value of type {kind.__name__}")


def _any_value(value: Any) -> bytes:
    kind = type(value)
    if kind is list or kind is tuple:
        items = b"".join([length_delimited(b"\x0a", _scalar(item)) for item in value])
        return length_delimited(b"\x2a", items)
    return _scalar(value)


_string_values: Dict[str, bytes] = {}


_DOUBLE_VALUE = b"\x12\x09\x21"  # ``KeyValue.value``: an ``AnyValue`` of 9 bytes, ``double_value`` (fixed64)
_SMALL_INT_VALUE = b"\x12\x02\x18"  # ``KeyValue.value``: an ``AnyValue`` of 2 bytes, ``int_value`` 0..127


def value_field(value: Any) -> bytes:
    """Return ``KeyValue.value`` (field 2) holding ``value``; short strings cached (they repeat: phases, names)."""
    kind = type(value)
    if kind is float:
        return _DOUBLE_VALUE + double(value)
    if kind is str and len(value) <= 64:
        encoded = _string_values.get(value)
        if encoded is None:
            encoded = length_delimited(b"\x12", _scalar(value))
            if len(_string_values) < CACHE_LIMIT:
                _string_values[value] = encoded
        return encoded
    if kind is int and 0 <= value < 128:
        return _SMALL_INT_VALUE + ONE_BYTE[value]
    return length_delimited(b"\x12", _any_value(value))


double_heads: Dict[str, bytes] = {}
"""By key: an attribute field of a span event (tag 3) up to its 8-byte double (``double_head``)."""
small_int_heads: Dict[str, bytes] = {}
"""By key: an attribute field of a span event (tag 3) up to its one-byte int 0..127 (``small_int_head``)."""


def _event_attribute_head(heads: Dict[str, bytes], key: str, value: bytes, number_size: int) -> bytes:
    """Return ``key``'s ``Span.Event.attributes`` field up to its number, kept in ``heads`` by key.

    ``value`` is the start of the value field (the number's type and length); the caller appends the number
    itself, ``number_size`` bytes.
    """
    head = heads.get(key)
    if head is None:
        encoded_key = key_field(key)
        head = b"\x1a" + varint(len(encoded_key) + len(value) + number_size) + encoded_key + value
        if len(heads) < CACHE_LIMIT:
            heads[key] = head
    return head


def double_head(key: str) -> bytes:
    """Return a ``Span.Event.attributes`` field of ``key`` holding a double, without the double's 8 bytes.

    The field's length is fixed by the key, so all of it but the number is encoded once per key and kept (the
    loss, the learning rate: numbers are most event values).
    """
    return _event_attribute_head(double_heads, key, _DOUBLE_VALUE, 8)


def small_int_head(key: str) -> bytes:
    """Return a ``Span.Event.attributes`` field of ``key`` holding an int 0..127, without the int's one byte."""
    return _event_attribute_head(small_int_heads, key, _SMALL_INT_VALUE, 1)


def attribute_fields(tag: bytes, attributes: Optional[Mapping[str, Any]], out: List[bytes]) -> None:
    """Append one ``KeyValue`` field (``tag``) per attribute to ``out`` (the hot loop: one call per value)."""
    if not attributes:
        return
    keys = _keys
    for key, value in attributes.items():
        if type(key) is not str:
            raise NotEncodable("an attribute key that is not a str")
        encoded_key = keys.get(key)
        if encoded_key is None:
            encoded_key = key_field(key)
        pair = encoded_key + value_field(value)
        size = len(pair)
        out.append(tag)
        out.append(ONE_BYTE[size] if size < 128 else varint(size))
        out.append(pair)


encoded_names: Dict[str, bytes] = {}
"""``Span.Event.name`` fields by name, filled by ``name_field``."""


def name_field(name: str) -> bytes:
    """Return ``Span.Event.name`` (field 2) of a non-empty name, cached (event names repeat)."""
    encoded = encoded_names.get(name)
    if encoded is None:
        encoded = length_delimited(b"\x12", utf8(name))
        if len(encoded_names) < CACHE_LIMIT:
            encoded_names[name] = encoded
    return encoded
