"""Attributes: named, typed values attached to spans and events.

The allowed value types are the ones every backend (JSON, Python logging, OpenTelemetry) can carry without
guessing: ``str``, ``bool``, ``int``, ``float``, or a list whose elements all have one of those types. Checking is
exact, because ``bool`` is a subclass of ``int`` in Python but not in any telemetry backend: ``[1, True]`` is a
mixed list and ``[1, 2.0]`` is too. Subclasses of ``str``/``int``/``float`` (for example string enum members or
NumPy floats) are accepted and stored as the plain builtin value, so what is stored is always JSON-ready.

Attribute creation is on the hot path of every span and event, so validation is a few ``type(...) is`` checks
and no pydantic.

A value, name or container that is not allowed raises ``OneLoggerError`` under PROPAGATE_EXCEPTIONS; under
DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR it is left out (a lone ``Attribute`` carries its text) and reported once
(see :mod:`nv_one_logger.core.internal.bad_data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.bad_data import bad_data, safe_text

AttributeValue = Union[str, bool, int, float, List[str], List[bool], List[int], List[float]]
"""A primitive value, or a list of primitives that all have the same type."""

AttributeValues = Dict[str, AttributeValue]
"""Validated attribute values by name: how spans and events store attributes until someone reads them as
:class:`Attributes`, and what ``attributes_json()`` / ``to_json()`` return."""

_PRIMITIVE_TYPES = (str, bool, int, float)
_SCALAR_TYPES = frozenset(_PRIMITIVE_TYPES)  # exact types: a subclass (a str enum member) is normalized first
_SUPPORTED = "str, bool, int, float or a list of one of those types"


# The validators take the application's values, which can be anything (``Any``: the fast ``type(value) is``
# checks below are what make them attribute values, and mypy cannot follow checks of a stored ``type(value)``).


def _normalize_scalar(value: Any) -> Union[str, int, float]:
    """Return ``value`` as an exact builtin primitive, or raise ``TypeError`` (the caller adds context)."""
    value_type = type(value)
    if value_type is str or value_type is bool or value_type is int or value_type is float:
        return value
    # Subclasses (bool cannot be subclassed): string enum members, IntEnum members, NumPy float64, ...
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    raise TypeError(value_type.__name__)


def validate_attribute_value(name: str, value: Any) -> AttributeValue:
    """Return ``value`` normalized to an allowed attribute value, or raise ``OneLoggerError`` naming ``name``.

    Lists are copied, so later changes to the caller's list do not change the recorded attribute.
    """
    value_type = type(value)
    if value_type is str or value_type is bool or value_type is int or value_type is float:
        return value
    if isinstance(value, list):
        return _validate_list(name, value)
    try:
        return _normalize_scalar(value)
    except TypeError:
        hint = " (use a list, not a tuple)" if isinstance(value, tuple) else ""
        raise OneLoggerError(
            f"Attribute '{name}': a value of type {value_type.__name__} is not supported{hint} (expected {_SUPPORTED})."
        ) from None


def _validate_list(name: str, value: List[Any]) -> AttributeValue:  # Any: the application's list, checked here
    if not value:
        return []
    first_type = type(value[0])
    if first_type in _PRIMITIVE_TYPES:
        for element in value:
            if type(element) is not first_type:
                break
        else:
            return list(value)
    # Slow path: subclasses to normalize, a bad element, or a mix of types.
    normalized: List[Any] = []  # checked below to hold one primitive type
    for element in value:
        try:
            normalized.append(_normalize_scalar(element))
        except TypeError:
            raise OneLoggerError(
                f"All elements of a list attribute must be of primitive type. Attribute '{name}': a list element "
                f"of type {type(element).__name__} is not supported (expected {_SUPPORTED}; nested lists, None, "
                "dicts and bytes are not allowed)."
            ) from None
    first_type = type(normalized[0])
    if any(type(element) is not first_type for element in normalized):
        types = sorted({type(element).__name__ for element in normalized})
        raise OneLoggerError(
            f"Attribute '{name}': list elements must all have the same type, got a mix of {', '.join(types)}."
        )
    return normalized


def validate_attribute_name(name: object) -> str:
    """Return ``name`` if it is a non-blank string, else raise ``OneLoggerError``."""
    if type(name) is str and name and not name.isspace():
        return name
    if isinstance(name, str):
        if name.strip():
            return str.__str__(name)
        raise OneLoggerError(f"Attribute name must not be blank, got {name!r}.")
    raise OneLoggerError(f"Attribute name must be a string, got {type(name).__name__} ({name!r}).")


@dataclass(eq=False)
class Attribute:
    """One named value. Validated on construction; see the module docstring for the allowed types.

    Values compare like Python numbers (``Attribute("a", 10000) == Attribute("a", 10000.0)``: code that computes
    a figure as a float and expects the int it wrote must not see a difference), except that a bool never
    equals a number (``Attribute("a", 1) != Attribute("a", True)``): telemetry backends keep them apart.
    """

    __slots__ = ("name", "value")
    name: str
    value: AttributeValue

    def __post_init__(self) -> None:
        try:
            self.name = validate_attribute_name(self.name)
            self.value = validate_attribute_value(self.name, self.value)
        except OneLoggerError as error:
            bad_data(error, _kind(self.name))  # raises under PROPAGATE_EXCEPTIONS
            self.name = safe_text(self.name, "unnamed")
            self.value = safe_text(self.value, "")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attribute):
            return NotImplemented
        return self.name == other.name and _same_value(self.value, other.value)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a non-frozen dataclass


def _same_value(left: AttributeValue, right: AttributeValue) -> bool:
    """Python equality, except that a bool is never equal to a number (also inside lists)."""
    if (type(left) is bool) is not (type(right) is bool) or left != right:
        return False
    if type(left) is list and type(right) is list:  # equal to a list: both are lists
        return all((type(a) is bool) is (type(b) is bool) for a, b in zip(left, right))
    return True


def attribute_values(attributes: object, owner: str) -> Tuple[Optional[AttributeValues], type]:
    """Return ``(plain values, Attributes class)`` for attributes handed to a span or an event.

    This is the hot path's replacement for building an :class:`Attributes` of :class:`Attribute` objects: it
    validates a user ``dict`` exactly as :class:`Attribute` would (same errors, same normalization) but stores
    plain values, and reads the values of an :class:`Attributes` (already validated) without re-validating.
    The class is remembered so the ``Attributes`` built later, when someone reads them, keeps the subclass.
    ``None`` stands for "no attributes" so that the common case allocates nothing.

    List values are always copied (validation copies the lists of a ``dict``; the lists of an ``Attributes`` or
    an ``Attribute`` are copied here): exporters read the plain values later, on their own thread (a span's at
    its stop), and what the application changes in its own objects after the call must not reach them.
    """
    if attributes is None:
        return None, Attributes
    if type(attributes) is dict and attributes:
        # The common case first: a plain dict of str keys and scalar values, copied in one C call and checked
        # (about 0.1 us less per event than the general loop below, which anything else falls through to).
        plain: AttributeValues = attributes.copy()
        for name, value in plain.items():
            if type(name) is not str or not name or name.isspace() or type(value) not in _SCALAR_TYPES:
                break
        else:
            return plain, Attributes
    if isinstance(attributes, Attributes):
        if not attributes:
            return None, type(attributes)
        # One loop, no comprehension: as fast as the comprehension that shared the lists (Python 3.11).
        taken: AttributeValues = {}
        for name, attribute in dict.items(attributes):
            value = attribute.value
            taken[name] = value.copy() if type(value) is list else value  # the application keeps its Attributes
        return taken, type(attributes)
    if isinstance(attributes, dict):
        if not attributes:
            return None, Attributes
        values: AttributeValues = {}
        try:
            for name, value in attributes.items():
                if type(name) is not str or not name or name.isspace():
                    name = validate_attribute_name(name)
                value_type = type(value)
                if (
                    value_type is not str
                    and value_type is not int
                    and value_type is not float
                    and value_type is not bool
                ):
                    # An Attribute object as a value is allowed (``Attributes.__setitem__`` accepts it too).
                    value = (
                        _attribute_value(value)
                        if isinstance(value, Attribute)
                        else validate_attribute_value(name, value)
                    )
                values[name] = value
        except OneLoggerError:
            return _values_without_bad_entries(attributes), Attributes  # raises under PROPAGATE_EXCEPTIONS
        return values, Attributes
    bad_data(
        OneLoggerError(f"{owner} attributes must be Attributes or a dict, got {type(attributes).__name__}."),
        f"{owner} attributes of type {type(attributes).__name__}",
    )
    return None, Attributes


def _attribute_value(attribute: Attribute) -> AttributeValue:
    """Return the value of an ``Attribute`` the application passed as a dict value, a list copied (see above)."""
    value = attribute.value
    return value.copy() if type(value) is list else value


def _kind(name: object) -> str:
    """Return how bad values of attribute ``name`` are grouped when they are reported (see ``bad_data``)."""
    return f"attribute {safe_text(name, '(unnamed)')!r}"


def _values_without_bad_entries(attributes: Dict[Any, Any]) -> Optional[AttributeValues]:
    """Validate each entry on its own: the slow path of :func:`attribute_values` once a bad entry was seen."""
    values: AttributeValues = {}
    for name, value in attributes.items():
        try:
            name = validate_attribute_name(name)
            values[name] = (
                _attribute_value(value) if isinstance(value, Attribute) else validate_attribute_value(name, value)
            )
        except OneLoggerError as error:
            bad_data(error, _kind(name))  # raises under PROPAGATE_EXCEPTIONS; otherwise the entry is left out
    return values or None


def _checked_attribute(name: object, value: Any) -> Optional[Attribute]:
    """Return a validated Attribute, or None (reported) for a bad one under the quiet strategy."""
    try:
        name = validate_attribute_name(name)
        return trusted_attribute(name, validate_attribute_value(name, value))
    except OneLoggerError as error:
        bad_data(error, _kind(name))  # raises under PROPAGATE_EXCEPTIONS
        return None


def build_attributes(values: Optional[AttributeValues], cls: type) -> Attributes:
    """Build an instance of ``cls`` holding ``values`` (plain values the library already validated).

    Lists are copied: the application may change the ``Attribute`` objects it reads, while an exporter may still
    hold ``values`` (an OTel light event encodes an event's plain values later, on the export thread).
    """
    result: Attributes = cls()
    if values:
        for name, value in values.items():
            if type(value) is list:
                value = value.copy()
            dict.__setitem__(result, name, trusted_attribute(name, value))
    return result


def values_to_json(values: Optional[AttributeValues]) -> AttributeValues:
    """Return a copy of plain attribute values that the caller may change (lists are copied too)."""
    if not values:
        return {}
    result = values.copy()  # one C call: safe while another thread adds a key to ``values``
    for name, value in result.items():
        if type(value) is list:
            result[name] = value.copy()
    return result


def trusted_attribute(name: str, value: AttributeValue) -> Attribute:
    """Build an Attribute without validation, for values the library itself produced (hot path only)."""
    attribute: Attribute = object.__new__(Attribute)
    attribute.name = name
    attribute.value = value
    return attribute


_AttributesT = TypeVar("_AttributesT", bound="Attributes")


class Attributes(Dict[str, Attribute]):
    """A dictionary from attribute name to :class:`Attribute`.

    Domain libraries subclass it to offer typed constructors (``TrainingAttributes.create(...)``); every method
    that builds a new collection (``merge``, ``from_json``) returns an instance of the class it was called on, and
    spans keep the subclass of the attributes they were created with.

    Setting ``attributes[name] = value`` accepts either an :class:`Attribute` or a raw value (validated).
    """

    def __init__(self, dictionary: Optional[Mapping[str, Union[AttributeValue, Attribute]]] = None) -> None:
        # dict.__init__ is not called: the dict is already empty and this runs for every event.
        if dictionary:
            if type(dictionary) is not dict and not isinstance(dictionary, Mapping):
                raise OneLoggerError(f"Attributes must be built from a dict, got {type(dictionary).__name__}.")
            for name, value in dictionary.items():
                self[name] = value

    def __setitem__(self, name: str, value: Union[AttributeValue, Attribute]) -> None:
        attribute: Optional[Attribute]
        if isinstance(value, Attribute):
            attribute = value if value.name == name else _checked_attribute(name, value.value)
        else:
            attribute = _checked_attribute(name, value)
        if attribute is not None:
            dict.__setitem__(self, attribute.name, attribute)

    def add(self: _AttributesT, name: str, value: AttributeValue) -> _AttributesT:
        """Add (or replace) the attribute ``name``; returns ``self`` so calls can be chained."""
        attribute = _checked_attribute(name, value)
        if attribute is not None:
            dict.__setitem__(self, attribute.name, attribute)
        return self

    def add_attribute(self, attribute: Attribute) -> Attribute:
        """Add (or replace) ``attribute`` and return it."""
        if not isinstance(attribute, Attribute):
            raise OneLoggerError(f"add_attribute expects an Attribute, got {type(attribute).__name__}.")
        dict.__setitem__(self, attribute.name, attribute)
        return attribute

    def add_attributes(self, other_attributes: Attributes) -> None:
        """Add every attribute of ``other_attributes``; its values win over existing ones."""
        if other_attributes is None:
            return
        if isinstance(other_attributes, Attributes):
            dict.update(self, other_attributes)
        elif type(other_attributes) is dict or isinstance(other_attributes, Mapping):
            for name, value in other_attributes.items():
                self[name] = value
        else:
            raise OneLoggerError(f"add_attributes expects Attributes, got {type(other_attributes).__name__}.")

    def to_json(self) -> Dict[str, AttributeValue]:
        """Return ``{name: value}``; list values are copies, so the result can be changed freely."""
        result: AttributeValues = {}
        for name, attribute in self.items():
            value = attribute.value
            result[name] = value.copy() if type(value) is list else value
        return result

    @classmethod
    def from_json(cls: Type[_AttributesT], data: Any) -> _AttributesT:
        """Build an instance of ``cls`` from ``{name: value}`` (the output of :meth:`to_json`)."""
        if data is None:
            return cls()
        if type(data) is not dict and not isinstance(data, Mapping):
            raise OneLoggerError(f"Attributes JSON must be an object, got {type(data).__name__}.")
        attributes = cls()
        for name, value in data.items():
            attributes[name] = value
        return attributes

    @classmethod
    def merge(
        cls: Type[_AttributesT], attributes: Optional[Attributes] = None, other: Optional[Attributes] = None
    ) -> _AttributesT:
        """Return a new ``cls`` holding ``attributes`` then ``other`` (``other`` wins on equal names)."""
        result = cls()
        if attributes:
            result.add_attributes(attributes)
        if other:
            result.add_attributes(other)
        return result

    def _get(self, attribute_name: str) -> Optional[AttributeValue]:
        attribute = self.get(attribute_name)
        return None if attribute is None else attribute.value

    def get_bool_value(self, attribute_name: str) -> Optional[bool]:
        """Return the bool value of ``attribute_name``, None if absent; ``OneLoggerError`` for another type."""
        value = self._get(attribute_name)
        if value is None or type(value) is bool:
            return value
        raise self._wrong_type(attribute_name, "a boolean", value)

    def get_int_value(self, attribute_name: str) -> Optional[int]:
        """Return the int value of ``attribute_name``, None if absent; ``OneLoggerError`` for another type."""
        value = self._get(attribute_name)
        if value is None or type(value) is int:
            return value
        raise self._wrong_type(attribute_name, "an integer", value)

    def get_float_value(self, attribute_name: str) -> Optional[float]:
        """Return the value of ``attribute_name`` as a float (an int value is converted), None if absent."""
        value = self._get(attribute_name)
        if value is None or type(value) is float:
            return value
        if type(value) is int:
            return float(value)
        raise self._wrong_type(attribute_name, "a float", value)

    def get_str_value(self, attribute_name: str) -> Optional[str]:
        """Return the str value of ``attribute_name``, None if absent; ``OneLoggerError`` for another type."""
        value = self._get(attribute_name)
        if value is None or type(value) is str:
            return value
        raise self._wrong_type(attribute_name, "a string", value)

    @staticmethod
    def _wrong_type(attribute_name: str, expected: str, value: AttributeValue) -> OneLoggerError:
        return OneLoggerError(
            f"Attribute {attribute_name} must be {expected}; its value has type {type(value).__name__} ({value!r})."
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_json()!r})"
