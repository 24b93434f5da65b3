"""Configuring twice: equal is a no-op, different is refused saying what differs, under both strategies.

The only difference between the strategies is whether the refusal is raised; in both the configuration in use
stays and keeps recording (the quiet strategy must not turn telemetry off because of a second set-up call).
"""

import logging

import pytest

from nv_one_logger.api.config import LoggerConfig
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, make_config
from tests.support.log_records import library_records

IN_MEMORY = {"class_name": "nv_one_logger.testing.InMemoryExporter"}
PREFIX = "OneLoggerProvider already configured!"


@pytest.fixture(autouse=True)
def _no_exporter_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in __import__("os").environ if n.startswith(("ONE_LOGGER_", "OTEL_"))]:
        monkeypatch.delenv(name)


@pytest.mark.parametrize("strategy", [PROPAGATE, DISABLE])
def test_an_equal_but_not_identical_config_is_a_no_op(strategy, caplog):
    first = configure_one_logger(make_config(strategy), exporters_config=[IN_MEMORY])
    again = make_config(strategy)
    assert again is not OneLoggerProvider.instance().config
    assert configure_one_logger(again, exporters_config=[dict(IN_MEMORY)]) is first
    assert configure_one_logger(make_config(strategy), first) is first
    OneLoggerProvider.instance().configure(make_config(strategy), first)
    assert get_recorder() is first and OneLoggerProvider.instance().one_logger_enabled
    assert library_records(caplog, logging.WARNING) == []


def _refusal(strategy, caplog, call):
    """Run ``call``; return the refusal message (raised under PROPAGATE, logged under DISABLE)."""
    if strategy is PROPAGATE:
        with pytest.raises(OneLoggerError) as raised:
            call()
        return str(raised.value)
    call()  # must not raise
    errors = library_records(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    return errors[0].getMessage()


@pytest.mark.parametrize("strategy", [PROPAGATE, DISABLE])
@pytest.mark.parametrize(
    "change, named",
    [
        ({"custom_metadata": {"team": "b"}}, "custom_metadata (None in use, {'team': 'b'} given)"),
        ({"logger_config": LoggerConfig(log_level="DEBUG")}, "logger_config.log_level ('INFO' in use, 'DEBUG' given)"),
        ({"enable_for_current_rank": False}, "enable_for_current_rank (True in use, False given)"),
    ],
)
def test_a_different_config_is_refused_naming_what_differs_and_telemetry_goes_on(strategy, change, named, caplog):
    exporter = InMemoryExporter()
    recorder = configure_one_logger(make_config(strategy), DefaultRecorder([exporter]))
    message = _refusal(strategy, caplog, lambda: configure_one_logger(make_config(strategy, **change)))
    assert message.startswith(PREFIX)
    assert named in message
    provider = OneLoggerProvider.instance()
    assert provider.one_logger_enabled and get_recorder() is recorder
    assert provider.config == make_config(strategy)
    with timed_span("after_the_refusal"):
        pass
    assert exporter.span_names(stopped=True) == ["after_the_refusal"]
    assert exporter.telemetry_data_errors == []


@pytest.mark.parametrize("strategy", [PROPAGATE, DISABLE])
def test_another_recorder_or_other_arguments_are_refused(strategy, caplog):
    configure_one_logger(make_config(strategy), exporters_config=[IN_MEMORY])
    message = _refusal(
        strategy, caplog, lambda: configure_one_logger(make_config(strategy), DefaultRecorder([InMemoryExporter()]))
    )
    assert (
        message.startswith(PREFIX) and "recorder (a DefaultRecorder in use, another DefaultRecorder given)" in message
    )
    caplog.clear()
    message = _refusal(strategy, caplog, lambda: configure_one_logger(make_config(strategy), exit_timeout_seconds=3))
    assert message.startswith(PREFIX) and "exit_timeout_seconds (None in use, 3 given)" in message
    assert OneLoggerProvider.instance().one_logger_enabled


def test_the_quiet_strategy_logs_one_line_per_distinct_refusal(caplog):
    configure_one_logger(make_config(DISABLE), DefaultRecorder([InMemoryExporter()]))
    for _ in range(3):
        configure_one_logger(make_config(DISABLE, custom_metadata={"x": 1}))
    configure_one_logger(make_config(DISABLE, custom_metadata={"x": 2}))
    messages = [r.getMessage() for r in library_records(caplog)]
    assert len(messages) == 2 and all(m.startswith(PREFIX) for m in messages)
    assert "{'x': 1}" in messages[0] and "{'x': 2}" in messages[1]
