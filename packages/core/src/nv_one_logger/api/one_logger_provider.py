"""The process-wide entry point that holds the configuration and the recorder.

Instrumented code deep inside a training loop (or inside a domain library) cannot be handed a recorder by the
application, so the library keeps exactly one configured recorder per process, reached through
``OneLoggerProvider.instance()``. The provider also owns the switches read by the guard in
:mod:`nv_one_logger.core.internal.safe_execution` (enabled or not, which error-handling strategy), so that
every guarded call can decide what to do with one attribute read.

Tests reset the provider with :func:`nv_one_logger.testing.reset_one_logger`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, List, Optional, Sequence, TypeVar

from nv_one_logger.api.recorder import Recorder
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.locks import fork_safe_lock
from nv_one_logger.core.internal.logging import get_logger, log_once
from nv_one_logger.core.internal.safe_execution import GUARD_STATE
from nv_one_logger.core.internal.singleton import SingletonMeta

if TYPE_CHECKING:
    from nv_one_logger.api.config import OneLoggerConfig

_LOGGER = get_logger(__name__)
_T = TypeVar("_T")


def _configured(value: Optional[_T]) -> _T:
    """Return what ``configure`` set; before it, raise the one "not configured yet" error."""
    if value is None:
        raise OneLoggerError("OneLogger is not configured yet: call configure_one_logger() first.")
    return value


class OneLoggerProvider(metaclass=SingletonMeta):
    """Holds the one configuration and recorder of the process (``OneLoggerProvider.instance()``).

    Two plain attributes serve the hot path (``timed_span``, ``get_recorder()``), which must decide with one
    attribute read whether and where to record. The provider replaces them, under its lock, whenever its state
    changes (:meth:`configure`, :meth:`force_disable_logging`, reset); everyone else only reads them.
    """

    active_recorder: Optional[Recorder]
    """The recorder to record with now, or None: not configured, disabled for this rank or force-disabled.

    ``enable_for_current_rank`` is taken from the configuration as it was given to :meth:`configure`."""

    configured_recorder: Optional[Recorder]
    """The configured recorder, also on a disabled rank (its guarded calls are no-ops there), or None before
    :meth:`configure`."""

    def __init__(self) -> None:
        # A new provider starts unconfigured, also when a test suite dropped the old one by clearing
        # ``SingletonMeta._instances`` instead of calling ``reset_one_logger()``.
        GUARD_STATE.reset()
        self._lock = fork_safe_lock()
        self._config: Optional[OneLoggerConfig] = None
        self.configured_recorder = None
        self._force_disabled = False
        self._publish()

    def _publish(self) -> None:
        """Recompute the hot-path attributes from the state (called with the lock held, or from __init__)."""
        config = self._config
        disabled = self._force_disabled or (config is not None and not config.enable_for_current_rank)
        GUARD_STATE.disabled = disabled  # the guarded calls take the same decision as the hot path
        self.active_recorder = self.configured_recorder if config is not None and not disabled else None

    def configure(self, config: OneLoggerConfig, recorder: Recorder) -> None:
        """Install ``config`` and ``recorder`` for the whole process.

        Configuring again with an equal config (``==``, not necessarily the same object) and the same recorder
        is a no-op, so idempotent set-up code is safe. Anything else is refused and the configuration in use
        stays: see :meth:`check_reconfiguration`. Invalid argument types always raise ``OneLoggerError``.
        """
        # The config models (pydantic) are imported here, not with the module: code that only uses
        # ``timed_span`` on a process that never configures OneLogger does not pay for loading them.
        from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy

        if not isinstance(config, OneLoggerConfig):
            raise OneLoggerError(f"configure() expects a OneLoggerConfig, got {type(config).__name__}.")
        if not isinstance(recorder, Recorder):
            raise OneLoggerError(f"configure() expects a Recorder, got {type(recorder).__name__}.")
        with self._lock:
            if self._config is not None:
                self.check_reconfiguration(config, recorder)
                return
            # The recorder before the config: a reader that sees the config also sees the recorder.
            self.configured_recorder = recorder
            self._config = config
            GUARD_STATE.propagate = (
                config.error_handling_strategy == OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS
            )
            GUARD_STATE.failure_handler = self._on_library_failure
            GUARD_STATE.bad_data_handler = self._on_bad_data
            self._publish()

    def check_reconfiguration(
        self, config: OneLoggerConfig, recorder: Optional[Recorder], other_differences: Sequence[str] = ()
    ) -> None:
        """Apply the rule for a second configuration of a configured provider.

        No difference (an equal ``config``; ``recorder`` None or the recorder in use; no ``other_differences``,
        which ``configure_one_logger`` computes from its other arguments): nothing happens. Otherwise the message
        starts with "OneLoggerProvider already configured!" and lists what differs. The strategy in force
        (the first configuration's) decides only whether it is raised (``OneLoggerError`` under
        PROPAGATE_EXCEPTIONS) or logged (one ERROR line per distinct difference, per process). In both cases
        the configuration in use stays and the library keeps working: a refused second call must not turn the
        telemetry of the job off.
        """
        from nv_one_logger.api._config_diff import describe_differences

        in_use = self.config
        differences: List[str] = describe_differences(in_use, config)
        in_use_recorder = self.configured_recorder
        if recorder is not None and recorder is not in_use_recorder:
            differences.append(
                f"recorder (a {type(in_use_recorder).__name__} in use, another {type(recorder).__name__} given)"
            )
        differences.extend(other_differences)
        if not differences:
            return
        message = (
            "OneLoggerProvider already configured! The new configuration differs in: "
            + "; ".join(differences)
            + ". The configuration in use stays; configure again only with an equal configuration "
            "(tests can call nv_one_logger.testing.reset_one_logger() first)."
        )
        if GUARD_STATE.propagate:
            raise OneLoggerError(message)
        log_once(_LOGGER, logging.ERROR, message, "%s", message)

    @property
    def recorder(self) -> Recorder:
        """The configured recorder (``OneLoggerError`` before ``configure``)."""
        return _configured(self.configured_recorder)

    @property
    def config(self) -> OneLoggerConfig:
        """The configuration (``OneLoggerError`` before ``configure``)."""
        return _configured(self._config)

    @property
    def one_logger_ready(self) -> bool:
        """True once ``configure`` succeeded."""
        return self._config is not None

    @property
    def one_logger_enabled(self) -> bool:
        """True when configured, not force-disabled and enabled for the current rank.

        The same decision as :attr:`active_recorder` (and as the guarded calls): ``enable_for_current_rank`` is
        read when :meth:`configure` runs, so changing it on the config object afterwards changes nothing.
        """
        return self.active_recorder is not None

    def force_disable_logging(self) -> None:
        """Turn every later guarded call into a no-op, for the rest of the process.

        The library calls this itself when it fails under the DISABLE strategy. There is deliberately no way to
        re-enable: data recorded after a gap would look complete while it is not.
        """
        with self._lock:
            self._force_disabled = True
            self._publish()

    def _on_library_failure(self, message: str, origin: Optional[object]) -> None:
        """Report a library failure to the exporters of the recorder(s) involved, then disable the library."""
        try:
            targets = [self.configured_recorder]
            if (
                origin is not None
                and origin is not self.configured_recorder
                and hasattr(origin, "_report_library_failure")
            ):
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

    def _on_bad_data(self, message: str) -> None:
        """Report a value the application passed that could not be recorded (quiet strategy only; see bad_data)."""
        recorder = self.configured_recorder
        if recorder is not None and not getattr(recorder, "closed", False) and not GUARD_STATE.disabled:
            recorder.telemetry_data_error(message)

    def _reset(self) -> None:
        """Forget the configuration (used by ``nv_one_logger.testing.reset_one_logger``; closes nothing)."""
        with self._lock:
            self._config = None
            self.configured_recorder = None
            self._force_disabled = False
            GUARD_STATE.reset()
            self._publish()
