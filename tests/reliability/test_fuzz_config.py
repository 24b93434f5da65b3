"""Fuzzing the configuration objects: only pydantic's ValidationError (or OneLoggerError) may come out.

`OneLoggerConfig`, `LoggerConfig` and `ExporterConfig` are built from random values of every JSON type (and a
few non-JSON ones: callables that raise, objects, bytes). Building one either succeeds or raises
`pydantic.ValidationError` / `OneLoggerError`; nothing else (TypeError, AttributeError, RecursionError...) may
reach the application. A config that was built must also evaluate its value-or-callable properties the same
way: a value, or one of those two errors.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from nv_one_logger.api.config import LoggerConfig, OneLoggerConfig
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.exporter.exporter_config import ExporterConfig
from tests.support.fuzz_values import attribute_values, json_values, names

EXAMPLES = 1_000
ALLOWED = (ValidationError, OneLoggerError)


class ApplicationCallableError(RuntimeError):
    """Raised by a `*_or_fn` callable of the application: reading the property re-raises the app's own error."""


def _raises() -> Any:
    raise ApplicationCallableError("the application's callable failed")


anything = st.one_of(
    json_values,
    attribute_values,
    names,
    st.sampled_from([_raises, lambda: 4, lambda: "tag", lambda: -1, lambda: None, object(), b"bytes", 10**30]),
)
strategies = st.sampled_from(
    ["propagate_exceptions", "disable_quietly_and_report_metric_error", "PROPAGATE_EXCEPTIONS", "", None, 3]
)
config_kwargs = st.fixed_dictionaries(
    {
        "application_name": anything,
        "world_size_or_fn": anything,
        "session_tag_or_fn": anything,
    },
    optional={
        "is_baseline_run_or_fn": anything,
        "custom_metadata": st.one_of(st.dictionaries(names, attribute_values, max_size=3), anything),
        "error_handling_strategy": strategies,
        "enable_for_current_rank": anything,
        "logger_config": st.one_of(st.dictionaries(st.sampled_from(["log_level", "log_format"]), anything), anything),
        "summary_data_schema_version": anything,
        "telemetry_config": anything,
    },
)
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def test_one_logger_config_raises_only_validation_errors(figure: Callable[[str, Any], None]) -> None:
    outcomes = {"built": 0, "refused": 0}

    @FUZZ
    @given(config_kwargs)
    def build(kwargs: dict[str, Any]) -> None:
        try:
            config = OneLoggerConfig(**kwargs)
        except ALLOWED:
            outcomes["refused"] += 1
            return
        outcomes["built"] += 1
        for prop in ("world_size", "session_tag", "is_baseline_run"):
            with contextlib.suppress(*ALLOWED, ApplicationCallableError):
                getattr(config, prop)

    build()
    figure("OneLoggerConfig examples built", outcomes["built"])
    figure("OneLoggerConfig examples refused with ValidationError/OneLoggerError", outcomes["refused"])
    assert outcomes["built"] and outcomes["refused"]


def test_logger_and_exporter_configs_raise_only_validation_errors(figure: Callable[[str, Any], None]) -> None:
    count = 0

    @FUZZ
    @given(anything, anything, anything, anything)
    def build(level: Any, fmt: Any, class_name: Any, config: Any) -> None:
        nonlocal count
        count += 1
        with contextlib.suppress(*ALLOWED):
            LoggerConfig(log_level=level, log_format=fmt)
        with contextlib.suppress(*ALLOWED):
            ExporterConfig(class_name=class_name, config=config, enabled=bool(count % 2))

    build()
    figure("LoggerConfig/ExporterConfig examples", count)
    assert count >= EXAMPLES
