"""A real PyTorch DataLoader (num_workers=2, fork) whose Dataset records, while the parent exports over OTLP.

`apps/dataloader_app.py` runs several epochs (two freshly forked workers each) while a parent thread keeps the
export thread busy. Promises: no hang (faulthandler names the lock if there is one), every item load recorded in a
worker is in the file, from a worker's pid, and at the collector exactly once, with its event; the parent's spans
are complete too.

The application is a training job, so it runs in the training-job environment (``.venv-torch``: torch and this
checkout, see ``tests/support/training_job.py``), not in the test environment, which has no torch. Under make
(``make pytest``/``make test``) the environment is built first and a missing one FAILS the test. Run by hand
without it, the test is skipped, and the skip reason names ``make torch-env``.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import pytest

from nv_one_logger.records.reader import read_records
from nv_one_logger.records.types import EventRecord, SpanCompleteRecord, SpanStopRecord
from tests.support.collector import OtlpSink, RotelCollector
from tests.support.processes import AppProcess
from tests.support.training_job import TrainingJobMissing, missing_reason, training_job_python

EPOCHS = 4
ITEMS = 64

pytestmark = [pytest.mark.collector, pytest.mark.slow, pytest.mark.timeout(900)]


def _training_python() -> Path:
    try:
        python = training_job_python()
    except TrainingJobMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    if python is None:
        pytest.skip(f"{missing_reason()}; the DataLoader fork test did NOT run")
    return python


def test_dataloader_workers_record_while_the_parent_exports(
    tmp_path: Path, rotel: RotelCollector, otlp_sink: OtlpSink, figure: Callable[[str, Any], None]
) -> None:
    python = _training_python()
    path = tmp_path / "records.jsonl"
    app = AppProcess(
        "dataloader_app",
        [str(path), str(EPOCHS), str(ITEMS)],
        env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": rotel.grpc_endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_BSP_MAX_QUEUE_SIZE": "1000000",
            "ONE_LOGGER_EXIT_TIMEOUT_SECONDS": "90",
        },
        cwd=tmp_path,
        python=python,
    )
    _, code = app.wait_done_and_exit(done_timeout=400, exit_timeout=120)
    assert code == 0, app.stderr()[-4000:]
    lines = app.snapshot()
    batches = [int(line.value.split()[1]) for line in lines if line.kind == "EPOCH"]
    assert batches == [ITEMS // 4] * EPOCHS
    parent = app.proc.pid

    records = list(read_records(path, strict=True))
    finals = [r for r in records if isinstance(r, (SpanCompleteRecord, SpanStopRecord))]
    loads = [r for r in finals if r.name == "load-item"]
    worker_pids = {r.pid for r in loads}
    figure("item loads recorded in DataLoader workers", len(loads))
    figure("DataLoader worker processes", len(worker_pids))
    assert len(loads) == EPOCHS * ITEMS
    assert parent not in worker_pids and len(worker_pids) == 2 * EPOCHS  # two fresh workers per epoch
    assert Counter(r.name for r in finals if r.pid == parent)["train-step"] == EPOCHS * ITEMS // 4
    decoded = [r for r in records if isinstance(r, EventRecord) and r.event.name == "decoded"]
    assert len(decoded) == EPOCHS * ITEMS and {r.pid for r in decoded} == worker_pids
    keys = Counter((r.pid, r.count) for r in records)
    assert max(keys.values()) == 1, "a (pid, count) was written twice"

    expected = {"load-item": EPOCHS * ITEMS, "train-step": EPOCHS * ITEMS // 4, "epoch": EPOCHS, "training": 1}
    deadline = time.monotonic() + 120
    while True:
        arrived = Counter(s.name for s in otlp_sink.spans() if not s.is_marker and s.name in expected)
        if arrived == Counter(expected) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    figure("item loads at the collector", arrived["load-item"])
    assert arrived == Counter(expected), app.stderr()[-3000:]
    loads_at_collector = [s for s in otlp_sink.spans() if s.name == "load-item" and not s.is_marker]
    assert all("decoded" in s.event_names() for s in loads_at_collector)
