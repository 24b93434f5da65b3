"""Every fenced Python and shell example of README.md and docs/ runs as written (see tests/support/doc_blocks.py).

One test per markdown page: the page's examples run in order in one fresh directory, every failing example is
reported with its file and line (not only the first). Pages without runnable examples are not listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from tests.support.collector import OtlpSink, RotelCollector
from tests.support.doc_blocks import REPO_ROOT, Block, all_blocks
from tests.support.doc_runner import Outcome, example_environment, run_block

BLOCKS = all_blocks()
PAGES: Dict[str, List[Block]] = {}
for _block in BLOCKS:
    PAGES.setdefault(str(_block.path.relative_to(REPO_ROOT)), []).append(_block)
SAVED_FILES = {block.save_as: block.code for block in BLOCKS if block.save_as}
SPAN_WAIT_SECONDS = 60.0


def _run_with_collector(block: Block, work_dir: Path) -> Outcome:
    with OtlpSink() as sink:
        collector = RotelCollector(sink, work_dir.parent / f"rotel-{block.line}")
        try:
            collector.start()
            endpoints = {"grpc": collector.grpc_endpoint, "http": collector.http_endpoint}
            # The block's own `export OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317` is redirected by
            # run_block; a block that does not set it relies on the environment (prose says so).
            extra = (
                {}
                if "OTEL_EXPORTER_OTLP_ENDPOINT" in block.code
                else {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.grpc_endpoint}
            )
            env = example_environment(extra)
            outcome = run_block(block, work_dir, env, endpoints)
            if outcome.problem is None:
                try:
                    sink.wait_for_spans(timeout=SPAN_WAIT_SECONDS)
                except AssertionError as exc:
                    outcome.problem = f"the collector received no span ({exc}); collector log:\n{collector.log_text()}"
            return outcome
        finally:
            collector.stop()


@pytest.mark.collector
@pytest.mark.parametrize("page", sorted(PAGES))
def test_examples_of_page_run_as_written(page: str, tmp_path: Path) -> None:
    work_dir = tmp_path / "work"
    work_dir.mkdir()
    for name, code in SAVED_FILES.items():
        (work_dir / name).write_text(code, encoding="utf-8")
    failures: List[str] = []
    for block in PAGES[page]:
        if block.skip_reason is not None:
            continue
        if block.collector:
            outcome = _run_with_collector(block, work_dir)
        else:
            outcome = run_block(block, work_dir, example_environment())
        if outcome.problem is not None:
            failures.append(outcome.report())
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def test_every_skip_has_a_reason_and_skips_stay_rare() -> None:
    skipped = [block for block in BLOCKS if block.skip_reason is not None]
    assert all(block.skip_reason and len(block.skip_reason) > 20 for block in skipped)
    # Skips are for commands that install from the network or run this repository's own suites.
    assert len(skipped) <= max(8, len(BLOCKS) // 4), [block.where for block in skipped]
