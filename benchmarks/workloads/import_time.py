"""Import time of OneLogger core (and of the raw OTel SDK as the baseline), each in a fresh interpreter.

The clock runs inside the child around the ``import`` statement only, so interpreter start-up is not
counted. Byte code is cached as an installed package has it: the children write and read ``.pyc`` files
under a private ``PYTHONPYCACHEPREFIX`` (even when ``PYTHONDONTWRITEBYTECODE`` is set in the caller's
environment), and the first, discarded run of each row fills that cache. The child also reports whether
any ``opentelemetry`` module got imported: core must not pull it in.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

# (row name, what the row means, modules imported together)
IMPORT_ROWS = [
    ("import.sdk", "raw OTel SDK (trace + BatchSpanProcessor)", ["opentelemetry.sdk.trace.export"]),
    ("import.timed_span", "core: nv_one_logger.api.timed_span", ["nv_one_logger.api.timed_span"]),
    (
        "import.core_full",
        "core: timed_span + DefaultRecorder + LoggerExporter",
        [
            "nv_one_logger.api.timed_span",
            "nv_one_logger.recorder.default_recorder",
            "nv_one_logger.exporter.logger_exporter",
        ],
    ),
    ("import.otel_exporter", "otel: OTelExporter", ["nv_one_logger.otel.exporter.otel_exporter"]),
    # What every ``one-logger`` call imports before it does anything: the entry point and every subcommand's
    # module (``build_parser`` registers them all).
    (
        "import.cli",
        "CLI: one-logger entry point + subcommands",
        [
            "nv_one_logger.cli.main",
            "nv_one_logger.cli.doctor",
            "nv_one_logger.cli.summary",
            "nv_one_logger.cli.chrome_trace",
            "nv_one_logger.cli.report",
            "nv_one_logger.cli.replay",
        ],
    ),
]

_CHILD = """
import json, sys, time
modules = {modules!r}
start = time.perf_counter()
for name in modules:
    __import__(name)
elapsed = time.perf_counter() - start
otel = sorted(m for m in sys.modules if m == "opentelemetry" or m.startswith("opentelemetry."))
print(json.dumps({{"seconds": elapsed, "opentelemetry_imported": bool(otel)}}))
"""


def _import_once(modules: List[str], cwd: Path, env: Dict[str, str]) -> Dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD.format(modules=modules)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "import failed"}
    result: Dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_all(repeats: int, cwd: Path) -> Dict[str, Dict[str, object]]:
    """Median import time of every row over ``repeats`` fresh interpreters.

    Rows are interleaved (row 1, row 2, ..., row 1, row 2, ...) so that a busy moment of the machine hits
    every row alike; a first, discarded pass fills the byte-code cache.
    """
    results: Dict[str, Dict[str, object]] = {
        name: {"label": label, "modules": modules} for name, label, modules in IMPORT_ROWS
    }
    seconds: Dict[str, List[float]] = {name: [] for name, _, _ in IMPORT_ROWS}
    with tempfile.TemporaryDirectory(prefix="onelogger-pycache-") as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for attempt in range(repeats + 1):
            for name, _, modules in IMPORT_ROWS:
                if "error" in results[name]:
                    continue
                result = _import_once(modules, cwd, env)
                if "error" in result:
                    results[name]["error"] = result["error"]
                    continue
                imported = bool(results[name].get("opentelemetry_imported")) or bool(result["opentelemetry_imported"])
                results[name]["opentelemetry_imported"] = imported
                if attempt > 0:
                    seconds[name].append(float(result["seconds"]))  # type: ignore[arg-type]
    for name, row in results.items():
        if "error" not in row:
            row["seconds"] = statistics.median(seconds[name])
            row["repeats"] = repeats
    return results
