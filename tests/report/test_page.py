"""The report page's header says what ``one-logger summary`` says about the run: its time span, what is missing."""

from __future__ import annotations

import pytest

pytest.importorskip("plotly", reason="the report extra (nv-one-logger-core[report]) is not installed")

from nv_one_logger.cli.summary import render_summary
from nv_one_logger.records.digest import digest_files
from nv_one_logger.report.page import render_report
from tests.support.record_builders import training_records, write_file

# the newer segment of training_records holds 1.2 .. 4.0 s after T0 = 1_700_000_000 (2023-11-14T22:13:20Z); it
# ends with the stops of training_loop and application, whose starts are in the segment not given: they count
SPAN = "2023-11-14T22:13:21.200Z .. 2023-11-14T22:13:24.000Z (2.80 s)"


def test_the_run_span_and_a_missing_segment_read_the_same_in_summary_and_report(tmp_path):
    w = training_records()
    base = tmp_path / "run.jsonl"
    older = base.with_name("run.jsonl.1")
    write_file(older, w.records[:5])
    write_file(base, w.records[5:])
    digest = digest_files([base])
    missing = f"rotated segments not given (older data): {older}"

    summary = render_summary(digest)
    assert summary.splitlines()[0].endswith(f", 1 rank(s), {SPAN}")
    assert f"Note: {missing}" in summary.splitlines()

    page = render_report(digest)
    assert f"1 process(es), {SPAN}</p>" in page
    assert f'<p class="note">Note: {missing}</p>' in page
