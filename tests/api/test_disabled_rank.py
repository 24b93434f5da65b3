"""A disabled rank pays (almost) nothing and logs nothing per call."""

import asyncio

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed, timed_span
from nv_one_logger.core.event import Event
from nv_one_logger.core.span import Span
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import make_config


def test_disabled_rank_calls_are_no_ops_that_log_nothing(caplog, monkeypatch):
    exporter = InMemoryExporter()
    configure_one_logger(make_config(enable_for_current_rank=False), DefaultRecorder([exporter]))
    # configure_one_logger made the library logger CRITICAL-only; open it fully to prove nothing is even attempted.
    caplog.set_level("DEBUG", logger="nv_one_logger")
    caplog.clear()

    def must_not_be_called(*args, **kwargs):
        raise AssertionError("the disabled fast path must not build spans")

    monkeypatch.setattr(Span, "create", must_not_be_called)

    @timed
    def work():
        return 7

    @timed
    async def async_work():
        return 8

    recorder = get_recorder()
    for _ in range(100):
        span = recorder.start("step")
        assert span is None
        assert recorder.event(span, Event.create("e")) is None
        assert recorder.error(span, "e") is None
        recorder.stop(span)
        recorder.telemetry_data_error("x")
        with timed_span("block") as block:
            assert block is None
        assert work() == 7
    assert asyncio.run(async_work()) == 8
    assert recorder.get_active_spans_by_name("step") == []
    # Even misuse is ignored on a disabled rank (no exception, no log line).
    recorder.stop("not a span")
    assert [r for r in caplog.records if r.name.startswith("nv_one_logger")] == []
    assert exporter.method_names() == ["initialize"]
    assert OneLoggerProvider.instance().one_logger_enabled is False


def test_disabled_rank_close_still_closes_exporters():
    exporter = InMemoryExporter()
    configure_one_logger(make_config(enable_for_current_rank=False), DefaultRecorder([exporter]))
    get_recorder().close()
    assert exporter.closed
    assert exporter.method_names() == ["initialize", "close"]
