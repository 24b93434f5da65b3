"""Forks data-loader style workers while a background thread keeps recording, and records in every process.

Usage: `python -m tests.reliability.apps.fork_app <jsonl path> <workers> <spans per worker> [<wave>]`.

The parent opens `parent-root`, starts a thread that records `parent-bg` spans in a tight loop (so exporter and
recorder locks are likely held at the moment of a fork), then starts workers with multiprocessing's "fork"
start method, as PyTorch's DataLoader does on Linux, `<wave>` at a time (default: all at once; each wave is joined
before the next is forked, like DataLoader epochs). Each worker records `worker-span` spans with one event
each, inside the span context it inherited, and returns; multiprocessing then ends the worker with `os._exit`
(atexit handlers do not run in such workers). The parent joins them, records `parent-after-fork`, and exits.

Lines: `READY`, `WORKER <index> <pid>` (worker finished recording), `JOINED <index> <exitcode>`, `BG <count>`,
`DONE`.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import sys
from pathlib import Path

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from tests.reliability.apps.common import configure_file_and_otel, report, spans_in_a_background_thread

WORKER_HANG_S = 100


def worker(index: int, spans: int) -> None:
    # A hung worker prints its stack (naming the lock it waits for) and exits with status 1.
    faulthandler.dump_traceback_later(WORKER_HANG_S, exit=True)
    recorder = get_recorder()
    for j in range(spans):
        with timed_span("worker-span", span_attributes=Attributes({"worker": index, "j": j})) as span:
            recorder.event(span, Event.create("worker-event", Attributes({"worker": index, "j": j})))
    report("WORKER", f"{index} {os.getpid()}")
    faulthandler.cancel_dump_traceback_later()


def main() -> None:
    path, workers, spans = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    wave = int(sys.argv[4]) if len(sys.argv) > 4 else workers
    shutdown_s = float(os.environ["APP_OTEL_SHUTDOWN_S"])
    configure_file_and_otel("fork-app", path, otel_kwargs={"shutdown_timeout_s": shutdown_s})
    report("READY")
    with timed_span("parent-root"):
        with spans_in_a_background_thread():
            context = multiprocessing.get_context("fork")
            for first in range(0, workers, wave):
                processes = [
                    context.Process(target=worker, args=(i, spans)) for i in range(first, min(workers, first + wave))
                ]
                for process in processes:
                    process.start()
                for index, process in enumerate(processes, start=first):
                    process.join(timeout=WORKER_HANG_S + 20)
                    report("JOINED", f"{index} {process.exitcode}")
        with timed_span("parent-after-fork", span_attributes=Attributes({"workers": workers})):
            pass
    report("DONE")


if __name__ == "__main__":
    main()
