"""The report is an extra: the base install neither needs plotly nor imports it, and says what to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import tomllib

from nv_one_logger.cli.main import main
from tests.support.multirank_run import write_run
from tests.support.processes import run_command
from tests.support.record_builders import RecordWriter, write_file

CORE = Path(__file__).resolve().parents[2] / "packages" / "core"


def test_base_install_stays_pydantic_and_wrapt_and_plotly_is_the_report_extra():
    project = tomllib.loads((CORE / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == ["pydantic>=2", "wrapt"]
    assert any(req.startswith("plotly") for req in project["optional-dependencies"]["report"])


def test_the_cli_and_the_readers_do_not_import_plotly(tmp_path):
    paths = write_run(tmp_path)
    code = (
        "import sys; from nv_one_logger.cli.main import main; import nv_one_logger.records.digest; "
        f"main(['summary', '--by-rank', {str(paths[0])!r}]); print('plotly' in sys.modules)"
    )
    result = run_command([sys.executable, "-c", code], timeout=300)
    assert result.stdout.strip().endswith("False")


def test_report_without_the_extra_names_it(tmp_path):
    paths = write_run(tmp_path)
    output = tmp_path / "run.html"
    code = (
        "import sys; sys.modules['plotly'] = None; from nv_one_logger.cli.main import main; "
        f"sys.exit(main(['report', {str(paths[0])!r}, '-o', {str(output)!r}]))"
    )
    result = run_command([sys.executable, "-c", code], timeout=300, check=False)
    assert result.returncode == 2
    assert "pip install 'nv-one-logger-core[report]'" in result.stderr
    assert not output.exists()


def test_report_escapes_what_comes_from_the_files(tmp_path, capsys):
    pytest.importorskip("plotly")
    w = RecordWriter(pid=5)
    w.start("a", "<img src=x onerror=alert(1)>", 0.0)
    w.error("a", "</td><script>alert(2)</script>", 0.5)
    w.stop("a", "<img src=x onerror=alert(1)>", 1.0)
    path = write_file(tmp_path / "rank0.jsonl", w.records)
    output = tmp_path / "run.html"
    assert main(["report", str(path), "-o", str(output)]) == 0
    page = output.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert "&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_report_of_a_corrupt_file_fails_with_its_line_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "run.jsonl"
    path.write_text('{"type": "start", "count": 1}\n')
    output = tmp_path / "run.html"
    assert main(["report", str(path), "-o", str(output)]) == 1
    assert f"{path}:1: malformed 'start' record" in capsys.readouterr().err
    assert not output.exists()
