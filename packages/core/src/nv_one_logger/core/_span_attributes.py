"""How a span stores its attributes: two layers, kept as plain dicts until someone reads them as objects.

Part of :class:`~nv_one_logger.core.span.Span` (its base class), kept apart because it is one concept with its
own locking rule. A span has the attributes given at creation and the ones added later (``duration_msec`` at
stop, ``add_attribute``). Most spans are created, stopped and exported without anyone reading
``span.attributes``, so both layers start as plain ``{name: value}`` dicts of validated values; the
``Attributes`` objects are built on first read and cached. Once built, an object is the source of truth (the
caller may have changed it) and later updates go into it.
"""

from __future__ import annotations

from typing import Optional

from nv_one_logger.core.attributes import (
    Attribute,
    Attributes,
    AttributeValue,
    AttributeValues,
    attribute_values,
    build_attributes,
    trusted_attribute,
    values_to_json,
)
from nv_one_logger.core.internal.locks import fork_safe_lock

_DURATION_MSEC = "duration_msec"

_LAZY_LOCK = fork_safe_lock()
"""Serializes building a span's ``Attributes`` objects with library writes to its plain values.

Exporters may read a span on their own thread (the OTel bridge does) while the application thread stops it;
without the lock, an update written to the plain dict while it is being turned into ``Attributes`` would be
lost. One process-wide lock: held for microseconds, contention is negligible."""


class SpanAttributeLayers:
    """The attribute state of a span: creation values merged with later ones, and the later ones alone.

    ``_values`` holds creation + later values and is stale (unused) once ``_attributes`` is built; ``_updated``
    holds the later values until ``_updated_attributes`` is built. ``_cls`` is the class of the creation
    attributes, so ``Attributes`` subclasses survive. The span sets these slots when it is created.
    """

    __slots__ = ("_attributes", "_cls", "_updated", "_updated_attributes", "_values")

    _values: Optional[AttributeValues]
    _cls: type
    _attributes: Optional[Attributes]
    _updated: Optional[AttributeValues]
    _updated_attributes: Optional[Attributes]

    @property
    def attributes(self) -> Attributes:
        """Creation attributes merged with later ones (later wins). Read it; change it through ``add_attribute``."""
        attributes = self._attributes
        if attributes is None:
            with _LAZY_LOCK:  # an exporter thread may read while the application thread stops the span
                attributes = self._attributes
                if attributes is None:
                    attributes = self._attributes = build_attributes(self._values, self._cls)
        return attributes

    @property
    def updated_attributes(self) -> Attributes:
        """Only the attributes added after creation (including ``duration_msec`` once stopped)."""
        attributes = self._updated_attributes
        if attributes is None:
            with _LAZY_LOCK:
                attributes = self._updated_attributes
                if attributes is None:
                    attributes = self._updated_attributes = build_attributes(self._updated, self._cls)
        return attributes

    def attributes_json(self) -> AttributeValues:
        """``span.attributes.to_json()`` without building the ``Attributes`` object (a fresh dict)."""
        if self._attributes is not None:
            return self._attributes.to_json()
        return values_to_json(self._values)

    def updated_attributes_json(self) -> AttributeValues:
        """``span.updated_attributes.to_json()`` without building the ``Attributes`` object (a fresh dict)."""
        if self._updated_attributes is not None:
            return self._updated_attributes.to_json()
        return values_to_json(self._updated)

    def add_attribute(self, name: str, value: AttributeValue) -> Attribute:
        """Add (or replace) one attribute after creation and return it."""
        attribute = Attribute(name, value)
        with _LAZY_LOCK:
            self._set_later(attribute.name, attribute.value, attribute)
        return attribute

    def add_attributes(self, attributes: Attributes) -> None:
        """Add (or replace) several attributes after creation."""
        if attributes is None:
            return
        values, _ = attribute_values(attributes, "Span.add_attributes")
        with _LAZY_LOCK:
            for name, value in (values or {}).items():
                self._set_later(name, value, None)

    def _set_duration(self, duration: int) -> None:
        """Record ``duration_msec`` (at stop) in both layers."""
        with _LAZY_LOCK:
            if self._attributes is None and self._updated_attributes is None:  # the common case, inlined
                values = self._values
                if values is None:
                    self._values = {_DURATION_MSEC: duration}
                else:
                    values[_DURATION_MSEC] = duration
                updated = self._updated
                if updated is None:
                    self._updated = {_DURATION_MSEC: duration}
                else:
                    updated[_DURATION_MSEC] = duration
            else:
                self._set_later(_DURATION_MSEC, duration, None)

    def _recorded_duration(self) -> int:
        """Return the ``duration_msec`` recorded at stop (0 if a caller replaced it with a non-int)."""
        if self._attributes is None:
            value = (self._values or {}).get(_DURATION_MSEC)
            return value if type(value) is int else 0
        int_value = self._attributes.get_int_value(_DURATION_MSEC)
        return 0 if int_value is None else int_value

    def _set_later(self, name: str, value: AttributeValue, attribute: Optional[Attribute]) -> None:
        """Record an attribute added after creation in both layers (plain dicts or the built objects).

        Called with ``_LAZY_LOCK`` held, so that a concurrent first read cannot lose the update.
        """
        attributes = self._attributes
        if attributes is None:
            values = self._values
            if values is None:
                self._values = {name: value}
            else:
                values[name] = value
        else:
            dict.__setitem__(attributes, name, attribute or trusted_attribute(name, value))
        updated_attributes = self._updated_attributes
        if updated_attributes is None:
            updated = self._updated
            if updated is None:
                self._updated = {name: value}
            else:
                updated[name] = value
        else:
            dict.__setitem__(updated_attributes, name, attribute or trusted_attribute(name, value))
