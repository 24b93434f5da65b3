"""The report's charts as data: thinning keeps spikes, crowded span names leave the timeline with a note."""

from __future__ import annotations

import pytest

pytest.importorskip("plotly", reason="the report extra (nv-one-logger-core[report]) is not installed")

from nv_one_logger.records.digest import digest_files
from nv_one_logger.report.figures import (
    MAX_POINTS,
    TIMELINE_MAX_PER_RANK,
    iteration_name,
    iteration_times,
    numbers,
    thin,
    timeline,
)
from tests.support.big_record_file import write_big_file
from tests.support.multirank_run import write_run


def test_thin_keeps_the_largest_value_of_each_stretch():
    xs = list(range(10_000))
    ys = [1.0] * 10_000
    ys[4321] = 50.0
    out_x, out_y = thin(xs, ys, limit=100)
    assert len(out_x) == 100
    assert 50.0 in out_y and 4321 in out_x
    assert thin([1.0, 2.0], [3.0, 4.0], limit=100) == ([1.0, 2.0], [3.0, 4.0])


def test_timeline_leaves_crowded_names_out_and_says_so(tmp_path):
    path = tmp_path / "rank0.jsonl"
    write_big_file(path, 1_000_000)
    digest = digest_files([path])
    chart = timeline(digest)
    drawn = {trace.name for trace in chart.figure.data}
    assert drawn == {"application"}
    assert any(note.startswith("training_iteration (") for note in chart.notes)
    assert (
        len(digest.spans[next(iter(k for k in digest.spans if k[1] == "data_loading"))].starts) > TIMELINE_MAX_PER_RANK
    )
    assert iteration_name(digest) == "training_iteration"


def test_timeline_has_a_lane_per_rank_and_marks_errors(tmp_path):
    digest = digest_files(write_run(tmp_path, ranks=6, straggler=5))
    figure = timeline(digest).figure
    assert list(figure.layout.yaxis.categoryarray) == [f"rank {r}" for r in reversed(range(6))]
    (errors,) = [trace for trace in figure.data if trace.name == "application error"]
    assert list(errors.y) == ["rank 3", "rank 1"]


def test_long_series_are_thinned_per_rank_and_the_chart_says_so(tmp_path):
    path = tmp_path / "rank0.jsonl"
    write_big_file(path, 4_000_000)
    digest = digest_files([path])
    (((rank, _), spans),) = [(key, series) for key, series in digest.spans.items() if key[1] == "training_iteration"]
    assert len(spans.starts) > MAX_POINTS

    chart = iteration_times(digest, "training_iteration")
    (line,) = chart.figure.data
    assert (line.name, line.mode, len(line.x), line.marker.size) == (str(rank), "lines+markers", MAX_POINTS, 4)
    assert chart.notes == [
        f"{rank}: {len(spans.starts):,} spans thinned to {MAX_POINTS:,} (the slowest of each run kept)."
    ]

    ((name, loss_chart),) = numbers(digest)
    values = digest.numbers[(rank, name)]
    (line,) = loss_chart.figure.data
    assert (name, line.name, line.mode, len(line.y)) == ("training_metrics.loss", str(rank), "lines", MAX_POINTS)
    assert loss_chart.notes == [
        f"{rank}: {len(values.times):,} values thinned to {MAX_POINTS:,} (largest of each run)."
    ]
