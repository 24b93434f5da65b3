"""Real processes: SIGKILL in the middle of writing, and several processes appending to one file."""

import collections
import signal
import subprocess
import sys
import textwrap

import pytest

from nv_one_logger.records import EventRecord
from tests.support.jsonl import telemetry_records

CHILD = textwrap.dedent(
    """
    import sys
    from nv_one_logger.core.event import Event
    from nv_one_logger.core.span import Span
    from nv_one_logger.exporter.file_exporter import FileExporter

    exporter = FileExporter(sys.argv[1], merge_start_stop=False)
    exporter.initialize()
    span = Span.create("long_running")
    exporter.export_start(span)
    print(exporter.count, flush=True)
    i = 0
    limit = int(sys.argv[2])
    pad = "p" * int(sys.argv[3])
    while limit == 0 or i < limit:
        exporter.export_event(Event.create("tick", {"i": i, "pad": pad}), span)
        print(exporter.count, flush=True)  # only after the export call returned
        i += 1
    exporter.close()
    """
)


def _spawn(path, limit=0, pad=10):
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(limit), str(pad)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_sigkill_loses_no_record_that_was_reported_written(tmp_path):
    path = tmp_path / "killed.jsonl"
    child = _spawn(path)
    reported = 0
    try:
        assert child.stdout is not None
        for line in child.stdout:
            reported = int(line)
            if reported >= 3000:
                child.send_signal(signal.SIGKILL)
                break
        remaining, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    for line in remaining.split():
        reported = max(reported, int(line))
    records = telemetry_records(path)
    counts = [r.count for r in records]
    assert counts == list(range(1, len(counts) + 1)), "records are contiguous: nothing in the middle was lost"
    assert len(counts) >= reported >= 3000, "every record the child saw written is in the file"
    assert all(isinstance(r, EventRecord) for r in records[1:])


@pytest.mark.slow
@pytest.mark.parametrize("pad", [100, 6000])  # below and above PIPE_BUF (4096 bytes)
def test_processes_appending_to_one_file_never_interleave_lines(tmp_path, pad):
    path = tmp_path / "shared.jsonl"
    children = [_spawn(path, limit=300, pad=pad) for _ in range(4)]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    by_pid = collections.defaultdict(list)
    for record in telemetry_records(path, strict=True):
        by_pid[record.pid].append(record.count)
    assert sorted(by_pid) == sorted(c.pid for c in children)
    assert all(counts == list(range(1, 302)) for counts in by_pid.values())
