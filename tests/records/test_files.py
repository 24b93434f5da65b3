"""records.files: a RecordStream counts what it has read so far, file by file, as it is iterated."""

from __future__ import annotations

from nv_one_logger.records.files import RecordStream
from tests.support.record_builders import training_records, write_file


def test_a_stream_counts_the_records_read_so_far(tmp_path):
    first = training_records(pid=1).records
    second = training_records(pid=2).records
    paths = [write_file(tmp_path / "a.jsonl", first), write_file(tmp_path / "b.jsonl", second, tail=b'{"type": "st')]
    warnings: list = []
    stream = RecordStream(paths, on_warning=warnings.append)
    assert stream.record_count == 0
    seen = 0
    for _ in stream:
        seen += 1
        assert stream.record_count in (seen - 1, seen)  # the reader counts a record when it hands it out
    assert stream.record_count == seen == len(first) + len(second)
    assert (stream.torn_lines, stream.foreign_lines) == (1, 0)
    assert len(warnings) == 1 and "b.jsonl" in warnings[0]
