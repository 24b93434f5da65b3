"""MetricSummarizer and MultiWindowTimer: the helpers training-telemetry layers compute their metrics with."""

import math

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.metric_summarizer import MetricSummarizer
from nv_one_logger.core.internal.multi_window_timer import MultiWindowTimer
from nv_one_logger.core.time import TracingTimestamp

WALL = 1_700_000_000.0


def at(perf: float) -> TracingTimestamp:
    """A timestamp whose perf counter is ``perf`` (the wall clock moves along with it)."""
    return TracingTimestamp(WALL + perf, perf)


def test_summarizer_is_empty_before_the_first_value():
    summary = MetricSummarizer[float]()
    assert summary.count == 0
    assert (summary.latest_value, summary.min_value, summary.max_value, summary.total_value) == (None,) * 4
    assert summary.avg_value is None


def test_summarizer_tracks_latest_min_max_total_avg_count():
    summary = MetricSummarizer[float]()
    for value in (3.0, 1.0, 5.0, 2.0):
        summary.add_value(value)
    assert summary.latest_value == 2.0
    assert summary.min_value == 1.0 and summary.max_value == 5.0
    assert summary.total_value == 11.0 and summary.count == 4
    assert summary.avg_value == pytest.approx(2.75)


def test_summarizer_of_ints_keeps_int_totals_and_float_average():
    summary = MetricSummarizer[int]()
    summary.add_value(3)
    summary.add_value(4)
    assert summary.total_value == 7 and type(summary.total_value) is int
    assert summary.avg_value == 3.5


def test_summarizer_equality_and_hash_follow_the_values():
    a, b = MetricSummarizer[int](), MetricSummarizer[int]()
    assert a == b and hash(a) == hash(b)
    a.add_value(2)
    assert a != b
    b.add_value(2)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    b.add_value(1)
    assert a != b


def test_timer_before_any_window():
    timer = MultiWindowTimer()
    assert not timer.is_active
    assert timer.current_window_start is None and timer.first_window_start is None
    assert timer.latest_window_end is None
    assert timer.total_window_count == 0 and timer.total_time_sec == 0.0
    assert timer.min_window_duration_sec == float("inf") and timer.max_window_duration_sec == 0.0
    assert timer.avg_window_duration_sec == 0.0 and timer.latest_window_duration_sec == 0.0


def test_timer_counts_a_window_when_it_starts():
    timer = MultiWindowTimer()
    timer.start(at(10.0))
    assert timer.is_active and timer.total_window_count == 1
    assert timer.current_window_start == at(10.0) and timer.first_window_start == at(10.0)
    assert timer.total_time_sec == 0.0


def test_timer_figures_over_several_windows():
    timer = MultiWindowTimer()
    for start, stop in ((10.0, 12.0), (20.0, 20.5), (30.0, 33.0)):
        timer.start(at(start))
        timer.stop(at(stop))
    assert not timer.is_active and timer.current_window_start is None
    assert timer.total_window_count == 3
    assert timer.total_time_sec == pytest.approx(5.5)
    assert timer.min_window_duration_sec == pytest.approx(0.5)
    assert timer.max_window_duration_sec == pytest.approx(3.0)
    assert timer.avg_window_duration_sec == pytest.approx(5.5 / 3)
    assert timer.latest_window_duration_sec == pytest.approx(3.0)
    assert timer.first_window_start == at(10.0) and timer.latest_window_end == at(33.0)


def test_timer_average_counts_the_open_window():
    timer = MultiWindowTimer()
    timer.start(at(0.0))
    timer.stop(at(4.0))
    timer.start(at(5.0))
    assert timer.total_window_count == 2 and timer.avg_window_duration_sec == pytest.approx(2.0)


def test_timer_duration_uses_perf_counters_not_wall_clock():
    timer = MultiWindowTimer()
    timer.start(TracingTimestamp(WALL, 100.0))
    timer.stop(TracingTimestamp(WALL - 3600, 101.5))  # the wall clock stepped back an hour meanwhile
    assert timer.total_time_sec == pytest.approx(1.5)


def test_timer_defaults_to_now():
    timer = MultiWindowTimer()
    before = TracingTimestamp.now()
    timer.start()
    timer.stop()
    assert timer.first_window_start.perf_counter_seconds >= before.perf_counter_seconds
    assert timer.latest_window_end.perf_counter_seconds >= timer.first_window_start.perf_counter_seconds
    assert timer.total_time_sec >= 0.0


def test_timer_misuse_messages():
    timer = MultiWindowTimer()
    with pytest.raises(OneLoggerError, match=r"^Cannot stop timer since it is not active$"):
        timer.stop()
    timer.start(at(5.0))
    with pytest.raises(OneLoggerError, match=r"^Cannot start timer since it is already active$"):
        timer.start(at(6.0))
    with pytest.raises(OneLoggerError, match=r"^Cannot stop timer with a stop time that is before the start time\."):
        timer.stop(at(4.0))
    assert not timer.is_active  # a failed stop still closes the window
    assert timer.total_time_sec == 0.0 and timer.latest_window_end is None
    timer.start(at(7.0))
    timer.stop(at(8.0))
    assert timer.total_time_sec == pytest.approx(1.0)


def test_timer_rejects_non_timestamps():
    timer = MultiWindowTimer()
    with pytest.raises(OneLoggerError, match="TracingTimestamp"):
        timer.start(12.0)  # type: ignore[arg-type]


def test_timer_reset_forgets_everything():
    timer = MultiWindowTimer()
    timer.start(at(1.0))
    timer.stop(at(2.0))
    timer.start(at(3.0))
    timer.reset()
    assert timer == MultiWindowTimer()
    assert not timer.is_active and timer.total_window_count == 0
    assert math.isinf(timer.min_window_duration_sec)


def test_timer_equality_and_hash_by_state():
    a, b = MultiWindowTimer(), MultiWindowTimer()
    assert a == b and hash(a) == hash(b)
    a.start(at(1.0))
    assert a != b
    b.start(at(1.0))
    assert a == b and hash(a) == hash(b)
    a.stop(at(2.0))
    b.stop(at(2.5))
    assert a != b
