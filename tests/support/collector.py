"""Test harness: a real OTLP collector (rotel) in front of an in-test OTLP sink, plus a black-hole port.

Why: the OpenTelemetry tests must check what a real collector receives, not what an in-memory exporter was
handed. rotel (pinned in requirements/test.txt) is a real OTLP collector shipped as a binary in a wheel. We start
it on free loopback ports with its OTLP gRPC and HTTP receivers and let it forward, with its own OTLP exporter,
to ``OtlpSink`` (tests/support/otlp_sink.py), where the test reads the spans back.

    app --(OTLP gRPC or HTTP)--> rotel --(OTLP gRPC)--> OtlpSink (in the test) --> assertions

rotel does not forward the headers its clients sent, so a test about headers points the application straight
at the sink (a real OTLP server for both protocols) and reads ``ReceivedRequest.headers``.

API
- ``free_port() -> int``: a currently free loopback TCP port.
- ``OtlpSink`` (re-exported): see its module docstring (``wait_for_spans``, ``requests``, fault injection...).
- ``RotelCollector(sink, work_dir, batch_timeout_ms=50)``: ``start()`` (waits until both receivers accept
  connections), ``grpc_endpoint`` (``http://127.0.0.1:<port>``), ``http_endpoint`` (base URL, traces go to
  ``/v1/traces``), ``stop()`` (SIGTERM, then SIGKILL), ``kill()`` (SIGKILL, nothing is flushed),
  ``restart()`` (start again on the SAME ports), ``running``, ``log_text()``. Also a context manager. The
  process is started with a parent-death signal, so it never outlives the test process.
- ``BlackHoleServer()``: listens on a free port, accepts every TCP connection and never reads or answers
  (the worst case for an exporter). ``endpoint``, ``accepted`` (count), ``close()``; context manager.
- Fixtures using these live in ``tests/support/fixtures.py`` (registered for the whole suite).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Optional

from tests.support.otlp_sink import LOOPBACK, LoopbackEndpoints, OtlpSink, ReceivedEvent, ReceivedRequest, ReceivedSpan

__all__ = [
    "LOOPBACK",
    "BlackHoleServer",
    "OtlpSink",
    "ReceivedEvent",
    "ReceivedRequest",
    "ReceivedSpan",
    "RotelCollector",
    "free_port",
    "rotel_binary",
]


def free_port() -> int:
    """Return a loopback TCP port that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


#: Set by tox.ini for the other Python versions: rotel ships no wheel for some of them (3.9), and the collector
#: is a separate program anyway, so those runs use the binary installed in .venv by requirements/test.txt.
ROTEL_BINARY_VARIABLE = "TESTS_ROTEL_AGENT"


def rotel_binary() -> Path:
    """Path of the rotel collector binary shipped inside the pinned ``rotel`` wheel (or ``$ROTEL_BINARY_VARIABLE``)."""
    given = os.environ.get(ROTEL_BINARY_VARIABLE)
    if given:
        if not Path(given).is_file():
            raise RuntimeError(f"{ROTEL_BINARY_VARIABLE}={given} is not a file")
        return Path(given)
    import rotel

    binary = Path(rotel.__file__).parent / "rotel-agent"
    if not binary.exists():
        raise RuntimeError(f"rotel binary not found at {binary}; is requirements/test.txt installed?")
    return binary


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to SIGKILL the collector if the test process dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.2):
            return True
    except OSError:
        return False


class RotelCollector(LoopbackEndpoints):
    """One rotel process with OTLP gRPC + HTTP receivers on loopback, forwarding to an ``OtlpSink``."""

    def __init__(self, sink: OtlpSink, work_dir: Path, batch_timeout_ms: int = 50) -> None:
        self.sink = sink
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.batch_timeout_ms = batch_timeout_ms
        self.grpc_port = 0
        self.http_port = 0
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._log: Optional[IO[bytes]] = None
        self._starts = 0

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc is not None else None

    def _command(self) -> list[str]:
        tag = f"{os.getpid()}-{id(self)}-{self._starts}"
        return [
            str(rotel_binary()),
            "start",
            "--otlp-grpc-endpoint",
            f"{LOOPBACK}:{self.grpc_port}",
            "--otlp-http-endpoint",
            f"{LOOPBACK}:{self.http_port}",
            "--exporter",
            "otlp",
            "--otlp-exporter-endpoint",
            self.sink.grpc_endpoint,
            "--otlp-exporter-protocol",
            "grpc",
            "--otlp-exporter-compression",
            "none",
            "--otlp-exporter-retry-initial-backoff",
            "100ms",
            "--otlp-exporter-retry-max-backoff",
            "500ms",
            "--otlp-exporter-retry-max-elapsed-time",
            "10s",
            "--batch-timeout",
            f"{self.batch_timeout_ms}ms",
            "--pid-file",
            str(self.work_dir / f"rotel-{tag}.pid"),
            "--log-file",
            str(self.work_dir / f"rotel-{tag}.log"),
        ]

    def start(self, timeout: float = 15.0) -> RotelCollector:
        """Start rotel (on new free ports the first time, on the same ports after that) and wait until ready."""
        if self.running:
            return self
        keep_ports = self._starts > 0
        for attempt in range(5):
            if not keep_ports:
                self.grpc_port, self.http_port = free_port(), free_port()
            if self._spawn(timeout):
                return self
            # A port taken between free_port() and rotel's bind (parallel tests), or TIME_WAIT on restart.
            time.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"rotel did not become ready; log:\n{self.log_text()}")

    def _spawn(self, timeout: float) -> bool:
        self._starts += 1
        if self._log is None:
            self._log = open(self.work_dir / "rotel-output.log", "ab")  # noqa: SIM115 (closed in stop())
        self._proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # single call before exec, takes no locks
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if _accepts(self.grpc_port) and _accepts(self.http_port):
                return True
            time.sleep(0.02)
        self._terminate(signal.SIGKILL)
        return False

    def _terminate(self, sig: int, wait_s: float = 5.0) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=wait_s)

    def kill(self) -> None:
        """SIGKILL the collector: whatever it buffered is lost, its ports refuse connections."""
        self._terminate(signal.SIGKILL)

    def stop(self) -> None:
        """Stop the collector gracefully (SIGTERM lets it flush to the sink), SIGKILL after 5 s."""
        self._terminate(signal.SIGTERM)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self, timeout: float = 15.0) -> RotelCollector:
        """Start again on the same ports (after ``kill()`` or ``stop()``)."""
        self._terminate(signal.SIGKILL)
        return self.start(timeout)

    def log_text(self) -> str:
        path = self.work_dir / "rotel-output.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> RotelCollector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class BlackHoleServer:
    """A TCP port that accepts connections and never reads or answers: the exporter's worst case."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._held: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept_loop, name="black-hole", daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def accepted(self) -> int:
        return len(self._held)

    def _accept_loop(self) -> None:
        self._listener.settimeout(0.1)
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._held.append(conn)  # keep it open, never read, never write

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for conn in self._held:
            with contextlib.suppress(OSError):
                conn.close()

    def __enter__(self) -> BlackHoleServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
