import pytest

from nv_one_logger.records import percentile, read_records, rebuild, rebuild_spans, summarize_spans
from tests.support.record_builders import T0, RecordWriter, training_records, write_file


def _rebuild(tmp_path, writer):
    return rebuild(read_records(write_file(tmp_path / "r.jsonl", writer.records)))


def test_spans_have_parents_events_errors_and_durations(tmp_path):
    result = _rebuild(tmp_path, training_records())
    by_id = {s.id: s for s in result.spans}
    assert [s.id for s in result.spans] == ["app", "loop", "it0", "it1", "it2", "ckpt"]
    assert by_id["loop"].parent is by_id["app"]
    assert [c.id for c in by_id["loop"].children] == ["it0", "it1", "it2", "ckpt"]
    assert result.roots == [by_id["app"]]
    assert by_id["it1"].duration_seconds == pytest.approx(0.9)
    assert by_id["it1"].start_seconds == pytest.approx(T0 + 1.2)
    assert by_id["it1"].end_seconds == pytest.approx(T0 + 2.1)
    assert [e.name for e in by_id["it1"].events] == ["loss"]
    assert by_id["ckpt"].duration_seconds == pytest.approx(0.5)
    assert [e.attributes["error_message"] for e in by_id["loop"].errors] == ["data loader hiccup"]
    assert by_id["loop"].events == by_id["loop"].errors
    assert by_id["app"].attributes["duration_msec"] == 4000
    assert not result.open_spans and not result.problems
    assert result.last_seconds_by_pid == {4242: pytest.approx(T0 + 4.0)}


def test_open_spans_are_flagged(tmp_path):
    w = RecordWriter()
    w.start("a", "application", 0.0, app="x")
    w.start("b", "step", 1.0, parent_id="a")
    w.event("b", "tick", 2.0)
    result = _rebuild(tmp_path, w)
    assert [s.id for s in result.open_spans] == ["a", "b"]
    assert result.spans[1].duration_seconds is None and result.spans[1].end_seconds is None
    assert result.last_seconds_by_pid[w.pid] == pytest.approx(T0 + 2.0)


def test_stop_attributes_update_start_attributes(tmp_path):
    w = RecordWriter()
    w.start("a", "x", 0.0, keep=1, change="old")
    w.stop("a", "x", 1.0, change="new", duration_msec=1000)
    (span,) = _rebuild(tmp_path, w).spans
    assert span.attributes == {"keep": 1, "change": "new", "duration_msec": 1000}


def test_multiple_pids_in_one_file(tmp_path):
    a, b = training_records(pid=1), training_records(pid=2)
    for r in b.records:  # distinct span ids per process
        for key in ("id", "span_id", "parent_id"):
            if r.get(key):
                r[key] = "p2-" + r[key]
    mixed = [r for pair in zip(a.records, b.records) for r in pair]
    spans = rebuild_spans(read_records(write_file(tmp_path / "m.jsonl", mixed)))
    assert len(spans) == 12
    assert {s.pid for s in spans} == {1, 2}
    assert all(s.parent is None or s.parent.pid == s.pid for s in spans)


def test_inconsistent_records_become_problems_not_exceptions(tmp_path):
    w = RecordWriter()
    w.stop("ghost", "x", 1.0)
    w.event("ghost", "e", 1.0)
    w.error("ghost", "oops", 1.0)
    w.start("a", "x", 0.0, parent_id="missing-parent")
    w.start("a", "x", 0.5)
    w.stop("a", "x", 1.0)
    w.stop("a", "x", 2.0)
    result = _rebuild(tmp_path, w)
    messages = [p.message for p in result.problems]
    assert len(messages) == 5
    assert "stop of span ghost" in messages[0] and "event 'e' on span ghost" in messages[1]
    assert "error 'error' on span ghost" in messages[2]
    assert "duplicate start" in messages[3] and "second stop" in messages[4]
    assert str(result.problems[0]).startswith(f"{tmp_path / 'r.jsonl'}:1: ")
    (span,) = result.spans
    assert span.parent_missing and span.duration_seconds == pytest.approx(1.0)


def test_duration_falls_back_to_wall_clock_then_attribute(tmp_path):
    w = RecordWriter()
    w.start("a", "x", 0.0)
    stop = w.stop("a", "x", 2.0, duration_msec=1500)
    stop["stop_event"]["timestamp"]["perf_counter_seconds"] = None
    w.start("b", "y", 0.0)
    stop = w.stop("b", "y", 0.0, duration_msec=1500)
    stop["stop_event"]["timestamp"]["seconds_since_epoch"] = T0 - 5  # clock stepped back, no perf counter
    stop["stop_event"]["timestamp"]["perf_counter_seconds"] = None
    a, b = _rebuild(tmp_path, w).spans
    assert a.duration_seconds == pytest.approx(2.0)
    assert b.duration_seconds == pytest.approx(1.5)


def test_percentile_matches_linear_interpolation():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.95) == pytest.approx(4.0 + 0.8 * 6.0)
    assert percentile(values, 1.0) == 10.0 and percentile(values, 0.0) == 1.0
    assert percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_summarize_groups_by_name_sorted_by_total(tmp_path):
    w = training_records()
    w.start("open-it", "training_iteration", 5.0, parent_id="loop")
    stats = {s.name: s for s in summarize_spans(_rebuild(tmp_path, w).spans)}
    it = stats["training_iteration"]
    assert (it.count, it.open, it.errors) == (3, 1, 0)
    assert it.total_seconds == pytest.approx(2.7) and it.mean_seconds == pytest.approx(0.9)
    assert it.max_seconds == pytest.approx(0.9)
    assert stats["training_loop"].errors == 1
    order = [s.name for s in summarize_spans(_rebuild(tmp_path, w).spans)]
    assert order == ["application", "training_loop", "training_iteration", "checkpoint_save"]
