import time
from unittest import mock

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.time import MAX_FUTURE_SECONDS, MAX_PAST_SECONDS, Timer, TracingTimestamp


def test_now_reads_both_clocks():
    before_wall, before_perf = time.time(), time.perf_counter()
    ts = TracingTimestamp.now()
    after_wall, after_perf = time.time(), time.perf_counter()
    assert before_wall <= ts.seconds_since_epoch <= after_wall
    assert before_perf <= ts.perf_counter_seconds <= after_perf


def test_milliseconds_are_rounded():
    assert TracingTimestamp(1_700_000_000.0015, 5.0).milliseconds_since_epoch == 1_700_000_000_002
    assert TracingTimestamp(1_700_000_000.0004, 5.0).milliseconds_since_epoch == 1_700_000_000_000
    assert type(TracingTimestamp(1.5, 0.0).milliseconds_since_epoch) is int


def test_immutable_and_value_equality():
    a = TracingTimestamp(100.0, 2.0)
    b = TracingTimestamp(100.0, 2.0)
    assert a == b and hash(a) == hash(b)
    assert a != TracingTimestamp(100.0, 3.0)
    assert a != TracingTimestamp(101.0, 2.0)
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a._seconds_since_epoch = 5.0
    with pytest.raises(AttributeError):
        a.seconds_since_epoch = 5.0  # type: ignore[misc]


def test_for_timestamp_with_perf_counter():
    now = time.time()
    ts = TracingTimestamp.for_timestamp(now - 10, perf_counter=123.0)
    assert ts.seconds_since_epoch == now - 10
    assert ts.perf_counter_seconds == 123.0


def test_for_timestamp_derives_perf_counter_consistent_with_now():
    now = TracingTimestamp.now()
    earlier = TracingTimestamp.for_timestamp(now.seconds_since_epoch - 60)
    # The derived perf counter sits about 60 s before now's perf counter (up to clock-read jitter).
    assert abs((now.perf_counter_seconds - earlier.perf_counter_seconds) - 60) < 5


@pytest.mark.parametrize("factor", [1e3, 1e6, 1e9])
def test_for_timestamp_rejects_unit_mixups(factor):
    with pytest.raises(OneLoggerError, match="too far from now") as info:
        TracingTimestamp.for_timestamp(time.time() * factor)
    expected = {1e3: "milliseconds", 1e6: "microseconds", 1e9: "nanoseconds"}[factor]
    assert expected in str(info.value)


def test_far_timestamps_messages_start_with_the_2_3_1_text():
    now = time.time()
    with pytest.raises(
        OneLoggerError, match=r"^timestamp is too old\. This is meant to be the time in seconds since epoch\."
    ):
        TracingTimestamp.for_timestamp(now / 1000)
    with pytest.raises(OneLoggerError, match=r"^timestamp is in the future\..*milliseconds"):
        TracingTimestamp.for_timestamp(now * 1000)


def test_for_timestamp_rejects_far_past_and_future():
    now = time.time()
    with pytest.raises(OneLoggerError, match="too far"):
        TracingTimestamp.for_timestamp(now / 1000)  # 1970
    with pytest.raises(OneLoggerError, match="too far"):
        TracingTimestamp.for_timestamp(now - MAX_PAST_SECONDS - 3600)
    with pytest.raises(OneLoggerError, match="too far"):
        TracingTimestamp.for_timestamp(now + MAX_FUTURE_SECONDS + 3600)
    TracingTimestamp.for_timestamp(now - MAX_PAST_SECONDS + 3600)
    TracingTimestamp.for_timestamp(now + MAX_FUTURE_SECONDS - 3600)


def test_for_timestamp_without_validation_accepts_old_data():
    ts = TracingTimestamp.for_timestamp(1_000_000.0, perf_counter=1.0, validate_timestamp=False)
    assert ts.seconds_since_epoch == 1_000_000.0


@pytest.mark.parametrize("bad", [None, "1700000000", True, float("nan"), float("inf"), [1.0]])
def test_for_timestamp_rejects_non_numbers(bad):
    with pytest.raises(OneLoggerError, match="timestamp_sec"):
        TracingTimestamp.for_timestamp(bad)


def test_for_timestamp_rejects_bad_perf_counter():
    with pytest.raises(OneLoggerError, match="perf_counter"):
        TracingTimestamp.for_timestamp(time.time(), perf_counter="x")  # type: ignore[arg-type]


def test_json_round_trip():
    ts = TracingTimestamp.now()
    data = ts.to_json()
    assert data == {"seconds_since_epoch": ts.seconds_since_epoch, "perf_counter_seconds": ts.perf_counter_seconds}
    assert TracingTimestamp.from_json(data) == ts
    old = {"seconds_since_epoch": 5.0, "perf_counter_seconds": 1}
    assert TracingTimestamp.from_json(old) == TracingTimestamp(5.0, 1.0)


@pytest.mark.parametrize(
    "bad", [None, [], {}, {"seconds_since_epoch": 1.0}, {"seconds_since_epoch": "1", "perf_counter_seconds": 1.0}]
)
def test_from_json_rejects_bad_input(bad):
    with pytest.raises(OneLoggerError):
        TracingTimestamp.from_json(bad)


def test_timer_stop_returns_the_total_since_the_last_reset():
    perf = [100.0]
    with mock.patch("time.perf_counter", lambda: perf[0]):
        timer = Timer()
        assert not timer.running
        timer.start()
        assert timer.running
        perf[0] += 2.0
        assert timer.stop() == 2.0 and not timer.running
        perf[0] += 10.0  # not running: not counted
        timer.start()
        perf[0] += 3.0
        assert timer.stop() == 5.0  # accumulated over both start/stop pairs
        assert timer.last_interval_seconds == 3.0 and timer.elapsed_seconds == 5.0
        timer.start()
        perf[0] += 1.0
        assert timer.stop(reset=True) == 6.0  # the total, then reset
        assert timer.elapsed_seconds == 0.0
        timer.start()
        perf[0] += 0.5
        assert timer.stop() == 0.5


def test_timer_start_at_given_time():
    timer = Timer()
    ts = TracingTimestamp(time.time() - 5, time.perf_counter() - 5)
    timer.start(ts)
    assert timer.stop() >= 5


def test_timer_misuse_raises():
    timer = Timer()
    with pytest.raises(OneLoggerError, match="not running"):
        timer.stop()
    timer.start()
    with pytest.raises(OneLoggerError, match="running"):
        timer.start()
    with pytest.raises(OneLoggerError):
        Timer().start(123.0)  # type: ignore[arg-type]


def test_timer_reset():
    timer = Timer()
    timer.start()
    timer.stop()
    timer.reset(start=True)
    assert timer.running
    timer.reset()
    assert not timer.running and timer.elapsed_seconds == 0.0
