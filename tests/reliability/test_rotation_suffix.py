"""The rotation suffix rule is ASCII digits only, and the exporter and every reader apply the same rule."""

import pytest

from nv_one_logger.core.event import Event
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.records import IdentityRecord, order_record_files, read_record_files, rotated_segments
from nv_one_logger.records.rotation import rotation_number, split_rotation_suffix, strip_rotation_suffix
from nv_one_logger.records.writers import writer_key
from tests.support.jsonl import json_lines

STRAY_SUFFIXES = ["\u00b2", "\u0663", "\uff11", "1x", "", "-1", " 1"]  # superscript 2, Arabic-Indic 3, fullwidth 1


def test_stray_non_ascii_digit_files_do_not_break_rotation_or_cost_records(tmp_path, figure):
    path = tmp_path / "run.jsonl"
    strays = [tmp_path / f"run.jsonl.{suffix}" for suffix in STRAY_SUFFIXES if suffix]
    for stray in strays:
        stray.write_text("stray\n", encoding="utf-8")
    exporter = FileExporter(path, max_bytes=1500)
    exporter.initialize()
    span = Span.create("s")
    exporter.export_start(span)
    for i in range(40):
        exporter.export_event(Event.create("tick", {"i": i, "pad": "x" * 50}), span)
    span.stop()
    exporter.export_stop(span)
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


@pytest.mark.parametrize("suffix", STRAY_SUFFIXES)
def test_readers_treat_non_ascii_suffixes_as_separate_files(tmp_path, suffix):
    stray = f"{tmp_path}/run.jsonl.{suffix}"
    assert split_rotation_suffix(stray) == (stray, None)
    assert strip_rotation_suffix(stray) == stray
    assert writer_key(stray, 1).log == stray
    assert rotation_number(f"run.jsonl.{suffix}", "run.jsonl") is None


def test_the_rule_is_the_one_writer_key_every_reader_uses(tmp_path):
    assert writer_key(f"{tmp_path}/run.jsonl.12", 7) == (f"{tmp_path}/run.jsonl", 7)
    assert writer_key(f"{tmp_path}/run.jsonl.\u0663", 7).log == f"{tmp_path}/run.jsonl.\u0663"
    assert split_rotation_suffix("a/run.jsonl.10") == ("a/run.jsonl", 10)
    assert split_rotation_suffix("a/.10") == ("a/.10", None)
    assert rotation_number("run.jsonl.7", "run.jsonl") == 7


def test_order_puts_only_ascii_segments_in_rotation_order(tmp_path):
    names = ["run.jsonl", "run.jsonl.10", "run.jsonl.\u0663", "run.jsonl.2"]
    ordered = [p.name for p in order_record_files(tmp_path / n for n in names)]
    assert ordered == ["run.jsonl.2", "run.jsonl.10", "run.jsonl", "run.jsonl.\u0663"]
