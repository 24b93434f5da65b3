"""Events: named, timestamped points in time inside a span.

An :class:`Event` is a value object (equality and hash by content). Two subclasses carry structured meaning:
:class:`ErrorEvent` (the application reported an error) and :class:`TelemetryDataError` (the telemetry itself is
incomplete or missing, so a backend can discard unreliable runs).
"""

from __future__ import annotations

import time
from enum import Enum
from types import MappingProxyType
from typing import Any, Dict, Mapping, Optional, Type, Union

from nv_one_logger.core.attributes import (
    Attributes,
    AttributeValue,
    AttributeValues,
    attribute_values,
    build_attributes,
    trusted_attribute,
    values_to_json,
)
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.bad_data import bad_data, optional_text, required_text, safe_text
from nv_one_logger.core.internal.describe import exception_message as exception_message_text
from nv_one_logger.core.internal.describe import exception_traceback as exception_traceback_text
from nv_one_logger.core.str_enum import StrEnum
from nv_one_logger.core.time import _CLASS_ATTRIBUTES, _ORIGINAL_NOW, TracingTimestamp

EventName = Union[Enum, str]
"""An event name: a plain string or an enum member (a :class:`StrEnum` member is its string)."""


class StandardEventName(StrEnum):
    """Names of the events the library itself creates."""

    SPAN_START = "span_start"
    SPAN_STOP = "span_stop"
    ERROR = "error"
    TELEMETRY_DATA_ERROR = "telemetry_data_error"


class StandardEventAttributeName(StrEnum):
    """Names of the attributes the library itself puts on events."""

    TIMESTAMP_MSEC = "timestamp_msec"
    ERROR_MESSAGE = "error_message"
    EXCEPTION_TYPE = "exception_type"
    EXCEPTION_MESSAGE = "exception_message"
    EXCEPTION_TRACEBACK = "exception_traceback"
    TELEMETRY_DATA_ERROR_TYPE = "telemetry_data_error_type"


# Plain-string keys: cheaper to hash than enum members on the hot path, and equal to them anyway.
_TIMESTAMP_MSEC = "timestamp_msec"
_ERROR_MESSAGE = "error_message"
_EXCEPTION_TYPE = "exception_type"
_EXCEPTION_MESSAGE = "exception_message"
_EXCEPTION_TRACEBACK = "exception_traceback"
_TELEMETRY_DATA_ERROR_TYPE = "telemetry_data_error_type"


def name_to_str(name: object, what: str = "name") -> str:
    """Return the string form of a span/event name, validating it.

    A ``str`` (including a :class:`StrEnum` member) must not be blank; for any other enum member the string
    form is ``str(member.value)``.

    Raises:
        OneLoggerError: ``name`` is not a str or enum member, or is blank (under DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR
            the name's text, or "unnamed", is returned instead and the bad name is reported once).
    """
    if type(name) is str:
        if name and not name.isspace():
            return name
    elif isinstance(name, str):
        text = str.__str__(name)
        if text.strip():
            return text
    elif isinstance(name, Enum):
        text = str(name.value)
        if text.strip():
            return text
    else:
        return _bad_name(
            OneLoggerError(f"{what} must be a str or an Enum member, got {type(name).__name__} ({name!r})."), what, name
        )
    return _bad_name(OneLoggerError(f"{what} must not be blank, got {name!r}."), what, name)


def _bad_name(error: OneLoggerError, what: str, name: object) -> str:
    bad_data(error, what)  # raises under PROPAGATE_EXCEPTIONS
    return safe_text(name, "unnamed")


def _copy_attributes(attributes: object, owner: str) -> Attributes:
    """Return a fresh Attributes (same subclass) holding ``attributes``; never mutate the caller's object."""
    values, cls = attribute_values(attributes, owner)
    return build_attributes(values, cls)


_new = object.__new__
_NO_VALUES: Mapping[str, AttributeValue] = MappingProxyType({})


class Event:
    """A named point in time with attributes.

    The constructor copies ``attributes`` (the caller's object is not changed) and adds ``timestamp_msec``
    (the wall-clock time in milliseconds), which every exported event carries.

    Why the internals are plain values: an event is built on the hot path of every span (start and stop) and
    every ``recorder.event`` call, and most events are never read as objects, only exported. So an event
    stores its two clock readings as floats and its attributes as a plain ``{name: value}`` dict (validated
    once); the public :class:`TracingTimestamp` and :class:`Attributes` objects are built on first read and
    cached. Once ``attributes`` was read, that object is the source of truth (a caller may have changed it).
    """

    __slots__ = ("_attributes", "_cls", "_name", "_name_str", "_perf", "_timestamp", "_values", "_wall")

    def __init__(self, name: EventName, timestamp: TracingTimestamp, attributes: Optional[Attributes] = None) -> None:
        self._name_str = name_to_str(name, "Event name")
        if type(timestamp) is not TracingTimestamp and not isinstance(timestamp, TracingTimestamp):
            raise OneLoggerError(f"Event timestamp must be a TracingTimestamp, got {type(timestamp).__name__}.")
        self._name = name
        self._timestamp: Optional[TracingTimestamp] = timestamp
        self._wall = timestamp.seconds_since_epoch
        self._perf = timestamp.perf_counter_seconds
        self._values, self._cls = attribute_values(attributes, "Event")
        self._attributes: Optional[Attributes] = None

    @classmethod
    def create(
        cls, name: EventName, attributes: Optional[Attributes] = None, timestamp: Optional[TracingTimestamp] = None
    ) -> Event:
        """Create an event stamped ``timestamp`` (default: now)."""
        if cls is not Event or timestamp is not None or _CLASS_ATTRIBUTES["now"] is not _ORIGINAL_NOW:
            return cls(name, TracingTimestamp.now() if timestamp is None else timestamp, attributes)
        # name_to_str's and _trusted_event's common case inline: two calls less, ~0.15 us per event.
        event: Event = _new(Event)
        event._name_str = name if type(name) is str and name and not name.isspace() else name_to_str(name, "Event name")
        event._values, event._cls = attribute_values(attributes, "Event")
        event._name = name
        event._timestamp = None
        event._wall = time.time()
        event._perf = time.perf_counter()
        event._attributes = None
        return event

    @property
    def name(self) -> EventName:
        """The name as given (a str or an enum member)."""
        return self._name

    @property
    def name_str(self) -> str:
        """The name as a plain string."""
        return self._name_str

    @property
    def timestamp(self) -> TracingTimestamp:
        """When the event happened."""
        timestamp = self._timestamp
        if timestamp is None:
            timestamp = self._timestamp = TracingTimestamp(self._wall, self._perf)
        return timestamp

    @property
    def timestamp_msec(self) -> int:
        """Wall-clock time in whole milliseconds since the epoch (the ``timestamp_msec`` attribute's value)."""
        return round(self._wall * 1000)

    @property
    def seconds_since_epoch(self) -> float:
        """Wall-clock time in seconds since the epoch: ``timestamp.seconds_since_epoch`` without building the timestamp.

        Exporters read the time of every event once; the :class:`TracingTimestamp` object is built only for a
        caller that asks for it.
        """
        return self._wall

    def plain_values(self) -> Optional[Mapping[str, AttributeValue]]:
        """Return the attributes as given, ``{name: value}`` *without* ``timestamp_msec``, not copied; or None.

        For exporters that read each event once and keep nothing of the mapping (``attributes_json()`` copies it
        and adds ``timestamp_msec``, the value of :attr:`timestamp_msec`). The mapping is the event's own storage:
        never change it or its lists. None once ``attributes`` was read: that object is then the source of truth
        (the application may have changed it) and ``attributes_json()`` is the way to read it. An event without
        attributes gives an empty mapping.
        """
        if self._attributes is not None:
            return None
        values = self._values
        return _NO_VALUES if values is None else values

    @property
    def attributes(self) -> Attributes:
        """The event attributes, including ``timestamp_msec``."""
        attributes = self._attributes
        if attributes is None:
            # The plain values never change, so two threads racing here build equal objects; the first one
            # stored wins. ``_values`` is kept (a racing reader may still be using it).
            attributes = build_attributes(self._values, self._cls)
            dict.__setitem__(attributes, _TIMESTAMP_MSEC, trusted_attribute(_TIMESTAMP_MSEC, round(self._wall * 1000)))
            if self._attributes is None:
                self._attributes = attributes
            attributes = self._attributes
        return attributes

    def attributes_json(self) -> AttributeValues:
        """Return the attributes as ``{name: value}`` (including ``timestamp_msec``), a fresh dict.

        Same as ``event.attributes.to_json()`` without building the ``Attributes`` object (for exporters).
        """
        if self._attributes is not None:
            return self._attributes.to_json()
        result = values_to_json(self._values)
        result[_TIMESTAMP_MSEC] = round(self._wall * 1000)
        return result

    def to_json(self) -> Dict[str, Any]:
        """Return ``{"name", "timestamp", "attributes"}`` (plain JSON types)."""
        return {
            "name": self._name_str,
            "timestamp": {"seconds_since_epoch": self._wall, "perf_counter_seconds": self._perf},
            "attributes": self.attributes_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Event:
        """Rebuild an event from :meth:`to_json` output.

        Called on ``Event`` it returns an :class:`ErrorEvent` for name "error" and a :class:`TelemetryDataError`
        for "telemetry_data_error". A missing ``timestamp`` (records written by other tools) is taken from the
        ``timestamp_msec`` attribute, with the perf counter derived from the current clock offset.
        """
        if not isinstance(data, dict):
            raise OneLoggerError(f"Event JSON must be an object, got {type(data).__name__}.")
        name = data.get("name")
        name_str = name_to_str(name, "Event JSON 'name'")
        attributes = Attributes.from_json(data.get("attributes"))
        timestamp = _timestamp_from_json(data, attributes)
        target: Type[Event] = cls
        if cls is Event:
            target = _EVENT_CLASSES.get(name_str, Event)
        return target._from_parts(name_str, timestamp, attributes, data)

    @classmethod
    def _from_parts(cls, name: str, timestamp: TracingTimestamp, attributes: Attributes, data: Dict[str, Any]) -> Event:
        return Event(name, timestamp, attributes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return (
            type(self) is type(other)
            and self._name_str == other._name_str
            and self._wall == other._wall
            and self._perf == other._perf
            and dict.__eq__(self.attributes, other.attributes)
        )

    def __hash__(self) -> int:
        return hash((self._name_str, (self._wall, self._perf)))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self._name_str!r}, timestamp={self.timestamp!r}, "
            f"attributes={self.attributes!r})"
        )


def _trusted_event(
    name: EventName, name_str: str, wall: float, perf: float, values: Optional[AttributeValues], cls: type
) -> Event:
    """Build an :class:`Event` from parts the library already validated (no checks: hot path only)."""
    event: Event = _new(Event)
    event._name = name
    event._name_str = name_str
    event._timestamp = None
    event._wall = wall
    event._perf = perf
    event._values = values
    event._cls = cls
    event._attributes = None
    return event


def _timestamp_from_json(data: Dict[str, Any], attributes: Attributes) -> TracingTimestamp:
    if data.get("timestamp") is not None:
        return TracingTimestamp.from_json(data["timestamp"])
    msec = attributes.get_int_value(_TIMESTAMP_MSEC)
    if msec is None:
        raise OneLoggerError("Event JSON needs a 'timestamp' object or a 'timestamp_msec' attribute.")
    return TracingTimestamp.for_timestamp(msec / 1000.0, validate_timestamp=False)


class ErrorEvent(Event):
    """An error the application reported on a span (event name "error").

    The fields are also stored as attributes (``error_message`` and, when given, ``exception_type``,
    ``exception_message``, ``exception_traceback``) so that every exporter sees them without special cases.
    """

    __slots__ = ("_error_message", "_exception_message", "_exception_traceback", "_exception_type")

    def __init__(
        self,
        timestamp: TracingTimestamp,
        error_message: str,
        exception_type: Optional[str] = None,
        exception_message: Optional[str] = None,
        exception_traceback: Optional[str] = None,
        attributes: Optional[Attributes] = None,
    ) -> None:
        message = required_text(error_message, "ErrorEvent error_message")
        self._error_message: str = message
        self._exception_type = optional_text(exception_type, "ErrorEvent exception_type")
        self._exception_message = optional_text(exception_message, "ErrorEvent exception_message")
        self._exception_traceback = optional_text(exception_traceback, "ErrorEvent exception_traceback")
        merged = _copy_attributes(attributes, "ErrorEvent")
        merged.add(_ERROR_MESSAGE, self._error_message)
        for key, value in (
            (_EXCEPTION_TYPE, self._exception_type),
            (_EXCEPTION_MESSAGE, self._exception_message),
            (_EXCEPTION_TRACEBACK, self._exception_traceback),
        ):
            if value is not None:
                merged.add(key, value)
        super().__init__(StandardEventName.ERROR, timestamp, merged)

    @classmethod
    def create(  # type: ignore[override]
        cls,
        error_message: str,
        exception: Optional[BaseException] = None,
        exception_traceback: Optional[str] = None,
    ) -> ErrorEvent:
        """Create an error event stamped now.

        With an ``exception``, ``exception_type`` is its class name, ``exception_message`` is ``str(exception)``
        and, unless ``exception_traceback`` is given, the traceback is formatted from the exception itself.
        """
        exception_type = exception_message = None
        if exception is not None and not isinstance(exception, BaseException):
            bad_data(  # raises under PROPAGATE_EXCEPTIONS; otherwise the error is recorded without it
                OneLoggerError(
                    f"ErrorEvent.create: exception must be an exception instance, got {type(exception).__name__}."
                ),
                "ErrorEvent exception",
            )
            exception = None
        if exception is not None:
            exception_type = type(exception).__name__
            exception_message = exception_message_text(exception)
            if exception_traceback is None and exception.__traceback__ is not None:
                exception_traceback = exception_traceback_text(exception)
        return cls(TracingTimestamp.now(), error_message, exception_type, exception_message, exception_traceback)

    def to_json(self) -> Dict[str, Any]:
        """Return the event JSON plus top-level ``error_message`` and the exception fields (the 2.3.1 form).

        ``exception_type``, ``exception_message`` and ``exception_traceback`` are added when an exception was
        given. The same values are attributes too; the exporters' records use the plain event form.
        """
        data = super().to_json()
        data[_ERROR_MESSAGE] = self._error_message
        if self._exception_type is not None:
            data[_EXCEPTION_TYPE] = self._exception_type
            data[_EXCEPTION_MESSAGE] = self._exception_message
            data[_EXCEPTION_TRACEBACK] = self._exception_traceback
        return data

    @classmethod
    def _from_parts(cls, name: str, timestamp: TracingTimestamp, attributes: Attributes, data: Dict[str, Any]) -> Event:
        fields = {}
        for key in (_ERROR_MESSAGE, _EXCEPTION_TYPE, _EXCEPTION_MESSAGE, _EXCEPTION_TRACEBACK):
            attribute = dict.pop(attributes, key, None)
            fields[key] = data[key] if data.get(key) is not None else None if attribute is None else attribute.value
        return cls(timestamp, attributes=attributes, **fields)  # type: ignore[arg-type]

    @property
    def error_message(self) -> str:
        """What went wrong, in the application's words."""
        return self._error_message

    @property
    def exception_type(self) -> Optional[str]:
        """Class name of the exception, if one was given."""
        return self._exception_type

    @property
    def exception_message(self) -> Optional[str]:
        """``str(exception)``, if an exception was given."""
        return self._exception_message

    @property
    def exception_traceback(self) -> Optional[str]:
        """The formatted traceback, if known."""
        return self._exception_traceback


class TelemetryDataError(Event):
    """A report that the telemetry of this run is incomplete or missing (event name "telemetry_data_error").

    Exporters forward it so that a backend can flag or drop runs whose data cannot be trusted.
    """

    class ErrorType(StrEnum):
        """How much telemetry is affected."""

        NO_TELEMETRY_DATA = "no_telemetry_data"
        INCOMPLETE_TELEMETRY_DATA = "incomplete_telemetry_data"

    __slots__ = ("_error_message", "_error_type")

    def __init__(
        self,
        timestamp: TracingTimestamp,
        error_type: TelemetryDataError.ErrorType,
        error_message: str,
        attributes: Optional[Attributes] = None,
    ) -> None:
        try:
            self._error_type = TelemetryDataError.ErrorType(error_type)
        except ValueError:
            allowed = ", ".join(member.value for member in TelemetryDataError.ErrorType)
            raise OneLoggerError(
                f"Unknown telemetry data error type {error_type!r} (expected one of {allowed})."
            ) from None
        message = required_text(error_message, "TelemetryDataError error_message")
        self._error_message: str = message
        merged = _copy_attributes(attributes, "TelemetryDataError")
        merged.add(_ERROR_MESSAGE, message)
        merged.add(_TELEMETRY_DATA_ERROR_TYPE, self._error_type.value)
        super().__init__(StandardEventName.TELEMETRY_DATA_ERROR, timestamp, merged)

    @classmethod
    def create(  # type: ignore[override]
        cls, error_type: TelemetryDataError.ErrorType, error_message: str, attributes: Optional[Attributes] = None
    ) -> TelemetryDataError:
        """Create a telemetry data error stamped now."""
        return cls(TracingTimestamp.now(), error_type, error_message, attributes)

    def to_json(self) -> Dict[str, Any]:
        """Return the event JSON plus top-level ``error_type`` (the enum value) and ``error_message`` (2.3.1 form)."""
        data = super().to_json()
        data["error_type"] = self._error_type.value
        data[_ERROR_MESSAGE] = self._error_message
        return data

    @classmethod
    def _from_parts(cls, name: str, timestamp: TracingTimestamp, attributes: Attributes, data: Dict[str, Any]) -> Event:
        message_attribute = dict.pop(attributes, _ERROR_MESSAGE, None)
        type_attribute = dict.pop(attributes, _TELEMETRY_DATA_ERROR_TYPE, None)
        message = data.get(_ERROR_MESSAGE, None if message_attribute is None else message_attribute.value)
        error_type = data.get("error_type", None if type_attribute is None else type_attribute.value)
        if message is None or error_type is None:
            raise OneLoggerError(
                "TelemetryDataError JSON needs 'error_message' and 'error_type' (or the attributes "
                "'error_message' and 'telemetry_data_error_type')."
            )
        return cls(timestamp, error_type, message, attributes)

    @property
    def error_type(self) -> TelemetryDataError.ErrorType:
        """Whether no data or only part of the data could be recorded."""
        return self._error_type

    @property
    def error_message(self) -> str:
        """Why the telemetry is unreliable."""
        return self._error_message


_EVENT_CLASSES: Dict[str, Type[Event]] = {
    StandardEventName.ERROR.value: ErrorEvent,
    StandardEventName.TELEMETRY_DATA_ERROR.value: TelemetryDataError,
}
