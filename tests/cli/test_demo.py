"""The demo (``make demo``) end to end, in a subprocess like a user runs it."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from tests.support.chrome_trace import validate_trace
from tests.support.processes import child_env, run_command

DEMO = Path(__file__).resolve().parents[2] / "examples" / "training_demo.py"


@pytest.mark.slow
def test_demo_writes_records_prints_summary_and_trace_path(tmp_path):
    env = child_env({"RANK": "0"})
    proc = run_command(
        [sys.executable, DEMO, "--out", tmp_path / "demo", "--iterations", "9", "--checkpoint-every", "3"],
        timeout=120,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"^training_iteration\s+9\s+0\s", out, re.MULTILINE)
    assert re.search(r"^checkpoint_save\s+3\s+0\s", out, re.MULTILINE)
    assert re.search(r"^data_loading\s+10\s+0\s.*\s1$", out, re.MULTILINE)  # one retry, one error
    assert "Application errors: 1" in out and "transient read error" in out
    assert "Telemetry data errors: 0" in out
    trace_path = Path(re.search(r"^Chrome trace:\s+(\S+)$", out, re.MULTILINE).group(1))
    assert trace_path == tmp_path / "demo" / "trace.json"
    by_phase = validate_trace(json.loads(trace_path.read_text()))
    assert len(by_phase["X"]) == 1 + 1 + 1 + 9 + 10 + 3
    records = Path(re.search(r"^Records \(JSON lines\):\s+(\S+)$", out, re.MULTILINE).group(1))
    assert re.fullmatch(r"rank0-\d+\.jsonl", records.name)
    assert (tmp_path / "demo" / "telemetry.log").read_text().count("\n") > 10
    if importlib.util.find_spec("plotly") is not None:  # `make demo` installs the report extra
        report = Path(re.search(r"^Report \(open offline\):\s+(\S+)$", out, re.MULTILINE).group(1))
        assert report == tmp_path / "demo" / "report.html"
        page = report.read_text(encoding="utf-8")
        assert 'id="timeline-chart"' in page and "Lagging ranks: none" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # nothing else written into the cwd
    # The closing line's command works from a fresh shell: no activated venv, a PATH without .venv/bin.
    command = re.search(r"^Re-run the analysis from any shell: (.+)$", out, re.MULTILINE).group(1)
    fresh_env = {k: v for k, v in env.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    fresh_env["PATH"] = "/usr/bin:/bin"
    rerun = run_command(["/bin/sh", "-c", command], timeout=120, cwd=tmp_path, env=fresh_env, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert re.search(r"^training_iteration\s+9\s+0\s", rerun.stdout, re.MULTILINE)
