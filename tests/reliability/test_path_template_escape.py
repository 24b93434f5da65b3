"""A value substituted into the file path template stays one path component: it cannot leave the directory."""

import os

import pytest

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.exporter.file_exporter import FileExporter
from tests.support.exporter_calls import export_complete_span

HOSTILE = [".", "..", "...", "../..", "../../etc", "a/../..", "./.", ""]


def _files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


def _write_one(exporter: FileExporter) -> None:
    exporter.initialize()
    export_complete_span(exporter, "s")
    exporter.close()


@pytest.mark.parametrize("rank", HOSTILE)
def test_rank_cannot_move_the_file_out_of_its_directory(tmp_path, monkeypatch, rank):
    runs = tmp_path / "a" / "b" / "runs"
    monkeypatch.setenv("RANK", rank)
    exporter = FileExporter(str(runs / "{rank}" / "rank{rank}.jsonl"))
    path = exporter.file_path
    assert path.parent.parent == runs and ".." not in path.parts and "." not in path.parts[1:], path
    _write_one(exporter)
    assert len(_files_under(runs)) == 1
    assert _files_under(tmp_path) == [os.path.relpath(path, tmp_path)]


@pytest.mark.parametrize("tag", [t for t in HOSTILE if t])
def test_session_tag_cannot_move_the_file_out_of_its_directory(tmp_path, tag, figure):
    runs = tmp_path / "a" / "b" / "runs"
    config = OneLoggerConfig(application_name="demo", world_size_or_fn=1, session_tag_or_fn=tag)
    exporter = FileExporter(str(runs / "{session_tag}" / "{session_tag}.jsonl"), one_logger_config=config)
    path = exporter.file_path
    assert path.parent.parent == runs and ".." not in path.parts, path
    _write_one(exporter)
    assert _files_under(tmp_path) == [os.path.relpath(path, tmp_path)]
    figure("file for session_tag " + repr(tag), os.path.relpath(path, tmp_path))
