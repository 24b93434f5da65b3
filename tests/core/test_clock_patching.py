"""Test suites make timings deterministic by patching the clocks; every timestamp the library takes obeys.

The library reads ``time.time()`` / ``time.perf_counter()`` through the ``time`` module at call time, and takes
"now" from ``TracingTimestamp.now()``, so both kinds of patch reach spans, events, timers and the recorder.
"""

import time
from unittest import mock

import freezegun
import pytest

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.internal.multi_window_timer import MultiWindowTimer
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import Timer, TracingTimestamp
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter

WALL = 1_800_000_000.0


class FakeClock:
    """A wall clock and a perf counter that only move when told to."""

    def __init__(self) -> None:
        self.wall = WALL
        self.perf = 500.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.perf += seconds


@pytest.fixture
def clock():
    fake = FakeClock()
    with mock.patch("time.time", lambda: fake.wall), mock.patch("time.perf_counter", lambda: fake.perf):
        yield fake


def test_now_and_for_timestamp_read_the_patched_clocks(clock):
    assert TracingTimestamp.now() == TracingTimestamp(WALL, 500.0)
    # for_timestamp derives the perf counter from the (patched) offset between the two clocks
    assert TracingTimestamp.for_timestamp(WALL - 10).perf_counter_seconds == pytest.approx(490.0)


def test_span_and_event_times_come_from_the_patched_clocks(clock):
    span = Span.create("step")
    clock.advance(1.25)
    event = Event.create("metrics")
    clock.advance(0.75)
    span.stop()
    assert span.start_event.timestamp == TracingTimestamp(WALL, 500.0)
    assert event.timestamp == TracingTimestamp(WALL + 1.25, 501.25)
    assert event.attributes.get_int_value("timestamp_msec") == round((WALL + 1.25) * 1000)
    assert span.stop_event.timestamp == TracingTimestamp(WALL + 2.0, 502.0)
    assert span.duration_msec() == 2000


def test_recorder_and_error_events_use_the_patched_clocks(clock):
    exporter = InMemoryExporter()
    recorder = DefaultRecorder([exporter])
    span = recorder.start("train")
    clock.advance(3.0)
    error = recorder.error(span, "boom")
    clock.advance(2.0)
    recorder.stop(span)
    assert span.start_event.timestamp.seconds_since_epoch == WALL
    assert error.timestamp.seconds_since_epoch == WALL + 3.0
    assert span.stop_event.timestamp.seconds_since_epoch == WALL + 5.0
    assert span.attributes.get_int_value("duration_msec") == 5000
    assert ErrorEvent.create("x").timestamp.seconds_since_epoch == WALL + 5.0
    data_error = TelemetryDataError.create(TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, "y")
    assert data_error.timestamp.seconds_since_epoch == WALL + 5.0
    recorder.close()


def test_timers_use_the_patched_perf_counter(clock):
    timer = Timer()
    timer.start()
    clock.advance(4.0)
    assert timer.stop() == 4.0
    windows = MultiWindowTimer()
    windows.start()
    clock.advance(1.5)
    windows.stop()
    assert windows.total_time_sec == 1.5


def test_patched_tracing_timestamp_now_reaches_spans_and_events():
    start = TracingTimestamp(WALL, 10.0)
    stop = TracingTimestamp(WALL + 7.0, 17.0)
    with mock.patch.object(TracingTimestamp, "now", return_value=start):
        span = Span.create("step")
        event = Event.create("metrics", {"loss": 0.5})
        recorder_span = DefaultRecorder([]).start("other")
    with mock.patch.object(TracingTimestamp, "now", return_value=stop):
        span.stop()
    assert span.start_event.timestamp == start and event.timestamp == start
    assert recorder_span.start_event.timestamp == start
    assert span.stop_event.timestamp == stop and span.duration_msec() == 7000
    # the patch is gone: real time again
    assert Span.create("later").start_event.timestamp.seconds_since_epoch != WALL


def test_freezegun_controls_spans_events_and_durations():
    with freezegun.freeze_time("2027-01-01 00:00:00") as frozen:
        frozen_wall = time.time()
        span = Span.create("step")
        frozen.tick(1.5)
        event = Event.create("metrics")
        frozen.tick(1.0)
        span.stop()
    assert span.start_event.timestamp.seconds_since_epoch == frozen_wall
    assert event.timestamp.seconds_since_epoch == frozen_wall + 1.5
    assert span.stop_event.timestamp.seconds_since_epoch == frozen_wall + 2.5
    assert span.duration_msec() == 2500  # freezegun moves the perf counter along with the wall clock
