"""Run a small OneLogger application in its own process and watch what it reports, line by line.

Crash, collector-fault and fork tests need a real process: one that can be SIGKILLed, whose exit time can be
measured, and that may fork without forking pytest itself. The applications live in `tests/reliability/apps/`
and report progress on stdout, one line per fact ("W 17" = the file exporter returned from writing record 17).
`AppProcess` stamps each line with the monotonic time it was read, so a test can reason about "before the kill"
conservatively: a fact read at time t happened before t.

A hang must name its lock: the application runs with faulthandler enabled (`PYTHONFAULTHANDLER=1`, inherited by
forked workers), and when a wait times out the test sends it SIGABRT first, so the stacks of all its threads are
in the stderr shown by the failure message.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_command(
    args: list[str], timeout: float, env: Optional[dict[str, str]] = None, cwd: Optional[Path] = None
) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(args, capture_output=True, text=True)` for a Python command that must not hang.

    The command runs with faulthandler enabled; if it does not finish within `timeout` it is sent SIGABRT, and the
    AssertionError raised carries the stacks of all its threads.
    """
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONFAULTHANDLER"] = "1"
    with subprocess.Popen(
        args, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            try:
                out, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            raise AssertionError(f"{args} did not finish within {timeout}s; its stacks:\n{err[-4000:]}") from None
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


@dataclass(frozen=True)
class Line:
    """One stdout line of the application and when the test read it (time.monotonic())."""

    at: float
    text: str

    @property
    def kind(self) -> str:
        return self.text.split(" ", 1)[0]

    @property
    def value(self) -> str:
        return self.text.split(" ", 1)[1] if " " in self.text else ""


class AppProcess:
    """`python -m tests.reliability.apps.<module> <args>` with a clean, explicit environment."""

    def __init__(self, module: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "ONE_LOGGER_"))}
        full_env.update(env)
        full_env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), full_env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        full_env["PYTHONUNBUFFERED"] = "1"
        full_env["PYTHONFAULTHANDLER"] = "1"
        self._stderr_file = cwd / f"{module}-{id(self):x}.stderr"
        self.started_at = time.monotonic()
        with open(self._stderr_file, "wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", f"tests.reliability.apps.{module}", *args],
                cwd=cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        self.lines: list[Line] = []
        self._cond = threading.Condition()
        self.exited_at: Optional[float] = None
        self._reader = threading.Thread(target=self._read, name=f"app-{module}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = Line(time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n"))
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        self.proc.wait()
        with self._cond:
            self.exited_at = time.monotonic()
            self._cond.notify_all()

    def snapshot(self) -> list[Line]:
        with self._cond:
            return list(self.lines)

    def wait_for(self, predicate: Callable[[list[Line]], bool], timeout: float) -> list[Line]:
        """Wait until `predicate(lines)` holds; AssertionError (with stderr) if the app exits or time runs out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.lines):
                remaining = deadline - time.monotonic()
                if self.exited_at is not None or remaining <= 0:
                    if self.exited_at is None:
                        self._cond.release()
                        try:
                            self.dump_stacks()
                        finally:
                            self._cond.acquire()
                    raise AssertionError(
                        f"app condition not met (exit code {self.proc.poll()}); last lines "
                        f"{[line.text for line in self.lines[-5:]]}\nstderr:\n{self.stderr()[-3000:]}"
                    )
                self._cond.wait(min(remaining, 0.1))
            return list(self.lines)

    def wait_for_line(self, kind: str, timeout: float) -> Line:
        lines = self.wait_for(lambda ls: any(line.kind == kind for line in ls), timeout)
        return next(line for line in lines if line.kind == kind)

    def kill(self) -> float:
        """SIGKILL the application; returns the monotonic time just before the signal was sent."""
        at = time.monotonic()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        return at

    def wait_exit(self, timeout: float) -> int:
        """Wait for the process to exit on its own; on timeout kill it and fail."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.dump_stacks()
            raise AssertionError(f"app did not exit within {timeout}s\nstderr:\n{self.stderr()[-3000:]}") from None
        self._reader.join(timeout=30)
        return code

    def dump_stacks(self) -> None:
        """SIGABRT a running application (faulthandler writes every thread's stack to its stderr), then kill it."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGABRT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stderr(self) -> str:
        return self._stderr_file.read_text(errors="replace") if self._stderr_file.exists() else ""

    def ensure_dead(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
