"""Replay is linear in records whatever the shape: a 20,000-deep parent chain, judged by sizes and counts, not time.

Two measures, neither a wall-clock time: the ``--dry-run`` listing's size per span (it was quadratic: the
indentation grew with depth), and the number of Python function calls replay makes for chains of 1,000 and
4,000 spans (a linear replay makes about four times as many calls for four times the spans; the old one, which
walked every span's ancestors, made about sixteen times as many).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

from nv_one_logger.core.span import Span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.otel.replay import replay_files
from nv_one_logger.otel.replay.cli import format_dry_run
from tests.support.processes import REPO_ROOT, run_command


def _write_chain(path: Path, depth: int) -> None:
    """One span per level, each the child of the one before (e.g. recursion recorded with timed_span)."""
    exporter = FileExporter(path)
    exporter.initialize()
    chain = []
    parent = None
    for level in range(depth):
        parent = Span.create(f"level-{level}", parent_span=parent)
        exporter.export_start(parent)
        chain.append(parent)
    for span in reversed(chain):
        span.stop()
        exporter.export_stop(span)
    exporter.close()


def _calls_to_plan(path: Path) -> int:
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        report = replay_files([path], dry_run=True)
        format_dry_run(report.plan)
    finally:
        sys.setprofile(None)
    return calls


def test_replay_operations_grow_linearly_with_the_depth_of_a_chain(tmp_path: Path, figure: Callable) -> None:
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    _write_chain(small, 1_000)
    _write_chain(large, 4_000)
    calls_small, calls_large = _calls_to_plan(small), _calls_to_plan(large)
    ratio = calls_large / calls_small
    assert ratio < 5.0, f"4x the spans cost {ratio:.1f}x the calls ({calls_small:,} -> {calls_large:,})"
    figure("function calls, 1,000 -> 4,000 deep", f"{calls_small:,} -> {calls_large:,} ({ratio:.2f}x)")


def test_dry_run_listing_of_a_20000_deep_chain_is_linear_in_size(tmp_path: Path, figure: Callable) -> None:
    depth = 20_000
    path = tmp_path / "deep.jsonl"
    _write_chain(path, depth)
    result = run_command(
        [sys.executable, "-m", "nv_one_logger.cli", "replay", "--dry-run", "--no-progress", str(path)],
        timeout=600,
        check=False,  # the test reads the exit status
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    span_lines = [line for line in lines if "span=" in line]
    assert len(span_lines) == depth
    assert f"[depth {depth - 1}] level-{depth - 1} " in result.stdout
    longest = max(len(line) for line in span_lines)
    assert longest < 300, f"a line of {longest} characters: the listing grows with depth"
    figure("dry-run listing of a 20,000-deep chain", f"{len(result.stdout):,} bytes, longest line {longest} chars")
