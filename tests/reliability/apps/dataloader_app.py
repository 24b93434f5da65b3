"""A PyTorch training loop whose DataLoader workers (fork start method) record spans and events.

Usage: `python -m tests.reliability.apps.dataloader_app <jsonl path> <epochs> <items>`.

The parent configures the file and OTel exporters (OTLP from the environment), keeps a background thread recording
`parent-bg` spans (so the export thread is busy and the library's locks are taken at any moment), and runs
`<epochs>` epochs over a `DataLoader(num_workers=2, multiprocessing_context="fork")`: every epoch forks two new
workers. Each `Dataset.__getitem__` records a `load-item` span with a `decoded` event in the worker; the parent
records a `train-step` span per batch. Workers end the way PyTorch ends them (multiprocessing's `os._exit`), so
what they recorded must be flushed by the library's multiprocessing finalizer.

A hung worker prints its stack (faulthandler) and exits with status 1; the test SIGABRTs a hung parent, which
prints every thread's stack.

Lines: `EPOCH <n> <batches>`, `BG <count>`, `DONE`.
"""

from __future__ import annotations

import faulthandler
import os
import sys
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from tests.reliability.apps.common import configure_file_and_otel, report, spans_in_a_background_thread

WORKER_HANG_S = 150
BATCH_SIZE = 4


class RecordingDataset(Dataset):  # type: ignore[type-arg]
    """Every item load is a span with one event, recorded in whichever process loads it."""

    def __init__(self, items: int) -> None:
        self.items = items

    def __len__(self) -> int:
        return self.items

    def __getitem__(self, index: int) -> Any:
        with timed_span("load-item", span_attributes=Attributes({"index": index, "pid": os.getpid()})) as span:
            tensor = torch.full((8,), float(index))
            decoded = Attributes({"index": index, "sum": float(tensor.sum())})
            get_recorder().event(span, Event.create("decoded", decoded))
        return tensor


def worker_init(worker_id: int) -> None:
    # A hung worker names its lock. (Only workers arm the timer: a child forked while the parent's faulthandler
    # timer is armed hangs inside faulthandler itself, whose watchdog lock died with the parent's thread. The
    # parent is covered by the test, which SIGABRTs it on timeout.)
    faulthandler.dump_traceback_later(WORKER_HANG_S, exit=True)


def main() -> None:
    path, epochs, items = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(1)
    configure_file_and_otel("dataloader-app", path, otel_kwargs={"shutdown_timeout_s": 60})
    loader = DataLoader(
        RecordingDataset(items),
        batch_size=BATCH_SIZE,
        num_workers=2,
        multiprocessing_context="fork",
        worker_init_fn=worker_init,
        timeout=WORKER_HANG_S + 30,
    )
    with timed_span("training"), spans_in_a_background_thread():
        for epoch in range(epochs):
            batches = 0
            with timed_span("epoch", span_attributes=Attributes({"epoch": epoch})):
                for batch in loader:
                    with timed_span("train-step", span_attributes=Attributes({"epoch": epoch, "batch": batches})):
                        float(batch.sum())
                    batches += 1
            report("EPOCH", f"{epoch} {batches}")
    report("DONE")


if __name__ == "__main__":
    main()
