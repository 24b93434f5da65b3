"""The report's charts as data: thinning keeps spikes, crowded span names leave the timeline with a note."""

from __future__ import annotations

import pytest

pytest.importorskip("plotly", reason="the report extra (nv-one-logger-core[report]) is not installed")

from nv_one_logger.records.digest import digest_files
from nv_one_logger.report.figures import TIMELINE_MAX_PER_RANK, iteration_name, thin, timeline
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
