"""What the reading commands say on stderr, in one exact form each: scripts match these lines.

An unreadable input or an unwritable output: ``one-logger COMMAND: error: ...``, exit 1, no output file.
A written output: ``wrote OUTPUT: ...`` with what it holds.
"""

from __future__ import annotations

import errno
import os
import re

import pytest

from nv_one_logger.cli.main import main
from tests.support.record_builders import training_records, write_file


@pytest.mark.parametrize("command", ["summary", "chrome-trace", "report"])
def test_an_unreadable_file_is_one_error_line(command, tmp_path, capsys):
    if command == "report":
        pytest.importorskip("plotly")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    output = tmp_path / "out"
    argv = [command, str(bad)] + ([] if command == "summary" else ["-o", str(output)])
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == f"one-logger {command}: error: {bad}:1: not a JSON record: Expecting value at column 1\n"
    assert captured.out == ""
    assert not output.exists()


@pytest.mark.parametrize("command", ["chrome-trace", "report"])
def test_an_unwritable_output_is_one_error_line(command, tmp_path, capsys):
    if command == "report":
        pytest.importorskip("plotly")
    good = write_file(tmp_path / "good.jsonl", training_records().records)
    output = tmp_path / "missing-dir" / "out"
    assert main([command, str(good), "-o", str(output)]) == 1
    captured = capsys.readouterr()
    reason = os.strerror(errno.ENOENT)
    assert captured.err == f"one-logger {command}: error: cannot write {output}: {reason}\n"
    assert captured.out == ""
    assert not output.parent.exists()


@pytest.mark.parametrize(
    ("command", "what"),
    [("chrome-trace", r"\d+ spans, \d+ trace events"), ("report", r"1 rank\(s\), {records} records")],
)
def test_a_written_output_is_one_line(command, what, tmp_path, capsys):
    if command == "report":
        pytest.importorskip("plotly")
    records = training_records().records
    good = write_file(tmp_path / "good.jsonl", records)
    output = tmp_path / "out"
    assert main([command, str(good), "-o", str(output)]) == 0
    captured = capsys.readouterr()
    assert re.fullmatch(f"wrote {re.escape(str(output))}: {what.format(records=len(records))}\n", captured.err)
    assert captured.out == ""
    assert output.stat().st_size > 0
