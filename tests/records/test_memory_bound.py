"""summary and report keep a digest, not the records: their peak memory does not grow with the file's records.

Each command runs in a subprocess of a small wrapper that reports the peak resident set of its one child
(``resource.getrusage(RUSAGE_CHILDREN)``), once on a tiny file and once on a 15 MB file (about 37,000 records).
Keeping the rebuilt spans of that file costs about 3.5 times its size (``load_files``: 74 MB for 20 MB); the
digest costs 16 bytes per span and per loss value, well under a megabyte here. The bound, 10 MB of growth,
sits between the two with room for allocator noise. The 1 GB run these numbers scale to is in docs/cli.md.
"""

from __future__ import annotations

import json
import sys
from typing import List

import pytest

from tests.support.big_record_file import write_big_file
from tests.support.multirank_run import write_run
from tests.support.processes import run_command

BIG_BYTES = 15_000_000
GROWTH_BOUND_MB = 10.0
CHROME_TRACE_BOUND = 2.0
"""chrome-trace may grow by up to twice the input size (it needs about 1.2; it used to need 4.4)."""

_WRAPPER = (
    "import json, resource, subprocess, sys; "
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True); "
    "print(json.dumps({'rc': p.returncode, 'stderr': p.stderr[-2000:], "
    "'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
)


def _peak_mb(argv: List[str]) -> float:
    command = [sys.executable, "-c", _WRAPPER, sys.executable, "-m", "nv_one_logger.cli", *argv]
    result = run_command(command, timeout=600)
    outcome = json.loads(result.stdout)
    assert outcome["rc"] == 0, outcome["stderr"]
    return float(outcome["peak_mb"])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("memory")
    tiny = write_run(directory)[0]
    big = directory / "big.jsonl"
    write_big_file(big, BIG_BYTES)
    return tiny, big


def _growth_mb(files, command: List[str]) -> float:
    tiny, big = files
    argv = [part.replace("{dir}", str(big.parent)) for part in command]
    small_mb = _peak_mb([*argv, str(tiny)])
    big_mb = _peak_mb([*argv, str(big)])
    assert big.stat().st_size >= BIG_BYTES
    return big_mb - small_mb


@pytest.mark.slow
@pytest.mark.parametrize("command", [["summary", "--by-rank"], ["report", "-o", "{dir}/run.html"]])
def test_peak_memory_does_not_grow_with_the_records(files, command):
    assert _growth_mb(files, command) < GROWTH_BOUND_MB


@pytest.mark.slow
def test_chrome_trace_keeps_its_spans_compactly(files):
    # The trace holds every span, so its memory grows with them: about 1.2 times the input, where rebuilt
    # spans plus a trace built in memory took 4.4 times (453 MB peak for a 100 MB file, now 140 MB).
    growth = _growth_mb(files, ["chrome-trace", "-o", "{dir}/trace.json"])
    assert growth < CHROME_TRACE_BOUND * BIG_BYTES / 1e6
