"""Run Python programs (and other commands) from tests in their own processes, so that a hang names its lock.

Every child runs with faulthandler enabled (``PYTHONFAULTHANDLER=1``, inherited by forked workers). When a wait
times out, the test sends the child SIGABRT first, so the stacks of all its threads are in the AssertionError
that fails the test, instead of a bare timeout.

- ``child_env(env)``: the test process's environment without the variables that change what OneLogger does
  (``OTEL_*``, ``ONE_LOGGER_*``, ``RANK*``, pytest's own), this checkout first on ``PYTHONPATH`` (so a child can
  import ``tests.*``), then ``env``.
- ``run_command(args, timeout=..., check=True)``: run to completion, capturing text output; ``check`` turns a
  non-zero exit into an AssertionError showing the command and both output streams.
- ``AppProcess``: a running ``python -m tests.reliability.apps.<module>`` (by default this interpreter; another
  one, e.g. the PyTorch training-job environment's, with ``python=``), whose stdout lines are read as they
  come and stamped with the monotonic time they were read, so a test can reason about "before the kill"
  conservatively (a fact read at time t happened before t). The applications report one fact per line
  ("W 17" = the file exporter returned from writing record 17).
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
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

from tests.support.environment import LIBRARY_ENV_PREFIXES

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Seconds a command may take unless the caller says otherwise (a loaded 2-core CI machine, cold caches).
COMMAND_TIMEOUT = 600.0
#: Variables of the test process that must not reach a child: they would change what the library in it does.
CHILD_ENV_DROPPED_PREFIXES = (*LIBRARY_ENV_PREFIXES, "RANK", "PYTEST_")


def child_env(env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment for a child process: see the module docstring."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(CHILD_ENV_DROPPED_PREFIXES)}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), out.get("PYTHONPATH")]))
    out["PYTHONFAULTHANDLER"] = "1"
    out.update(env or {})
    return out


def _show(args: Sequence[object]) -> str:
    return " ".join(map(str, args))


def run_command(
    args: Sequence[object],
    *,
    timeout: float = COMMAND_TIMEOUT,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[Path] = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` to completion with captured text output and faulthandler on (``env`` default: inherited).

    If it does not finish within ``timeout`` it is sent SIGABRT, and the AssertionError raised carries the
    stacks of all its threads. With ``check``, a non-zero exit raises AssertionError with both output streams.
    """
    command = [str(a) for a in args]
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONFAULTHANDLER"] = "1"
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
            raise AssertionError(
                f"{_show(args)} did not finish within {timeout}s; its stacks:\n{err[-4000:]}\n"
                f"--- stdout ---\n{out[-2000:]}"
            ) from None
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {_show(args)}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


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
    """`python -m <package>.<module> <args>` (default package: the reliability apps) with a clean, explicit
    environment; its stdout lines are read on a thread, so every wait has a timeout and a stack dump."""

    def __init__(
        self,
        module: str,
        args: list[str],
        env: dict[str, str],
        cwd: Path,
        package: str = "tests.reliability.apps",
        python: Optional[Path] = None,
    ) -> None:
        full_env = child_env(env)
        full_env["PYTHONUNBUFFERED"] = "1"
        self._stderr_file = cwd / f"{module}-{id(self):x}.stderr"
        self.started_at = time.monotonic()
        with open(self._stderr_file, "wb") as stderr:
            self.proc = subprocess.Popen(
                [str(python or sys.executable), "-m", f"{package}.{module}", *args],
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

    def wait_done_and_exit(self, done_timeout: float, exit_timeout: float) -> Tuple[Line, int]:
        """Wait for the app's ``DONE`` line, then for its exit; return both. The process is dead afterwards.

        A timeout fails the test with the app's stacks (see ``wait_for`` and ``wait_exit``).
        """
        try:
            done = self.wait_for_line("DONE", timeout=done_timeout)
            code = self.wait_exit(timeout=exit_timeout)
        finally:
            self.ensure_dead()
        return done, code

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
