"""The OneLogger data model: spans, events, attributes and timestamps.

This package holds plain value objects and has no I/O and no third-party imports, so that importing it is cheap
and can never pull in OpenTelemetry. The modules are:

- :mod:`nv_one_logger.core.exceptions`: ``OneLoggerError`` and ``assert_that``.
- :mod:`nv_one_logger.core.str_enum`: ``StrEnum``, a string enum base that behaves the same on Python 3.9-3.13.
- :mod:`nv_one_logger.core.attributes`: typed key/value pairs attached to spans and events.
- :mod:`nv_one_logger.core.time`: ``TracingTimestamp`` (wall clock + perf counter) and ``Timer``.
- :mod:`nv_one_logger.core.event`: ``Event``, ``ErrorEvent``, ``TelemetryDataError``.
- :mod:`nv_one_logger.core.span`: ``Span``.
"""
