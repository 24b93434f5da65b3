"""Configuration of OneLogger: what the job is, how the library reacts to failures, and how it logs.

The models are pydantic so that a config built from a file, a dict or code is validated the same way, and an
invalid value raises ``pydantic.ValidationError`` naming the field. Unknown fields are rejected (a typo such as
``error_handling_stategy`` would otherwise silently leave the default in place).

Annotations use ``typing.Optional/Union/Dict`` because pydantic evaluates them at runtime and the library
supports Python 3.9.
"""

import logging
import os
from enum import Enum
from typing import Any, Callable, Dict, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from nv_one_logger.api.telemetry_config import TelemetryConfig
from nv_one_logger.core.attributes import AttributeValue, validate_attribute_name, validate_attribute_value
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.describe import exception_message
from nv_one_logger.core.internal.logging import DEFAULT_LOG_FORMAT, get_logger, log_once

logger = get_logger(__name__)
"""This module's logger (``nv_one_logger.api.config``): it warns when a rank is disabled by its config."""

__all__ = ["DEFAULT_LOG_FORMAT", "LoggerConfig", "OneLoggerConfig", "OneLoggerErrorHandlingStrategy"]

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class OneLoggerErrorHandlingStrategy(Enum):
    """What the library does when it fails (misuse, invalid input, internal bug).

    ``PROPAGATE_EXCEPTIONS`` raises ``OneLoggerError`` to the caller: right for development and tests.
    ``DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR`` keeps the application running: one error line is logged, every
    exporter receives a telemetry data error (so the backend can tell the data of this run is incomplete) and
    the library disables itself. See docs/error-handling.md.
    """

    PROPAGATE_EXCEPTIONS = "propagate_exceptions"
    DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR = "disable_quietly_and_report_metric_error"


class LoggerConfig(BaseModel):
    """How the library's own ``nv_one_logger`` logger behaves (not the telemetry data).

    ``log_level`` is applied to the ``nv_one_logger`` logger by ``configure_one_logger``. The two file paths
    are only used when set explicitly: by default the library creates no files and its log records propagate
    to the application's logging configuration (see docs/quickstart.md, "Logging of the library itself").
    """

    model_config = ConfigDict(extra="forbid")

    log_level: LogLevel = "INFO"
    log_format: str = DEFAULT_LOG_FORMAT
    log_file_path_for_info: str = "onelogger.log"
    log_file_path_for_err: str = "onelogger.err"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", "log_file_path_for_info", "log_file_path_for_err")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @property
    def log_files_requested(self) -> bool:
        """True when the caller set a log file path explicitly (only then does the library create files)."""
        return bool({"log_file_path_for_info", "log_file_path_for_err"} & self.model_fields_set)


def _evaluate(value: Any) -> Any:
    return value() if callable(value) else value


class OneLoggerConfig(BaseModel):
    """Describes the job and how OneLogger behaves in it.

    The ``*_or_fn`` fields take either a value or a zero-argument callable evaluated when the value is read
    (for example a world size only known after ``torch.distributed`` is initialized); read them through the
    ``world_size``, ``session_tag`` and ``is_baseline_run`` properties.

    When ``enable_for_current_rank`` is False and the caller did not choose a strategy, the strategy becomes
    ``DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR`` and, unless a log level was set explicitly, the library's log
    level becomes CRITICAL: a disabled rank must neither raise nor log per call. Building such a config
    logs one WARNING (through this module's ``logger``) naming the rank, so a silent rank can be explained.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    application_name: str
    world_size_or_fn: Union[int, Callable[[], int]]
    session_tag_or_fn: Union[str, Callable[[], str]]
    is_baseline_run_or_fn: Union[bool, Callable[[], bool]] = False
    custom_metadata: Optional[Dict[str, Any]] = None
    error_handling_strategy: OneLoggerErrorHandlingStrategy = OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS
    enable_for_current_rank: bool = True
    logger_config: LoggerConfig = Field(default_factory=LoggerConfig)
    summary_data_schema_version: str = "1.0.0"
    telemetry_config: Optional[TelemetryConfig] = None

    @field_validator("application_name", "summary_data_schema_version")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(f"{info.field_name} cannot be empty or whitespace-only (must not be blank)")
        return value

    @field_validator("world_size_or_fn", mode="before")
    @classmethod
    def _check_world_size(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(
                "world_size must be set to a positive value: a positive int or a callable returning one, not a bool"
            )
        if isinstance(value, int) and value <= 0:
            raise ValueError(f"world_size must be set to a positive value (must be > 0, got {value})")
        return value

    @field_validator("world_size_or_fn")
    @classmethod
    def _check_coerced_world_size(cls, value: Any) -> Any:
        if isinstance(value, int) and value <= 0:  # e.g. the string "0" coerced to an int
            raise ValueError(f"world_size must be set to a positive value (must be > 0, got {value})")
        return value

    @field_validator("session_tag_or_fn")
    @classmethod
    def _check_session_tag(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("custom_metadata")
    @classmethod
    def _check_custom_metadata(cls, value: Optional[Dict[str, Any]]) -> Optional[Dict[str, AttributeValue]]:
        if value is None:
            return None
        checked: Dict[str, AttributeValue] = {}
        for key, item in value.items():
            if not key.strip():
                raise ValueError(
                    f"custom_metadata keys must be non-empty strings (keys must not be blank, got {key!r})"
                )
            try:
                checked[validate_attribute_name(key)] = validate_attribute_value(key, item)
            except OneLoggerError as exc:
                # pydantic-core cannot carry a lone surrogate (a key like "\ud800") in an error message.
                raise ValueError(exception_message(exc).encode("utf-8", "backslashreplace").decode("utf-8")) from None
        return checked

    @model_validator(mode="after")
    def _defaults_for_disabled_rank(self) -> "OneLoggerConfig":
        if self.enable_for_current_rank:
            return self
        log_once(
            logger,
            logging.WARNING,
            "disabled-rank",
            "OneLogger is disabled for rank %s (enable_for_current_rank=False): this rank records no telemetry.",
            os.environ.get("RANK", "<RANK not set>"),
        )
        if "error_handling_strategy" not in self.model_fields_set:
            # object.__setattr__ keeps model_fields_set an honest record of what the caller passed.
            object.__setattr__(
                self,
                "error_handling_strategy",
                OneLoggerErrorHandlingStrategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR,
            )
        level_set = "logger_config" in self.model_fields_set and "log_level" in self.logger_config.model_fields_set
        if not level_set:
            quiet = self.logger_config.model_copy(update={"log_level": "CRITICAL"})
            quiet.model_fields_set.discard("log_level")
            object.__setattr__(self, "logger_config", quiet)
        return self

    @property
    def world_size(self) -> int:
        """The world size, evaluating ``world_size_or_fn`` if it is a callable (OneLoggerError if not > 0)."""
        value = _evaluate(self.world_size_or_fn)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise OneLoggerError(
                f"world_size must be set to a positive value: world_size_or_fn must give a positive int, got {value!r}."
            )
        return value

    @property
    def session_tag(self) -> str:
        """The session tag, evaluating ``session_tag_or_fn`` if it is a callable."""
        value = _evaluate(self.session_tag_or_fn)
        if not isinstance(value, str) or not value.strip():
            raise OneLoggerError(f"session_tag_or_fn must give a non-blank str, got {value!r}.")
        return value

    @property
    def is_baseline_run(self) -> bool:
        """Whether this is a baseline run, evaluating ``is_baseline_run_or_fn`` if it is a callable."""
        value = _evaluate(self.is_baseline_run_or_fn)
        if not isinstance(value, bool):
            raise OneLoggerError(f"is_baseline_run_or_fn must give a bool, got {value!r}.")
        return value
