"""Conversion of OneLogger attribute values into values OpenTelemetry can carry.

OTLP carries ``str``, ``bool``, 64-bit signed ``int``, ``float`` and homogeneous lists of those. OneLogger's own
attributes are already almost that, but not exactly: a Python ``int`` can exceed 64 bits (the OTLP encoder would
then fail the whole batch), and attributes reaching the bridge from other sources (replayed files, subclasses,
user code) may hold anything. The rule (docs/otel.md, "Attribute values"): a value OTel cannot carry is converted
to a string, never dropped silently, because a dropped attribute leaves no trace while a string shows what was
recorded. Conversions that lose type information are deterministic so that two runs and a replay produce the same
attributes.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Union

from nv_one_logger.core.attributes import Attribute as _Attribute
from nv_one_logger.core.internal.big_ints import int_text, replace_long_ints

OTelValue = Union[str, bool, int, float, List[str], List[bool], List[int], List[float]]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def utf8_safe(text: str) -> str:
    """Return ``text`` in a form UTF-8 can encode, as OTLP requires of every string.

    A Python ``str`` may hold lone surrogates (U+D800 to U+DFFF, e.g. from ``os.fsdecode`` of odd bytes); the OTLP
    encoder fails on them, and a failure on one span name loses the whole batch. They become their backslash
    escape, so nothing is dropped.
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _to_string(value: Any) -> str:
    """Return a faithful string form: JSON when the value is JSON-able (dicts, nested lists), else ``str()``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int_text(value)  # str() refuses ints of more than 4,300 digits: one conversion rule for all
    if isinstance(value, (dict, list, tuple)):
        value = replace_long_ints(value)
        try:
            return json.dumps(value, sort_keys=True, default=str, allow_nan=True)
        except (TypeError, ValueError, RecursionError):
            return _str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return _str(value)


def _str(value: Any) -> str:
    """``str(value)`` that never raises: a value whose ``__str__`` fails becomes a description of its type."""
    try:
        return utf8_safe(str(value))
    except Exception as error:
        return f"<{type(value).__name__}: str() failed: {type(error).__name__}>"


def _scalar(value: Any) -> Any:
    """Return the exact builtin primitive OTLP carries for ``value``, or ``None`` if there is none."""
    value_type = type(value)
    if value_type is str:
        return utf8_safe(value)
    if value_type is bool or value_type is float:
        return value
    if value_type is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return utf8_safe(str.__str__(value))  # str enum members and other subclasses: their value, not their repr
    if isinstance(value, int):
        as_int = int(value)
        return as_int if _INT64_MIN <= as_int <= _INT64_MAX else None
    if isinstance(value, float):
        return float(value)
    return None


def to_otel_value(value: Any) -> OTelValue:
    """Convert one attribute value (see the module docstring for the rules)."""
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, (list, tuple)):
        items = [_scalar(item) for item in value]
        if all(item is not None for item in items):
            kinds = {type(item) for item in items}
            if len(kinds) <= 1:
                return items
            if kinds == {int, float}:
                return [float(item) for item in items]
        return [_to_string(item) if _scalar(item) is None else str(_scalar(item)) for item in value]
    return _to_string(value)


def to_otel_attributes(attributes: Any) -> Dict[str, OTelValue]:
    """Convert a mapping of attributes; keys become plain strings (an empty key is kept as ``"<empty>"``).

    Accepts a OneLogger ``Attributes`` object (name -> ``Attribute``; snapshotted with one C-level ``dict.copy``,
    so a concurrent ``add_attribute`` on the application's thread cannot break the iteration) or a plain mapping
    of values, or None. This runs for every span and event on the export thread, so the common case (ASCII keys,
    values OTLP carries as they are) takes a single type check per entry.
    """
    if not attributes:
        return {}
    snapshot = dict.copy(attributes) if isinstance(attributes, dict) else dict(attributes)
    converted: Dict[str, OTelValue] = {}
    for key, value in snapshot.items():
        if type(value) is _Attribute:
            value = value.value
        value_type = type(value)
        if value_type is str:
            if not value.isascii():
                value = utf8_safe(value)
        elif value_type is int:
            if not _INT64_MIN <= value <= _INT64_MAX:
                value = to_otel_value(value)
        elif value_type is not float and value_type is not bool:
            if isinstance(value, _Attribute):  # a subclass of Attribute
                value = value.value
            value = to_otel_value(value)
        if type(key) is not str or not key or not key.isascii():
            key = utf8_safe(str(key)) or "<empty>"
        converted[key] = value
    return converted


def owned_to_otel_attributes(values: Dict[str, Any]) -> Dict[str, OTelValue]:
    """Convert a fresh ``{name: value}`` dict that the caller owns, in place, and return it.

    Same rules as ``to_otel_attributes``, for the dicts that ``Event.attributes_json()`` and
    ``Span.attributes_json()`` return (plain values, a new dict per call): the export thread then builds no second
    dict and no ``Attribute`` objects. A key that is not a plain non-empty ASCII string hands the dict to
    ``to_otel_attributes`` (which rebuilds it); the conversions are idempotent, so values converted before that
    key are unchanged by the second pass.
    """
    for key, value in values.items():
        if type(key) is not str or not key or not key.isascii():
            return to_otel_attributes(values)
        value_type = type(value)
        if value_type is str:
            if not value.isascii():
                values[key] = utf8_safe(value)
        elif value_type is int:
            if not _INT64_MIN <= value <= _INT64_MAX:
                values[key] = to_otel_value(value)
        elif value_type is not float and value_type is not bool:
            values[key] = to_otel_value(value.value if isinstance(value, _Attribute) else value)
    return values
