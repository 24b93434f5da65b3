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

from tests.support.processes import run_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.collector
def test_quick_run_reports_every_row(tmp_path: Path) -> None:
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
    # torch (requirements/torch.txt) has a wheel for Python 3.11 only: without it the row says so instead of measuring.
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "torch not installed" in doc["pytorch"]["error"]
    else:
        assert "error" not in doc["pytorch"], doc["pytorch"]
        assert set(doc["pytorch"]["overhead_pct"]) == {"sdk", "onelogger"}
    assert doc["training_loop"][0]["setup"] == "raw OTel SDK"
    # The printed table names every row and is the same text as stored in the JSON.
    assert doc["table"] in proc.stdout
    for title in ("caller stall", "PyTorch CPU training loop"):
        assert title in proc.stdout
    for name in ORDER:
        assert doc["timing"][name]["variant"] in proc.stdout


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
