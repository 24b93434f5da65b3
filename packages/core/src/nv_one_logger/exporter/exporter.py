"""The exporter interface: where recorded spans and events go.

A recorder calls an exporter once per change (span started, event, error, span stopped, telemetry data error),
in the order they happen. :class:`Exporter` is the bare interface; :class:`BaseExporter` adds the lifecycle
``not initialized -> ready -> closed`` that every real exporter needs, so that a call at the wrong time fails
loudly with an :class:`ExportError` instead of writing to a closed file or socket.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Optional

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.span import Span
from nv_one_logger.core.str_enum import StrEnum

if TYPE_CHECKING:
    from nv_one_logger.api.config import OneLoggerConfig


class ExportError(OneLoggerError):
    """An exporter could not do what was asked (wrong lifecycle state, failed write, ...)."""


class Exporter(ABC):
    """Receives every change of every exported span, in order.

    Implementations must be safe to call from several threads (a recorder does not serialize calls).

    Configuration reaches an exporter one way: as arguments of its constructor. The application's
    ``OneLoggerConfig`` (job name, session tag, world size ..., which an exporter needs to describe the run: a
    ``{session_tag}`` file path, the identity record, the OTel resource) is one of them, the keyword parameter
    ``one_logger_config``:

    - the configuration system (``configure_one_logger``, ``ExporterConfigManager.create_exporters_from_config``)
      passes it to every exporter class whose constructor declares a parameter of that name;
    - code that builds an exporter itself passes it, or leaves it None. None stands for "the configuration the
      process is set up with", which such an exporter is usually built before (the recorder that holds it is
      handed to ``configure_one_logger``). :meth:`BaseExporter.current_one_logger_config` is the one place that
      resolves it, at the moment the exporter needs it; exporters do not look the configuration up themselves.
    """

    @abstractmethod
    def initialize(self) -> None:
        """Acquire resources (open files, connect); called once before any export call."""

    @abstractmethod
    def export_start(self, span: Span) -> None:
        """Export that ``span`` started (its start event and creation attributes)."""

    @abstractmethod
    def export_stop(self, span: Span) -> None:
        """Export that ``span`` stopped (its stop event and final attributes, including ``duration_msec``)."""

    @abstractmethod
    def export_event(self, event: Event, span: Span) -> None:
        """Export an ``event`` recorded on the active ``span``."""

    @abstractmethod
    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Export an application error recorded on the active ``span``."""

    @abstractmethod
    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Export that the telemetry of this run is incomplete or missing."""

    @abstractmethod
    def close(self) -> None:
        """Flush and release resources; later calls are no-ops."""


class ExporterState(StrEnum):
    """Lifecycle state of a :class:`BaseExporter`."""

    NOT_INITIALIZED = "not initialized"
    READY = "ready"
    CLOSED = "closed"


class BaseExporter(Exporter):
    """An exporter with a checked lifecycle: ``not initialized -> ready -> closed``.

    Subclasses override the export methods and call ``super().<method>(...)`` first; the base implementations
    only check that the exporter is ready and raise :class:`ExportError` (naming the exporter, the call and the
    state) otherwise. ``initialize()`` on a ready exporter does nothing (applications and recorders both call
    it, as in 2.3.1; subclasses that acquire resources return early when :attr:`ready`); after ``close()`` it
    raises. ``close()`` is idempotent and allowed from any state; subclasses flush and release their resources,
    then call ``super().close()`` (or call it first and check :attr:`closed` - whatever keeps their resource
    handling simple).

    Args:
        one_logger_config: the application's configuration, for exporters that describe the run with it (see
            :class:`Exporter`); None: the one the process is configured with, when the exporter needs it.
    """

    def __init__(self, one_logger_config: Optional[OneLoggerConfig] = None) -> None:
        self._state = ExporterState.NOT_INITIALIZED
        self._state_lock = fork_safe_lock()
        self._one_logger_config = one_logger_config

    def current_one_logger_config(self) -> Optional[OneLoggerConfig]:
        """Return the configuration given at construction, else the one the process is configured with now.

        None when neither exists (an exporter used before, or without, ``configure_one_logger``): the fields
        that come from it are then left out or get their documented placeholder.
        """
        config = self._one_logger_config
        if config is not None:
            return config
        from nv_one_logger.core.identity import provider_config  # here: the API import does not need identity

        found: Optional[OneLoggerConfig] = provider_config()
        return found

    @property
    def state(self) -> ExporterState:
        """The current lifecycle state."""
        return self._state

    @property
    def ready(self) -> bool:
        """True between ``initialize()`` and ``close()``."""
        return self._state is ExporterState.READY

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._state is ExporterState.CLOSED

    def _check_ready(self, operation: str) -> None:
        state = self._state
        if state is ExporterState.READY:
            return
        first = (
            "Exporter is closed and cannot be used anymore."
            if state is ExporterState.CLOSED
            else "Exporter not initialized. Call initialize first."
        )
        raise ExportError(f"{first} ({type(self).__name__}.{operation}() called while the exporter is {state.value}.)")

    def initialize(self) -> None:
        """Move from "not initialized" to "ready"; a no-op when ready; ExportError after ``close()``."""
        with self._state_lock:
            if self._state is ExporterState.CLOSED:
                self._check_ready("initialize")
            self._state = ExporterState.READY

    def export_start(self, span: Span) -> None:
        """Check the exporter is ready (subclasses call this first)."""
        self._check_ready("export_start")

    def export_stop(self, span: Span) -> None:
        """Check the exporter is ready (subclasses call this first)."""
        self._check_ready("export_stop")

    def export_event(self, event: Event, span: Span) -> None:
        """Check the exporter is ready (subclasses call this first)."""
        self._check_ready("export_event")

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Check the exporter is ready (subclasses call this first)."""
        self._check_ready("export_error")

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Check the exporter is ready (subclasses call this first)."""
        self._check_ready("export_telemetry_data_error")

    def close(self) -> None:
        """Move to "closed" from any state; closing a closed exporter does nothing."""
        with self._state_lock:
            self._state = ExporterState.CLOSED

    def __repr__(self) -> str:
        return f"{type(self).__name__}(state={self._state.value!r})"
