"""The rotation suffix rule (``records.rotation``) is ASCII digits only, and every reader applies the same rule.

That the file exporter applies it too, with stray files beside a rotating file, is its own scenario:
tests/reliability/test_rotation_stray_files.py.
"""

import pytest

from nv_one_logger.records import order_record_files
from nv_one_logger.records.rotation import rotation_number, split_rotation_suffix, strip_rotation_suffix
from nv_one_logger.records.writers import writer_key

STRAY_SUFFIXES = ["\u00b2", "\u0663", "\uff11", "1x", "", "-1", " 1"]  # superscript 2, Arabic-Indic 3, fullwidth 1


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
