"""A user's first hour, scripted: README and quickstart walked as printed in a fresh venv from the built wheels.

What a new user does: install the release files as the README says, then go through README.md and
docs/quickstart.md top to bottom in one project directory, copying every Python and shell example as printed
(the same extraction and runner as tests/docs, but with the fresh venv's interpreter, not this checkout's
editable installs). Then the mistakes new users make, each checked by the message they see on their terminal:
a typo in an environment variable, a full disk, configuring twice, recording before configuring, a malformed
``OTEL_RESOURCE_ATTRIBUTES``.

pip runs with ``PIP_NO_INDEX=1`` and ``PIP_FIND_LINKS`` = the local wheelhouse (built once per run by
tests/support/wheels.py): the README's lines are unchanged, only where pip finds third-party wheels differs
(tests/install/test_install.py runs the same lines against the real index).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

from tests.support.collector import OtlpSink, RotelCollector
from tests.support.doc_blocks import REPO_ROOT, Block, extract
from tests.support.doc_runner import example_environment, run_block
from tests.support.processes import run_command
from tests.support.wheels import BuiltDistributions, FreshVenv, download_into_wheelhouse

pytestmark = pytest.mark.slow

TEN_LINES_CONFIG = 'OneLoggerConfig(application_name="train", world_size_or_fn=1, session_tag_or_fn="run-1")'


def _pinned(name: str) -> str:
    for line in (REPO_ROOT / "requirements" / "test.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}=="):
            return line.strip()
    raise AssertionError(f"{name} is not pinned in requirements/test.txt")


def _install_block(readme: List[Block]) -> Block:
    (block,) = [b for b in readme if "pip install --find-links dist nv-one-logger-core" in b.code and "venv" in b.code]
    return block


def _as_a_user(block: Block) -> str:
    """The install block minus what the fixture already did: `make dist` (built wheels) and creating the venv."""
    kept = [line for line in block.code.splitlines() if not line.startswith(("make dist", "python3 -m venv"))]
    assert len(kept) == len(block.code.splitlines()) - 2, block.code
    return "\n".join(kept) + "\n"


class User:
    """Runs commands in the project directory with the fresh venv active, the way the user's shell would."""

    def __init__(self, venv: FreshVenv, project: Path, wheelhouse: Path) -> None:
        self.venv = venv
        self.project = project
        self.env = example_environment({"PIP_FIND_LINKS": str(wheelhouse)}, python=venv.python_path)

    def python(self, code: str, **env: str) -> subprocess.CompletedProcess:
        script = self.project / "mistake.py"
        script.write_text(code, encoding="utf-8")
        return subprocess.run(
            [str(self.venv.python_path), str(script)],
            cwd=self.project,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )

    def ten_lines(self, extra: str = "", **env: str) -> subprocess.CompletedProcess:
        return self.python((self.project / "train.py").read_text(encoding="utf-8") + extra, **env)


def _lines(text: str, needle: str) -> List[str]:
    return [line for line in text.splitlines() if needle in line]


def test_first_hour_readme_and_quickstart_as_printed_then_the_usual_mistakes(
    built_distributions: BuiltDistributions, fresh_venv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(built_distributions.dist_dir, project / "dist")  # what `make dist` leaves in the checkout
    download_into_wheelhouse(built_distributions, _pinned("pytest"))  # the quickstart's test example needs it
    venv = fresh_venv("my-project-venv", with_pip=True)
    user = User(venv, project, built_distributions.wheelhouse)

    # 1. Install as the README says.
    readme = extract(REPO_ROOT / "README.md")
    install = _install_block(readme)
    run_command(["bash", "-c", "set -eo pipefail\n" + _as_a_user(install)], env=user.env, cwd=project)
    venv.pip("install", "--quiet", "--no-index", "--find-links", str(built_distributions.wheelhouse), "pytest")
    shown = venv.run_script("one-logger", "--version").stdout
    assert built_distributions.version in shown, shown

    # 2. Every example of the README, then of the quickstart, in order, as printed.
    failures: List[str] = []
    ran: List[str] = []
    for page in ("README.md", "docs/quickstart.md"):
        for block in extract(REPO_ROOT / page):
            if block.skip_reason is not None or block is install or block.code == install.code:
                continue
            if block.save_as:
                (project / block.save_as).write_text(block.code, encoding="utf-8")
            outcome = run_block(block, project, user.env, python=venv.python_path)
            ran.append(block.where)
            if outcome.problem is not None:
                failures.append(outcome.report())
    assert not failures, "\n\n".join(failures)
    assert len(ran) >= 8, ran
    assert (project / "train.py").exists()

    # 3. The ten lines with the file exporter, read back with the CLI the README names.
    done = user.ten_lines(ONE_LOGGER_FILE_EXPORTER_PATH="run.jsonl")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    summary = run_command(["one-logger", "summary", "run.jsonl"], env=user.env, cwd=project).stdout
    assert re.search(r"^\s*iteration\s+3\b", summary, re.MULTILINE), summary

    # 4. Mistakes, and what the user sees.
    # A typo in a variable: said once, on stderr, although the script configured no logging.
    done = user.ten_lines(ONE_LOGGER_EXIT_TIMEOUT_SECONDS="abc", ONE_LOGGER_FILE_EXPORTER_PATH="run2.jsonl")
    assert done.returncode == 0
    assert len(_lines(done.stderr, "Ignoring ONE_LOGGER_EXIT_TIMEOUT_SECONDS='abc'")) == 1, done.stderr

    # A full disk: one warning and one line saying the exporter is disabled; the job finishes.
    if Path("/dev/full").exists():
        done = user.ten_lines(ONE_LOGGER_FILE_EXPORTER_PATH="/dev/full")
        assert done.returncode == 0, done.stderr
        assert len(done.stderr.strip().splitlines()) == 2, done.stderr
        assert "no space left on device" in done.stderr and "and is disabled" in done.stderr

    # Configuring twice: the same configuration again is fine; a different one is refused, saying what differs.
    done = user.ten_lines(f"\nconfigure_one_logger({TEN_LINES_CONFIG})\nprint('ok')\n")
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr
    other = TEN_LINES_CONFIG.replace('"run-1"', '"run-2"')
    done = user.ten_lines(f"\nconfigure_one_logger({other})\n")
    assert done.returncode == 1
    assert "OneLoggerError: OneLoggerProvider already configured!" in done.stderr, done.stderr
    assert "session_tag_or_fn ('run-1' in use, 'run-2' given)" in done.stderr

    # Recording before configuring: safe, one warning (and its count at exit), the script goes on.
    early = (
        "from nv_one_logger.api.timed_span import get_recorder\n"
        "from nv_one_logger.core.event import Event\n"
        "recorder = get_recorder()\n"
        "recorder.event(None, Event.create('too_early'))\n"
        "recorder.event(None, Event.create('too_early'))\n"
    )
    done = user.python(early + (project / "train.py").read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    warned = _lines(done.stderr, "get_recorder().event() used before configure_one_logger()")
    assert len(warned) == 2 and "Repeated 1 more time" in warned[1], done.stderr  # once, then the count at exit


def test_first_hour_otel_with_a_malformed_resource_variable(
    built_distributions: BuiltDistributions, fresh_venv, rotel: RotelCollector, otlp_sink: OtlpSink, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    venv = fresh_venv()
    venv.install("nv-one-logger-core[otel]", wheelhouse=built_distributions.wheelhouse)
    readme = extract(REPO_ROOT / "README.md")
    (ten_lines,) = [block for block in readme if block.save_as == "train.py"]
    (project / "train.py").write_text(ten_lines.code, encoding="utf-8")
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": rotel.grpc_endpoint, "OTEL_RESOURCE_ATTRIBUTES": "garbage"}
    done = venv.python("train.py", cwd=project, extra_env=env)
    warnings = _lines(done.stderr, "resource attribute pair garbage")
    assert len(warnings) == 2 and "Repeated" in warnings[1], done.stderr  # once, then the count at exit
    otlp_sink.wait_for_spans(lambda s: s.name == "iteration" and not s.is_marker, count=3, timeout=120)
