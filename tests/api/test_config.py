from typing import Dict, Optional

import pytest
from pydantic import ValidationError

from nv_one_logger.api.config import LoggerConfig, OneLoggerConfig, OneLoggerErrorHandlingStrategy
from nv_one_logger.api.telemetry_config import ApplicationType, TelemetryConfig
from nv_one_logger.core.exceptions import OneLoggerError
from tests.support.config import DISABLE, PROPAGATE

REQUIRED = {"application_name": "app", "world_size_or_fn": 8, "session_tag_or_fn": "run-1"}


def test_defaults():
    config = OneLoggerConfig(**REQUIRED)
    assert config.application_name == "app"
    assert config.world_size == 8
    assert config.session_tag == "run-1"
    assert config.is_baseline_run is False
    assert config.custom_metadata is None
    assert config.error_handling_strategy is PROPAGATE
    assert config.enable_for_current_rank is True
    assert config.logger_config.log_level == "INFO"
    assert config.logger_config.log_file_path_for_info == "onelogger.log"
    assert config.logger_config.log_file_path_for_err == "onelogger.err"
    assert config.summary_data_schema_version == "1.0.0"
    assert config.telemetry_config is None


def test_strategy_values():
    assert PROPAGATE.value == "propagate_exceptions"
    assert DISABLE.value == "disable_quietly_and_report_metric_error"
    config = OneLoggerConfig(**REQUIRED, error_handling_strategy="disable_quietly_and_report_metric_error")
    assert config.error_handling_strategy is DISABLE


def test_callables_are_evaluated_on_each_read():
    calls = []

    def world_size() -> int:
        calls.append(1)
        return 4

    config = OneLoggerConfig(
        application_name="app",
        world_size_or_fn=world_size,
        session_tag_or_fn=lambda: "tag-from-fn",
        is_baseline_run_or_fn=lambda: True,
    )
    assert calls == []  # not evaluated at construction (e.g. before torch.distributed is up)
    assert config.world_size == 4
    assert config.world_size == 4
    assert len(calls) == 2
    assert config.session_tag == "tag-from-fn"
    assert config.is_baseline_run is True


def test_callable_returning_invalid_value_raises_one_logger_error():
    config = OneLoggerConfig(application_name="app", world_size_or_fn=lambda: 0, session_tag_or_fn=lambda: " ")
    with pytest.raises(OneLoggerError, match="world_size_or_fn"):
        _ = config.world_size
    with pytest.raises(OneLoggerError, match="session_tag_or_fn"):
        _ = config.session_tag


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("application_name", ""),
        ("application_name", "   "),
        ("application_name", None),
        ("world_size_or_fn", 0),
        ("world_size_or_fn", -3),
        ("world_size_or_fn", True),
        ("world_size_or_fn", "zero"),
        ("session_tag_or_fn", ""),
        ("session_tag_or_fn", 5),
        ("error_handling_strategy", "explode"),
        ("enable_for_current_rank", "maybe"),
        ("custom_metadata", {"": 1}),
        ("custom_metadata", {"k": None}),
        ("custom_metadata", {"k": {"nested": 1}}),
        ("custom_metadata", {"k": [1, "a"]}),
        ("telemetry_config", object()),
        ("summary_data_schema_version", ""),
    ],
)
def test_invalid_field_raises_validation_error_naming_the_field(field, value):
    kwargs = dict(REQUIRED)
    kwargs[field] = value
    with pytest.raises(ValidationError) as info:
        OneLoggerConfig(**kwargs)
    assert field in {str(error["loc"][0]) for error in info.value.errors()}


@pytest.mark.parametrize("missing", ["application_name", "world_size_or_fn", "session_tag_or_fn"])
def test_required_fields(missing):
    kwargs = dict(REQUIRED)
    del kwargs[missing]
    with pytest.raises(ValidationError, match=missing):
        OneLoggerConfig(**kwargs)


def test_unknown_field_is_rejected():
    with pytest.raises(ValidationError, match="error_handling_stategy"):
        OneLoggerConfig(**REQUIRED, error_handling_stategy=DISABLE)


def test_custom_metadata_is_validated_and_kept():
    config = OneLoggerConfig(**REQUIRED, custom_metadata={"team": "llm", "gpus": 8, "lr": 0.1, "tags": ["a", "b"]})
    assert config.custom_metadata == {"team": "llm", "gpus": 8, "lr": 0.1, "tags": ["a", "b"]}
    assert type(config.custom_metadata["gpus"]) is int


def test_disabled_rank_defaults_to_disable_strategy_and_critical_level():
    config = OneLoggerConfig(**REQUIRED, enable_for_current_rank=False)
    assert config.error_handling_strategy is DISABLE
    assert config.logger_config.log_level == "CRITICAL"
    assert "error_handling_strategy" not in config.model_fields_set


def test_disabled_rank_keeps_an_explicit_strategy_and_level():
    config = OneLoggerConfig(
        **REQUIRED,
        enable_for_current_rank=False,
        error_handling_strategy=PROPAGATE,
        logger_config=LoggerConfig(log_level="DEBUG"),
    )
    assert config.error_handling_strategy is PROPAGATE
    assert config.logger_config.log_level == "DEBUG"


def test_disabled_rank_with_explicit_strategy_still_gets_quiet_logging_unless_level_set():
    config = OneLoggerConfig(**REQUIRED, enable_for_current_rank=False, error_handling_strategy=PROPAGATE)
    assert config.error_handling_strategy is PROPAGATE
    assert config.logger_config.log_level == "CRITICAL"
    partial = OneLoggerConfig(
        **REQUIRED, enable_for_current_rank=False, logger_config=LoggerConfig(log_format="%(message)s")
    )
    assert partial.logger_config.log_level == "CRITICAL"
    assert partial.logger_config.log_format == "%(message)s"


def test_enabled_rank_strategy_default_is_propagate():
    assert OneLoggerConfig(**REQUIRED, enable_for_current_rank=True).error_handling_strategy is PROPAGATE


def test_logger_config_validation():
    assert LoggerConfig(log_level="warning").log_level == "WARNING"
    with pytest.raises(ValidationError, match="log_level"):
        LoggerConfig(log_level="LOUD")
    with pytest.raises(ValidationError, match="log_file_path_for_err"):
        LoggerConfig(log_file_path_for_err=" ")
    with pytest.raises(ValidationError, match="colour"):
        LoggerConfig(colour=True)


def test_logger_config_knows_whether_files_were_requested():
    assert LoggerConfig().log_files_requested is False
    assert LoggerConfig(log_file_path_for_err="x.err").log_files_requested is True


class _TrainingTelemetry:
    is_train_iterations_enabled = True
    is_validation_iterations_enabled = False
    is_test_iterations_enabled = False
    is_save_checkpoint_enabled = True
    app_type = ApplicationType.TRAINING

    @property
    def custom_metadata(self) -> Optional[Dict[str, str]]:
        return {"model": "gpt"}


def test_telemetry_config_protocol():
    telemetry = _TrainingTelemetry()
    assert isinstance(telemetry, TelemetryConfig)
    config = OneLoggerConfig(**REQUIRED, telemetry_config=telemetry)
    assert config.telemetry_config is telemetry
    assert not isinstance(object(), TelemetryConfig)


def test_application_type_is_a_string_enum():
    assert ApplicationType.TRAINING == "training"
    assert str(ApplicationType.BATCH_INFERENCE) == "batch_inference"
    assert {"online_inference": 1}[ApplicationType.ONLINE_INFERENCE] == 1
    assert [member.value for member in ApplicationType] == [
        "training",
        "validation",
        "batch_inference",
        "online_inference",
        "data_processing",
    ]


def test_strategy_enum_members():
    assert {member.name for member in OneLoggerErrorHandlingStrategy} == {
        "PROPAGATE_EXCEPTIONS",
        "DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR",
    }
