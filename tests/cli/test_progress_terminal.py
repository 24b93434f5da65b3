"""Progress on stderr only when stderr is a terminal: checked with a real pseudo-terminal, end to end."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.support.big_record_file import write_big_file


def _stderr_of(argv, terminal: bool) -> str:
    command = [sys.executable, "-m", "nv_one_logger.cli", *argv]
    if not terminal:
        result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stderr
    controller, terminal_fd = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=terminal_fd)
    os.close(terminal_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=300) == 0
    return b"".join(chunks).decode()


@pytest.mark.parametrize("command", ["summary", "chrome-trace", "report"])
def test_progress_goes_to_a_terminal_and_not_to_a_pipe(tmp_path, command):
    if command == "report":
        pytest.importorskip("plotly")
    path = tmp_path / "run.jsonl"
    write_big_file(path, 300_000)
    argv = [command, str(path)] + ([] if command == "summary" else ["-o", str(tmp_path / "out")])
    shown = _stderr_of(argv, terminal=True)
    assert f"one-logger {command}: reading" in shown and "100.0%" in shown
    assert "reading" not in _stderr_of(argv, terminal=False)
