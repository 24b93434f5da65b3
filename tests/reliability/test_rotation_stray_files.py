"""A stray file such as ``run.jsonl.²`` beside a rotating file costs no record: the exporter and the readers agree
that only ``.`` + ASCII digits is a segment (the rule itself: tests/records/test_rotation_suffix.py)."""

from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.records import IdentityRecord, read_record_files, rotated_segments
from tests.records.test_rotation_suffix import STRAY_SUFFIXES
from tests.support.exporter_calls import export_span_with_events
from tests.support.jsonl import json_lines


def test_stray_non_ascii_digit_files_do_not_break_rotation_or_cost_records(tmp_path, figure):
    path = tmp_path / "run.jsonl"
    strays = [tmp_path / f"run.jsonl.{suffix}" for suffix in STRAY_SUFFIXES if suffix]
    for stray in strays:
        stray.write_text("stray\n", encoding="utf-8")
    exporter = FileExporter(path, max_bytes=1500)
    exporter.initialize()
    export_span_with_events(exporter, 40)
    exporter.close()
    segments = rotated_segments(path)
    assert len(segments) >= 2, "rotation must still happen"
    assert [s.name for s in segments] == [f"run.jsonl.{n}" for n in range(1, len(segments) + 1)]
    for stray in strays:
        assert stray.read_text(encoding="utf-8") == "stray\n"
    # Every segment starts with the count-0 identity header; the records are numbered 1..42 across them.
    counts = [r.count for r in read_record_files([path, *segments]) if not isinstance(r, IdentityRecord)]
    assert counts == list(range(1, 43))
    assert all(json_lines(s) for s in segments)
    figure("stray files beside the live file", len(strays))
    figure("records written / read back", f"{len(counts)} / 42")
    figure("rotated segments", len(segments))
