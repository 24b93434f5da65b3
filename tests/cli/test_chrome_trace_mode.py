"""The trace file gets the mode of any new file (0666 minus the umask), not mkstemp's private 0600."""

import stat
import subprocess
import sys

import pytest

from tests.support.record_builders import training_records, write_file


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_output_mode_follows_the_umask(tmp_path, umask, expected):
    path = write_file(tmp_path / "run.jsonl", training_records().records)
    out = tmp_path / "trace.json"
    # A child process: the umask is process-wide, changing it here would affect other tests' threads.
    done = subprocess.run(
        [sys.executable, "-m", "nv_one_logger.cli", "chrome-trace", str(path), "-o", str(out)],
        umask=umask,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == expected
