import asyncio
import threading

import pytest

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, configure_recorder


def test_timed_span_records_a_span_and_yields_it():
    exporter = InMemoryExporter()
    configure_recorder(PROPAGATE, exporter)
    with timed_span("step", span_attributes={"step": 3}, start_event_attributes=Attributes({"lr": 0.1})) as span:
        assert span.active
        assert exporter.started_spans == [span]
    assert not span.active
    assert exporter.stopped_spans == [span]
    assert span.attributes.get_int_value("step") == 3
    assert span.start_event.attributes.get_float_value("lr") == 0.1
    assert span.attributes.get_int_value("duration_msec") >= 0


def test_nesting_sets_parents():
    configure_recorder(PROPAGATE)
    with timed_span("outer") as outer:
        with timed_span("inner") as inner:
            pass
        with timed_span("second") as second:
            pass
    assert inner.parent_span is outer and second.parent_span is outer and outer.parent_span is None


@pytest.mark.parametrize("strategy", [PROPAGATE, DISABLE])
def test_exception_is_recorded_and_reraised_unchanged(strategy):
    exporter = InMemoryExporter()
    configure_recorder(strategy, exporter)
    error = ValueError("bad value")
    with pytest.raises(ValueError) as info, timed_span("failing") as span:
        raise error
    assert info.value is error
    assert not span.active
    assert len(exporter.errors) == 1
    event, errored_span = exporter.errors[0]
    assert errored_span is span
    assert event.exception_type == "ValueError"
    assert event.exception_message == "bad value"
    assert "bad value" in event.error_message
    assert "raise error" in event.exception_traceback
    assert exporter.stopped_spans == [span]
    assert OneLoggerProvider.instance().one_logger_enabled


def test_keyboard_interrupt_stops_the_span_without_an_error_event():
    exporter = InMemoryExporter()
    configure_recorder(PROPAGATE, exporter)
    with pytest.raises(KeyboardInterrupt), timed_span("interrupted") as span:
        raise KeyboardInterrupt
    assert exporter.stopped_spans == [span]
    assert exporter.errors == []


def test_span_stopped_inside_the_block_is_not_stopped_again():
    exporter = InMemoryExporter()
    configure_recorder(PROPAGATE, exporter)
    with timed_span("early") as span:
        get_recorder().stop(span)
    assert exporter.stopped_spans == [span]


def test_block_exception_wins_over_a_telemetry_failure(caplog, monkeypatch):
    exporter = InMemoryExporter()
    recorder = configure_recorder(PROPAGATE, exporter)

    def failing_error(span, message, exception=None):
        raise OneLoggerError("cannot record")

    monkeypatch.setattr(recorder, "error", failing_error)
    with pytest.raises(RuntimeError, match="app failure"), timed_span("s") as span:
        raise RuntimeError("app failure")
    assert exporter.stopped_spans == [span]  # still stopped
    assert any("Could not record" in r.getMessage() for r in caplog.records)


def test_before_configure_timed_span_is_a_no_op_with_one_warning(caplog):
    results = []
    for _ in range(3):
        with timed_span("unconfigured") as span:
            results.append(span)
    assert results == [None, None, None]
    warnings = [r for r in caplog.records if "before configure_one_logger" in r.getMessage()]
    assert len(warnings) == 1
    assert OneLoggerProvider.instance().one_logger_ready is False
    with pytest.raises(ZeroDivisionError), timed_span("unconfigured"):
        1 / 0  # noqa: B018  # exceptions still propagate unchanged


def test_disabled_rank_yields_none_and_records_nothing(caplog):
    exporter = InMemoryExporter()
    configure_recorder(PROPAGATE, exporter, enable_for_current_rank=False)
    assert [r.name for r in caplog.records] == ["nv_one_logger.api.config"]  # the one "disabled for rank" line
    caplog.clear()
    with timed_span("s") as span:
        assert span is None
    assert exporter.method_names() == ["initialize"]
    assert caplog.records == []


def test_threads_get_independent_nesting():
    exporter = InMemoryExporter()
    configure_recorder(PROPAGATE, exporter)
    barrier = threading.Barrier(3)
    pairs = []

    def work(index):
        with timed_span(f"t{index}") as outer:
            barrier.wait()
            with timed_span(f"t{index}.inner") as inner:
                barrier.wait()
            pairs.append((outer, inner))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(pairs) == 3
    for outer, inner in pairs:
        assert inner.parent_span is outer
        assert outer.parent_span is None
    assert len(exporter.stopped_spans) == 6


def test_asyncio_tasks_created_inside_a_span_are_its_children():
    configure_recorder(PROPAGATE)

    async def child(name):
        await asyncio.sleep(0)
        with timed_span(name) as span:
            await asyncio.sleep(0)
        return span

    async def main():
        with timed_span("parent") as parent:
            tasks = [asyncio.create_task(child(f"c{i}")) for i in range(4)]
            spans = await asyncio.gather(*tasks)
        return parent, spans

    parent, spans = asyncio.run(main())
    assert all(span.parent_span is parent for span in spans)


def test_get_recorder_before_configure_does_not_raise():
    assert get_recorder().event(None, Event.create("early")) is None
