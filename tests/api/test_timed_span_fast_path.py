"""``timed_span`` is a plain function returning a context manager: the disabled path allocates nothing."""

import logging

from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter, reset_one_logger
from tests.support.config import make_config


def test_disabled_rank_returns_one_shared_no_op_context_manager():
    configure_one_logger(make_config(enable_for_current_rank=False), DefaultRecorder([InMemoryExporter()]))
    first, second = timed_span("a"), timed_span("b", span_attributes={"k": 1})
    assert first is second
    with first as span:
        assert span is None
    assert first.__exit__(ValueError, ValueError("x"), None) is False  # never swallows


def test_context_manager_made_before_configure_records_when_entered_after(caplog):
    reset_one_logger()
    scope = timed_span("late")
    exporter = InMemoryExporter()
    configure_one_logger(make_config(), DefaultRecorder([exporter]))
    with scope as span:
        assert span is not None and span.name_str == "late"
    assert not span.active


def test_force_disabled_before_configure_still_warns_once(caplog):
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider

    reset_one_logger()
    OneLoggerProvider.instance().force_disable_logging()
    with caplog.at_level(logging.WARNING, logger="nv_one_logger"):
        for _ in range(3):
            with timed_span("x") as span:
                assert span is None
    warnings = [r for r in caplog.records if "before configure_one_logger" in r.getMessage()]
    assert len(warnings) == 1
