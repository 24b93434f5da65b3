"""Runs the examples extracted by ``tests/support/doc_blocks.py`` the way a reader would.

Each markdown page gets one fresh working directory; its examples run there in document order (a reader
following a page works in one directory, so a file written by one example can be read by the next). Python
examples run in a subprocess of this interpreter (the venv with this repository's packages installed), shell
examples with ``bash`` under ``set -eo pipefail`` and with that venv's ``bin`` first on ``PATH``, so
``python`` and ``one-logger`` are the ones under test. ``OTEL_*`` and ``ONE_LOGGER_*`` variables of the test
process are removed: an example sees only what it sets itself (and what a ``collector`` directive sets).
``pip install`` lines run as printed with ``PIP_NO_INDEX=1``: nothing is downloaded and the venv is not changed;
they pass when what they name (distributions and extras) is already installed from this repository, and an
extra that does not exist fails the example.

A failure names the file and line of the block, the exit status and both output streams. An example that
exits 0 but prints a Python traceback (or logging's "--- Logging error ---") also fails: a reader would take
it for a crash. A block that runs longer than the timeout gets SIGABRT first (Python's faulthandler, enabled
for every example, then prints each thread's stack) and is killed after that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from tests.support.doc_blocks import Block
from tests.support.environment import LIBRARY_ENV_PREFIXES

BLOCK_TIMEOUT_SECONDS = 240.0
CRASH_MARKERS = ("Traceback (most recent call last)", "--- Logging error ---", "does not provide the extra")
PLACEHOLDER_HOSTS = {"http://collector:4317": "grpc", "http://collector:4318": "http"}


@dataclass
class Outcome:
    """What one example did."""

    block: Block
    returncode: int
    stdout: str
    stderr: str
    problem: Optional[str] = None  # None when the example passed

    def report(self) -> str:
        return (
            f"{self.block.where}: {self.block.language} example failed: {self.problem}\n"
            f"--- example ---\n{self.block.code}"
            f"--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-6000:]}"
        )


def example_environment(extra: Optional[Dict[str, str]] = None, python: Optional[Path] = None) -> Dict[str, str]:
    """The environment of an example: this one without OTEL_*/ONE_LOGGER_*, the venv's bin first on PATH.

    ``python`` is the interpreter of the venv the examples use (default: the one running the tests).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith((*LIBRARY_ENV_PREFIXES, "PYTEST_"))}
    env["PATH"] = f"{Path(python or sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if python is not None:
        env["VIRTUAL_ENV"] = str(Path(python).parent.parent)
        env.pop("PYTHONPATH", None)
    env["PYTHONFAULTHANDLER"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("VIRTUAL_ENV", None)
    env.update(extra or {})
    return env


def _command(block: Block, script: Path, python: str) -> List[str]:
    if block.language == "shell":
        return ["bash", "-c", f"set -eo pipefail\n{script.read_text(encoding='utf-8')}", "example"]
    if block.pytest:
        return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)]
    return [python, str(script)]


def _kill_with_stacks(proc: subprocess.Popen[str]) -> str:
    """Abort a hung example so faulthandler prints its thread stacks; return what it printed after that."""
    try:
        os.killpg(proc.pid, signal.SIGABRT)
        _, late_stderr = proc.communicate(timeout=15)
        return late_stderr or ""
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return ""


def run_block(
    block: Block,
    work_dir: Path,
    env: Dict[str, str],
    endpoints: Optional[Dict[str, str]] = None,
    python: Optional[Path] = None,
) -> Outcome:
    """Run one example in ``work_dir``; ``endpoints`` maps "grpc"/"http" to the collector's URLs.

    ``python`` runs the Python examples (default: the interpreter running the tests); give it together with
    ``example_environment(python=...)`` so that shell examples find the same venv's commands.
    """
    code = block.code
    for placeholder, protocol in PLACEHOLDER_HOSTS.items():
        if endpoints is not None:
            code = code.replace(placeholder, endpoints[protocol])
    suffix = ".sh" if block.language == "shell" else ".py"
    name = f"test_example_{block.line}{suffix}" if block.pytest else f"example_{block.line}{suffix}"
    script = work_dir / name
    script.write_text(code, encoding="utf-8")
    proc = subprocess.Popen(
        _command(block, script, str(python or sys.executable)),
        cwd=work_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=BLOCK_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        stacks = _kill_with_stacks(proc)
        return Outcome(block, -1, "", stacks, f"still running after {BLOCK_TIMEOUT_SECONDS:.0f} s (stacks below)")
    finally:
        script.unlink(missing_ok=True)
    outcome = Outcome(block, proc.returncode, stdout, stderr)
    if proc.returncode != 0:
        outcome.problem = f"exit status {proc.returncode}"
    else:
        crash = next((marker for marker in CRASH_MARKERS if marker in stdout + stderr), None)
        if crash is not None:
            outcome.problem = f"exit status 0 but it printed {crash!r}"
    return outcome
