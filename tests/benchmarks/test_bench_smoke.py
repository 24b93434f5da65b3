"""Smoke test of the benchmark suite: ``python -m benchmarks --quick`` runs and reports every row.

Not a timed assertion: the numbers are not checked, only that every workload ran (no row reports an error),
that the table is printed and that the JSON document has the documented sections. It catches a benchmark
broken by an API change long before someone runs ``make bench``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.harness.registry import ORDER

from tests.support.processes import child_env, run_command
from tests.support.training_job import TRAINING_JOB_PYTHON_VARIABLE, TrainingJobMissing, training_job_python

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.collector
def test_quick_run_reports_every_row(tmp_path: Path) -> None:
    # The PyTorch row runs in the training-job environment, which make builds (and names) for this run.
    try:
        torch_python = training_job_python()
    except TrainingJobMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(out.read_text())

    assert set(doc["timing"]) == set(ORDER)
    errors = {name: row["error"] for name, row in doc["timing"].items() if "error" in row}
    for section in ("memory", "import", "throughput"):
        errors.update({name: row["error"] for name, row in doc[section].items() if "error" in row})
    assert errors == {}, proc.stderr[-3000:]

    for name, row in doc["timing"].items():
        assert row["wall_ns"] > 0, name
        if row["baseline"]:
            assert row["x_wall_ns"] > 0, name
    assert doc["timing"]["ol.span.file"]["info"]["flushed_per_call"] is True
    assert doc["timing"]["ol.event.file"]["info"]["flushed_per_call"] is True
    assert set(doc["memory"]) == {"memory.sdk", "memory.none", "memory.file", "memory.otel_null"}
    assert doc["import"]["import.timed_span"]["opentelemetry_imported"] is False
    assert doc["import"]["import.cli"]["opentelemetry_imported"] is False
    assert all(row["lost"] == 0 for row in doc["throughput"].values())
    assert "error" not in doc["stall"], doc["stall"]
    assert doc["stall"]["onelogger"]["p99_us"] > 0 and doc["stall"]["sdk"]["p99_us"] > 0
    if torch_python is None:  # pytest by hand, without the environment: the row says why it did not run
        assert doc["pytorch"]["error"].startswith("not run: ") and "make torch-env" in doc["pytorch"]["error"]
    else:
        assert "error" not in doc["pytorch"], doc["pytorch"]
        assert set(doc["pytorch"]["overhead_pct"]) == {"sdk", "onelogger"}
        # Each way ran alone in its own interpreter; its GC cost is reported, and nothing was dropped.
        assert set(doc["pytorch"]["full_collection_us_per_iteration"]) == {"none", "sdk", "onelogger"}
        assert doc["pytorch"]["sdk_spans_dropped"] == 0 and doc["pytorch"]["onelogger_calls_dropped"] == 0
    assert doc["training_loop"][0]["setup"] == "raw OTel SDK"
    # The printed table names every row and is the same text as stored in the JSON.
    assert doc["table"] in proc.stdout
    for title in ("caller stall", "PyTorch CPU training loop"):
        assert title in proc.stdout
    for name in ORDER:
        assert doc["timing"][name]["variant"] in proc.stdout


def test_pytorch_row_without_its_environment_says_why_it_did_not_run(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-venv" / "bin" / "python"
    out = tmp_path / "bench.json"
    proc = run_command(
        [sys.executable, "-m", "benchmarks", "--only", "pytorch", "--no-collector", "--json", out],
        cwd=ROOT,
        env=child_env({TRAINING_JOB_PYTHON_VARIABLE: str(missing)}),
    )
    error = json.loads(out.read_text())["pytorch"]["error"]
    assert error.startswith("not run: ") and str(missing) in error and "make torch-env" in error
    assert f"n/a: {error}" in proc.stdout  # printed in full, not cut to a table cell


def test_training_workload_in_an_interpreter_without_torch_says_why_it_did_not_run() -> None:
    # This interpreter is the test environment's, which has no torch (tests/test_environment.py).
    proc = run_command(
        [sys.executable, "-m", "benchmarks.workloads.training", "--endpoint", "http://127.0.0.1:9", "--iterations", 1],
        cwd=ROOT,
        env=child_env(),
    )
    assert json.loads(proc.stdout) == {
        "error": f"not run: torch not installed in {sys.executable} (make torch-env builds it)"
    }


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_breakdown_times_every_piece() -> None:
    """Each piece runs in a child interpreter that must find ``benchmarks``, and must still run (an API change
    that breaks a piece shows as ``unavailable: ...`` instead of a time)."""
    proc = run_command(
        [sys.executable, "-m", "benchmarks.tools.breakdown", "--number", "1", "--repeat", "1"], cwd=ROOT, timeout=540
    )
    rows = proc.stdout.splitlines()[1:]
    assert rows, proc.stdout
    broken = [row for row in rows if row.split()[0] == "?" or "unavailable" in row]
    assert not broken, "\n".join(broken)
