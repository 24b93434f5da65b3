"""The process-wide entry point that holds the configuration and the recorder.

Instrumented code deep inside a training loop (or inside a domain library) cannot be handed a recorder by the
application, so the library keeps exactly one configured recorder per process, reached through
``OneLoggerProvider.instance()``. The provider also owns the switches read by the guard in
:mod:`nv_one_logger.core.internal.safe_execution` (enabled or not, which error-handling strategy), so that
every guarded call can decide what to do with one attribute read.

Tests reset the provider with :func:`nv_one_logger.testing.reset_one_logger`.
"""

from __future__ import annotations

from typing import Optional

from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy
from nv_one_logger.api.recorder import Recorder
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.internal.safe_execution import GUARD_STATE, handle_failure
from nv_one_logger.core.internal.singleton import SingletonMeta


class OneLoggerProvider(metaclass=SingletonMeta):
    """Holds the one configuration and recorder of the process (``OneLoggerProvider.instance()``)."""

    def __init__(self) -> None:
        # A new provider starts unconfigured, also when a test suite dropped the old one by clearing
        # ``SingletonMeta._instances`` instead of calling ``reset_one_logger()``.
        GUARD_STATE.reset()
        self._lock = fork_safe_lock()
        self._config: Optional[OneLoggerConfig] = None
        self._recorder: Optional[Recorder] = None
        self._force_disabled = False

    def configure(self, config: OneLoggerConfig, recorder: Recorder) -> None:
        """Install ``config`` and ``recorder`` for the whole process.

        Configuring again with the very same two objects is a no-op (so idempotent set-up code is safe).
        Configuring again with anything else is a misuse: under PROPAGATE_EXCEPTIONS (of the configuration
        already in place) it raises ``OneLoggerError``; under the DISABLE strategy it is handled like every
        other misuse (one error line, a telemetry data error to every exporter, the library disables itself).
        Invalid argument types always raise ``OneLoggerError``: before a configuration exists there is no
        strategy to apply.
        """
        with self._lock:
            if self._config is not None:
                if config is self._config and recorder is self._recorder:
                    return
                if GUARD_STATE.disabled:
                    return
                handle_failure(
                    "OneLoggerProvider.configure",
                    OneLoggerError(
                        "OneLoggerProvider already configured! configure() may only be called again with the "
                        "same config and recorder objects (use nv_one_logger.testing.reset_one_logger() in tests)."
                    ),
                )
                return
            if not isinstance(config, OneLoggerConfig):
                raise OneLoggerError(f"configure() expects a OneLoggerConfig, got {type(config).__name__}.")
            if not isinstance(recorder, Recorder):
                raise OneLoggerError(f"configure() expects a Recorder, got {type(recorder).__name__}.")
            self._config = config
            self._recorder = recorder
            GUARD_STATE.propagate = (
                config.error_handling_strategy == OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS
            )
            GUARD_STATE.failure_handler = self._on_library_failure
            GUARD_STATE.disabled = self._force_disabled or not config.enable_for_current_rank

    @property
    def recorder(self) -> Recorder:
        """The configured recorder (``OneLoggerError`` before ``configure``)."""
        recorder = self._recorder
        if recorder is None:
            raise OneLoggerError("OneLogger is not configured yet: call configure_one_logger() first.")
        return recorder

    @property
    def config(self) -> OneLoggerConfig:
        """The configuration (``OneLoggerError`` before ``configure``)."""
        config = self._config
        if config is None:
            raise OneLoggerError("OneLogger is not configured yet: call configure_one_logger() first.")
        return config

    @property
    def one_logger_ready(self) -> bool:
        """True once ``configure`` succeeded."""
        return self._config is not None

    @property
    def one_logger_enabled(self) -> bool:
        """True when configured, not force-disabled and enabled for the current rank."""
        config = self._config
        return config is not None and not self._force_disabled and config.enable_for_current_rank

    def force_disable_logging(self) -> None:
        """Turn every later guarded call into a no-op, for the rest of the process.

        The library calls this itself when it fails under the DISABLE strategy. There is deliberately no way to
        re-enable: data recorded after a gap would look complete while it is not.
        """
        with self._lock:
            self._force_disabled = True
            GUARD_STATE.disabled = True

    def _on_library_failure(self, message: str, origin: Optional[object]) -> None:
        """Report a library failure to the exporters of the recorder(s) involved, then disable the library."""
        try:
            targets = [self._recorder]
            if origin is not None and origin is not self._recorder and hasattr(origin, "_report_library_failure"):
                targets.append(origin)  # type: ignore[arg-type]
            for target in targets:
                report = getattr(target, "_report_library_failure", None)
                if report is not None:
                    report(message)
                elif target is not None:
                    # A custom Recorder: its (guarded) public method is the only way to reach its exporters.
                    target.telemetry_data_error(message)
        finally:
            self.force_disable_logging()

    def _reset(self) -> None:
        """Forget the configuration (used by ``nv_one_logger.testing.reset_one_logger``; closes nothing)."""
        with self._lock:
            self._config = None
            self._recorder = None
            self._force_disabled = False
            GUARD_STATE.reset()
