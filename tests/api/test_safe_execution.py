import asyncio
import inspect
import threading
from typing import Optional

import pytest

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.safe_execution import GUARD_STATE, safely_execute
from nv_one_logger.core.span import Span
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, configure_recorder
from tests.support.log_records import library_records

calls = []


@safely_execute
def guarded(value: int, *, fail_with: Optional[Exception] = None) -> int:
    """A guarded helper."""
    calls.append(value)
    if fail_with is not None:
        raise fail_with
    return value * 2


@safely_execute
async def guarded_async(value: int, fail_with: Optional[Exception] = None) -> int:
    """An async guarded helper."""
    await asyncio.sleep(0)
    if fail_with is not None:
        raise fail_with
    return value + 1


@pytest.fixture(autouse=True)
def _clear_calls():
    calls.clear()


def test_wrapper_keeps_introspection():
    assert guarded.__name__ == "guarded" and guarded.__doc__ == "A guarded helper."
    assert list(inspect.signature(guarded).parameters) == ["value", "fail_with"]
    assert inspect.iscoroutinefunction(guarded_async)


def test_without_provider_calls_run_and_errors_propagate():
    assert guarded(2) == 4
    with pytest.raises(OneLoggerError, match="bad input"):
        guarded(1, fail_with=OneLoggerError("bad input"))


def test_internal_bug_is_wrapped_in_one_logger_error_naming_the_function():
    original = KeyError("k")
    with pytest.raises(OneLoggerError, match=r"Internal error in guarded: KeyError") as info:
        guarded(1, fail_with=original)
    assert info.value.__cause__ is original


def test_async_function_under_both_strategies(caplog):
    assert asyncio.run(guarded_async(1)) == 2
    with pytest.raises(OneLoggerError, match="Internal error in guarded_async"):
        asyncio.run(guarded_async(1, ValueError("x")))
    exporter = InMemoryExporter()
    configure_recorder(DISABLE, exporter)
    assert asyncio.run(guarded_async(1, ValueError("x"))) is None
    assert len(library_records(caplog)) == 1 and len(exporter.telemetry_data_errors) == 1
    assert asyncio.run(guarded_async(1)) is None  # disabled now


def test_disabled_fast_path_does_not_call_the_function(caplog):
    configure_recorder(PROPAGATE, InMemoryExporter(), enable_for_current_rank=False)
    caplog.clear()  # the one "disabled for rank" warning of the config; calls below must log nothing
    caplog.set_level("DEBUG", logger="nv_one_logger")
    assert GUARD_STATE.disabled is True
    assert guarded(5, fail_with=RuntimeError("never raised")) is None
    assert calls == []
    assert caplog.records == []


def test_internal_bug_in_recorder_under_both_strategies(monkeypatch, caplog):
    def broken_create(*args, **kwargs):
        raise ZeroDivisionError("internal bug")

    recorder = configure_recorder(PROPAGATE, InMemoryExporter())
    monkeypatch.setattr(Span, "create", broken_create)
    with pytest.raises(OneLoggerError, match=r"Internal error in DefaultRecorder\.start: ZeroDivisionError") as info:
        recorder.start("x")
    assert isinstance(info.value.__cause__, ZeroDivisionError)

    from nv_one_logger.testing import reset_one_logger

    reset_one_logger()
    exporter = InMemoryExporter()
    recorder = configure_recorder(DISABLE, exporter)
    assert recorder.start("x") is None
    errors = library_records(caplog)
    assert len(errors) == 1 and "DefaultRecorder.start" in errors[0].getMessage()
    assert len(exporter.telemetry_data_errors) == 1
    assert OneLoggerProvider.instance().one_logger_enabled is False


def test_concurrent_failures_log_one_line_and_report_once(caplog):
    first, second = InMemoryExporter(), InMemoryExporter()
    configure_recorder(DISABLE, first, second)
    barrier = threading.Barrier(8)

    def fail():
        barrier.wait()
        guarded(1, fail_with=OneLoggerError("concurrent misuse"))

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(library_records(caplog)) == 1
    assert len(first.telemetry_data_errors) == 1 and len(second.telemetry_data_errors) == 1


def test_free_function_failure_under_disable_reports_to_the_configured_recorder(caplog):
    exporter = InMemoryExporter()
    configure_recorder(DISABLE, exporter)
    assert guarded(1, fail_with=OneLoggerError("domain helper failed")) is None
    assert "domain helper failed" in exporter.telemetry_data_errors[0].error_message
    assert guarded(2) is None and calls == [1]
