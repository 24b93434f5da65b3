"""The everyday API: one-line set-up, ``timed_span`` and the ``timed`` decorator.

``configure_one_logger`` installs a configuration and a recorder in the process-wide
:class:`~nv_one_logger.api.one_logger_provider.OneLoggerProvider`; instrumented code then uses ``timed_span``
(or ``@timed``) and ``get_recorder()`` without passing anything around.

Before ``configure_one_logger`` (and on a disabled rank, or after the library disabled itself) ``timed_span``
and ``@timed`` do nothing except run the wrapped code: domain libraries can be instrumented unconditionally and
an application that never configures OneLogger is unaffected. In that case ``timed_span`` yields ``None``
instead of a span; recorder methods accept ``None`` spans while the library is disabled.
``get_recorder()`` before ``configure_one_logger`` returns a recorder that forwards to the configured one once
there is one and does nothing until then (see :mod:`nv_one_logger.api._deferred_recorder`). Either way the first
use before configuration logs one WARNING per process.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ContextManager, Dict, List, Literal, Optional, Sequence, Type, Union

from nv_one_logger.api._deferred_recorder import (
    DEFERRED_RECORDER,
    UnconfiguredWarning,
    configured_recorder,
    warn_used_before_configure,
)
from nv_one_logger.api._exit_hook import register_exit_hook, resolve_timeout
from nv_one_logger.api._library_logging import apply_logger_config
from nv_one_logger.api.decorators import timed
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.recorder import Recorder
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.internal.safe_execution import GUARD_STATE, handle_failure
from nv_one_logger.core.internal.singleton import SingletonMeta
from nv_one_logger.core.span import Span, SpanName
from nv_one_logger.exporter.exporter import Exporter

if TYPE_CHECKING:
    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.exporter.exporter_config import ExporterConfig

ExportersConfig = Sequence[Union["ExporterConfig", Dict[str, Any]]]  # Any: exporter-specific settings

__all__ = ["configure_one_logger", "get_recorder", "timed", "timed_span"]

_LOGGER = get_logger(__name__)
_SINGLETONS = SingletonMeta._instances


def _enabled_recorder() -> Optional[Recorder]:
    """Return the recorder to use, or None when nothing should be recorded (not configured, or disabled)."""
    # Fast path, once per span: one dict lookup and one attribute read (the provider keeps it up to date).
    provider: Optional[OneLoggerProvider] = _SINGLETONS.get(OneLoggerProvider)
    if provider is not None:
        recorder = provider.active_recorder
        if recorder is not None:
            return recorder
    return _enabled_recorder_slow()


def _enabled_recorder_slow() -> Optional[Recorder]:
    provider: OneLoggerProvider = OneLoggerProvider.instance()
    recorder = provider.active_recorder  # one read: a concurrent configure() is either seen whole or not at all
    if recorder is not None:
        return recorder
    if not provider.one_logger_ready and not UnconfiguredWarning.logged:
        warn_used_before_configure("timed_span/@timed")
    return None


def get_recorder() -> Recorder:
    """Return the configured recorder.

    Before ``configure_one_logger`` this is a stand-in that never raises: it forwards every call to the
    configured recorder once there is one, and until then does nothing and returns ``None`` (the first such call
    logs one warning per process). So ``get_recorder().event(span, ...)`` is safe anywhere.
    """
    recorder = configured_recorder()
    return DEFERRED_RECORDER if recorder is None else recorder


class _NoSpan:
    """The context manager ``timed_span`` returns when nothing is recorded: enter yields None, exit does nothing.

    One shared instance: a disabled rank pays for one attribute read and two trivial method calls per block.
    """

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> Literal[False]:
        return False


_NO_SPAN = _NoSpan()


class _TimedSpan:
    """The context manager of one ``timed_span`` block.

    A small class rather than a ``@contextmanager`` generator, which costs about 1 us per block by itself.
    """

    __slots__ = ("_name", "_recorder", "_span", "_span_attributes", "_start_event_attributes")

    def __init__(
        self, name: SpanName, span_attributes: Optional[Attributes], start_event_attributes: Optional[Attributes]
    ) -> None:
        self._name = name
        self._span_attributes = span_attributes
        self._start_event_attributes = start_event_attributes
        self._recorder: Optional[Recorder] = None
        self._span: Optional[Span] = None

    def __enter__(self) -> Optional[Span]:
        # The decision is taken here, not when timed_span() was called: a block entered later (for example a
        # generator decorated with @timed) sees the state of the library at that moment.
        recorder = _enabled_recorder()
        if recorder is None:
            return None
        span = recorder.start(
            self._name, span_attributes=self._span_attributes, start_event_attributes=self._start_event_attributes
        )
        if span is not None:
            self._recorder = recorder
            self._span = span
        return span

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> Literal[False]:
        span = self._span
        if span is None:
            return False
        recorder = self._recorder
        self._span = self._recorder = None
        if exc_type is None:
            if span.active:
                recorder.stop(span)  # type: ignore[union-attr]
        elif issubclass(exc_type, Exception):
            _finish_after_exception(recorder, span, exc)  # type: ignore[arg-type]
        else:
            _finish_after_exception(recorder, span, None)  # type: ignore[arg-type]
        return False


def timed_span(
    name: SpanName,
    span_attributes: Optional[Attributes] = None,
    start_event_attributes: Optional[Attributes] = None,
) -> ContextManager[Optional[Span]]:
    """Record the enclosed block as a span and yield it.

    The parent is the innermost open span of the current thread or asyncio task. An exception raised inside
    the block (an ``Exception``; not ``KeyboardInterrupt``, ``SystemExit`` or task cancellation, which are not
    application errors) is recorded as an error event on the span and re-raised unchanged; the span is stopped
    in every case. If recording the error or stopping fails while the block's exception is propagating, that
    failure is logged and the block's exception wins. A span the block already stopped is not stopped again.

    Yields ``None`` when nothing is recorded (see the module docstring).
    """
    if GUARD_STATE.disabled:
        # A disabled rank, or the library disabled itself: one shared no-op object, nothing else to do.
        if not UnconfiguredWarning.logged:
            _settle_unconfigured_warning()
        return _NO_SPAN
    return _TimedSpan(name, span_attributes, start_event_attributes)


def _settle_unconfigured_warning() -> None:
    """Log the "used before configure" warning if due; else remember that it can no longer be due.

    Once the provider is configured the warning cannot become due again until ``reset_one_logger()``, which
    clears the flag, so marking it logged keeps the disabled fast path to a single check.
    """
    if _enabled_recorder() is None and not UnconfiguredWarning.logged:
        UnconfiguredWarning.logged = True


def _finish_after_exception(recorder: Recorder, span: Span, exc: Optional[Exception]) -> None:
    """Record ``exc`` (if any) on ``span`` and stop it, without masking the exception in flight.

    Nothing raised here may replace the application's exception: not the recorder's (PROPAGATE_EXCEPTIONS), not a
    custom recorder's, not the exception's own ``__str__`` (described with the safe helper).
    """
    if exc is not None and span.active:
        try:
            recorder.error(span, describe_exception(exc), exception=exc)
        except Exception as telemetry_exc:
            _LOGGER.error(
                "Could not record the exception leaving span '%s': %s", span.name_str, describe_exception(telemetry_exc)
            )
    if span.active:
        try:
            recorder.stop(span)
        except Exception as telemetry_exc:
            _LOGGER.error(
                "Could not stop span '%s' after an exception: %s", span.name_str, describe_exception(telemetry_exc)
            )


def configure_one_logger(
    config: OneLoggerConfig,
    recorder: Optional[Recorder] = None,
    *,
    exporters_config: Optional[ExportersConfig] = None,
    config_file_path: Union[str, Path, None] = None,
    exit_timeout_seconds: Optional[float] = None,
) -> Recorder:
    """Set OneLogger up for this process and return the recorder in use.

    Without ``recorder`` a :class:`~nv_one_logger.recorder.default_recorder.DefaultRecorder` is built from the
    exporter configuration system: package defaults (entry points), then a config file (``config_file_path``,
    ``$ONE_LOGGER_EXPORTER_CONFIG_PATH`` or ``one_logger_exporters_config.{yaml,yml,json}`` in the working
    directory), then ``exporters_config`` (a list of ``ExporterConfig`` or dicts) merged over it. On a rank
    with ``enable_for_current_rank=False`` no exporter is built (nothing would be exported anyway).

    Also applies ``config.logger_config`` to the library's ``nv_one_logger`` logger and registers an exit
    hook that closes the recorder within ``exit_timeout_seconds`` (default 10 s, or
    ``$ONE_LOGGER_EXIT_TIMEOUT_SECONDS``).

    Calling it again with an equal ``config`` (``==``; no recorder or the same recorder; the same other
    arguments) is a no-op that returns the recorder in use. Anything else is refused, saying what differs: under
    PROPAGATE_EXCEPTIONS with ``OneLoggerError``, under the DISABLE strategy with one ERROR line; either way
    the configuration in use stays and keeps recording (see ``OneLoggerProvider.check_reconfiguration``).

    Raises:
        OneLoggerError: ``config`` is not a OneLoggerConfig, ``recorder`` is not a Recorder, the timeout is
            invalid, or (under PROPAGATE_EXCEPTIONS only) the exporters could not be built.
    """
    from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy  # pydantic: at set-up

    if not isinstance(config, OneLoggerConfig):
        raise OneLoggerError(f"configure_one_logger() expects a OneLoggerConfig, got {type(config).__name__}.")
    if recorder is not None and not isinstance(recorder, Recorder):
        raise OneLoggerError(f"configure_one_logger() expects a Recorder, got {type(recorder).__name__}.")
    timeout = resolve_timeout(exit_timeout_seconds)
    provider: OneLoggerProvider = OneLoggerProvider.instance()
    setup = _SetupArguments(exporters_config, config_file_path, exit_timeout_seconds)
    if provider.one_logger_ready:
        differences = _SetupArguments.in_use.differences(setup, exporters_matter=recorder is None)
        provider.check_reconfiguration(config, recorder, differences)
        return provider.recorder
    _SetupArguments.in_use = setup

    apply_logger_config(config.logger_config)
    build_error: Optional[Exception] = None
    if recorder is None:
        from nv_one_logger.recorder.default_recorder import DefaultRecorder

        try:
            recorder = DefaultRecorder(_build_exporters(config, exporters_config, config_file_path))
        except Exception as exc:
            if config.error_handling_strategy == OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS:
                if isinstance(exc, OneLoggerError):
                    raise
                raise OneLoggerError(f"Could not build the exporters: {describe_exception(exc)}") from exc
            build_error = exc
            recorder = DefaultRecorder([])
    provider.configure(config, recorder)
    register_exit_hook(timeout)
    if build_error is not None:
        # Configured (so the strategy is in force) with no exporter: report once and disable.
        handle_failure("configure_one_logger", build_error)
    return recorder


class _SetupArguments:
    """The arguments of ``configure_one_logger`` besides config and recorder, to compare a second call with."""

    in_use: _SetupArguments

    def __init__(
        self,
        exporters_config: Optional[ExportersConfig],
        config_file_path: Union[str, Path, None],
        exit_timeout_seconds: Optional[float],
    ) -> None:
        self.values = {
            "exporters_config": list(exporters_config or []),
            "config_file_path": None if config_file_path is None else str(config_file_path),
            "exit_timeout_seconds": exit_timeout_seconds,
        }

    def differences(self, given: _SetupArguments, exporters_matter: bool) -> List[str]:
        """List what differs (exporter arguments only count without a recorder, which bypasses them)."""
        return [
            f"{name} ({self.values[name]!r} in use, {value!r} given)"
            for name, value in given.values.items()
            if value != self.values[name] and (exporters_matter or name == "exit_timeout_seconds")
        ]


_SetupArguments.in_use = _SetupArguments(None, None, None)  # OneLoggerProvider.configure() called directly


def _build_exporters(
    config: OneLoggerConfig, exporters_config: Optional[ExportersConfig], config_file_path: Union[str, Path, None]
) -> List[Exporter]:
    if not config.enable_for_current_rank:
        return []
    # Imported here: the config system reads entry points and files, which plain API users may never need.
    from nv_one_logger.exporter.export_config_manager import ExporterConfigManager

    manager = ExporterConfigManager()
    configs = manager.generate_export_config(direct_config=exporters_config, config_file_path=config_file_path)
    exporters = manager.create_exporters_from_config(configs, training_telemetry_config=config)
    if not exporters:
        # Without this line the README-style set-up silently records into nothing, which looks like a bug.
        _LOGGER.warning(
            "OneLogger has no exporter: spans and events are recorded but go nowhere. Enable one with "
            "ONE_LOGGER_FILE_EXPORTER_PATH (nv-one-logger-file), OTEL_EXPORTER_OTLP_ENDPOINT (nv-one-logger-otel), "
            "a config file (ONE_LOGGER_EXPORTER_CONFIG_PATH) or exporters_config=...; `one-logger doctor` explains."
        )
    return exporters
