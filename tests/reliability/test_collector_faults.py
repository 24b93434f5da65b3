"""Collector faults, end to end: a real application process with the file and OTel exporters, a real collector.

Cases: the collector is unreachable for the whole run; it is SIGKILLed and restarted mid-run; the port accepts
connections and never answers (black hole). In each case:

- the application runs to the end and exits with status 0 within the configured shutdown bound (the exit hook's
  `exit_timeout_seconds`; the OTel exporter's own `shutdown_timeout_s` is smaller), measured from the app's last
  line to process exit with a generous margin for interpreter teardown on a loaded CI machine;
- the file exporter is unaffected: every step span is in the file;
- after a restart, data sent after the collector is back arrives, and what was lost is counted in the log.

The OTLP exporter keeps its default 10 s export timeout and retries, so a stuck export outlives the shutdown
bound: only the bridge's own bound keeps the exit short. E's tests in tests/otel/ cover the exporter alone.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from tests.support.collector import BlackHoleServer, OtlpSink, RotelCollector, free_port
from tests.support.fault_app import EXIT_TIMEOUT_S, STEPS, TEARDOWN_MARGIN_S, check_file_complete
from tests.support.processes import AppProcess
from tests.support.waiting import poll

OTEL_SHUTDOWN_S = 2.0
PAUSE_S = 0.05
BATCH_DELAY_MS = 200

pytestmark = [pytest.mark.collector, pytest.mark.slow]


def start_app(
    tmp_path: Path, endpoint: str, steps: int = STEPS, extra_env: Optional[dict[str, str]] = None
) -> tuple[AppProcess, Path]:
    path = tmp_path / "records.jsonl"
    app = AppProcess(
        "fault_app",
        [str(path), str(steps), str(PAUSE_S)],
        env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": str(BATCH_DELAY_MS),
            "APP_OTEL_SHUTDOWN_S": str(OTEL_SHUTDOWN_S),
            "APP_EXIT_TIMEOUT_S": str(EXIT_TIMEOUT_S),
            **(extra_env or {}),
        },
        cwd=tmp_path,
    )
    ready = app.wait_for_line("READY", timeout=60)
    assert "OTelExporter" in ready.value and "FileExporter" in ready.value, ready.value
    return app, path


def finish_app(app: AppProcess, figure: Callable[[str, Any], None]) -> float:
    """Wait for the app to finish; check status and exit time; return the exit time in seconds."""
    done, code = app.wait_done_and_exit(done_timeout=120, exit_timeout=EXIT_TIMEOUT_S + 60)
    assert app.exited_at is not None
    exit_seconds = app.exited_at - done.at
    figure("exit time after the last app line (s)", exit_seconds)
    figure("configured bound (s)", EXIT_TIMEOUT_S)
    assert code == 0, app.stderr()[-3000:]
    assert exit_seconds <= EXIT_TIMEOUT_S + TEARDOWN_MARGIN_S, f"exit took {exit_seconds:.2f} s"
    return exit_seconds


def lost_count(stderr: str) -> int:
    match = re.search(r"(\d+) spans delivered, (\d+) lost", stderr)
    assert match, f"no loss summary in the app's log:\n{stderr[-3000:]}"
    return int(match.group(2))


def test_collector_unreachable_for_the_whole_run(tmp_path: Path, figure: Callable[[str, Any], None]) -> None:
    app, path = start_app(tmp_path, f"http://127.0.0.1:{free_port()}")
    finish_app(app, figure)
    check_file_complete(path)
    lost = lost_count(app.stderr())
    figure("spans counted as lost", lost)
    assert lost >= STEPS


def test_black_hole_port(tmp_path: Path, black_hole: BlackHoleServer, figure: Callable[[str, Any], None]) -> None:
    app, path = start_app(tmp_path, black_hole.endpoint)
    finish_app(app, figure)
    check_file_complete(path)
    assert black_hole.accepted >= 1, "the exporter never even connected"
    figure("spans counted as lost", lost_count(app.stderr()))


RESTART_STEPS = 120
OUTAGE_S = 2.5


def test_collector_killed_and_restarted(
    tmp_path: Path, rotel: RotelCollector, otlp_sink: OtlpSink, figure: Callable[[str, Any], None]
) -> None:
    """The collector dies at step ~20 and is back 2.5 s later; the OTLP timeout (1 s) is shorter than the outage.

    So batches of the outage exhaust their retries and are lost; the app must count them. Spans rotel had
    acknowledged but not yet forwarded when it was SIGKILLed are lost inside the collector, where the app cannot
    see them; they are reported as a separate figure and not held against the app's count.
    """
    app, path = start_app(tmp_path, rotel.grpc_endpoint, RESTART_STEPS, {"OTEL_EXPORTER_OTLP_TIMEOUT": "1000"})
    app.wait_for(lambda lines: sum(line.kind == "P" for line in lines) >= 20, timeout=60)
    killed_at = time.monotonic()
    rotel.kill()
    time.sleep(OUTAGE_S)
    rotel.restart()
    back_at = time.monotonic()
    exit_seconds = finish_app(app, figure)
    check_file_complete(path, RESTART_STEPS)

    lines = app.snapshot()
    before_kill = {int(line.value) for line in lines if line.kind == "P" and line.at < killed_at}
    during_outage = {int(line.value) for line in lines if line.kind == "P" and killed_at <= line.at <= back_at}
    # Sent one batch delay + one OTLP timeout after the collector was back: nothing can be in a failing retry.
    after_restart = {int(line.value) for line in lines if line.kind == "P" and line.at > back_at + 1.5}
    assert during_outage and after_restart, "the run is too short around the outage"
    arrived: set[int] = poll(
        lambda: {span.attributes["step"] for span in otlp_sink.spans() if span.name == "step" and not span.is_marker},
        lambda steps: after_restart <= steps,
        20,
        interval=0.2,
    )
    missing_after = sorted(after_restart - arrived)
    lost_by_app = set(range(RESTART_STEPS)) - arrived - before_kill
    figure("step spans recorded during the outage", len(during_outage))
    figure("step spans arrived", len(arrived))
    figure("step spans lost after the kill (app-side)", len(lost_by_app))
    figure("step spans lost inside the killed collector", len(before_kill - arrived))
    assert not missing_after, f"steps sent after the restart never arrived: {missing_after[:10]}"
    assert lost_by_app, "the outage lost nothing: the test did not exercise loss counting"
    counted = lost_count(app.stderr())
    figure("spans counted as lost in the app's log", counted)
    assert counted >= len(lost_by_app), f"{len(lost_by_app)} step spans lost but only {counted} counted as lost"
    assert exit_seconds <= EXIT_TIMEOUT_S + TEARDOWN_MARGIN_S
