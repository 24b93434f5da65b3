"""``FileExporter._file`` and ``._filepath``: the 2.3.1 names that subclasses and test suites read."""

import io
import json

from nv_one_logger.core.span import Span
from nv_one_logger.exporter.file_exporter import FileExporter


def test_filepath_and_file_views(tmp_path):
    path = tmp_path / "run.jsonl"
    exporter = FileExporter(path)
    assert exporter._filepath == path
    assert exporter._file is None  # not open yet
    exporter.initialize()
    view = exporter._file
    assert isinstance(view, io.FileIO) and not view.closed and view.fileno() == exporter._fd
    view.close()  # closing the view does not close the exporter's file
    exporter.export_start(Span.create("still written"))
    exporter.close()
    assert exporter._file is None
    assert [json.loads(line)["type"] for line in path.read_text().splitlines()] == ["identity", "start"]
