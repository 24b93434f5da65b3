"""Each warning of the library appears once per process, and on stderr when the application configured no logging.

These run real processes (the situation of a user's script: nothing configured, or ``logging.basicConfig``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from tests.support.collector import free_port
from tests.support.processes import child_env, run_command

TEN_LINES = """
from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.event import Event

configure_one_logger(OneLoggerConfig(application_name="train", world_size_or_fn=1, session_tag_or_fn="run-1"))
with timed_span("application"):
    for step in range(10):
        with timed_span("iteration", span_attributes={"step": step}) as span:
            get_recorder().event(span, Event.create("loss", {"value": 0.5 / (step + 1)}))
print("finished")
"""


def run_script(tmp_path: Path, code: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    result = run_command([sys.executable, script], cwd=tmp_path, env=child_env(env), timeout=180, check=False)
    assert "finished" in result.stdout, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def lines_with(text: str, needle: str) -> List[str]:
    return [line for line in text.splitlines() if needle in line]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_is_one_warning_and_one_disable_line(tmp_path: Path) -> None:
    result = run_script(tmp_path, TEN_LINES, {"ONE_LOGGER_FILE_EXPORTER_PATH": "/dev/full"})
    failed = lines_with(result.stderr, "Exporter FileExporter failed in")
    assert len(failed) == 1 and "no space left on device" in failed[0] and "WARNING" in failed[0], result.stderr
    disabled = lines_with(result.stderr, "and is disabled")
    assert len(disabled) == 1 and "failed 5 times" in disabled[0] and "ERROR" in disabled[0], result.stderr
    assert len(result.stderr.strip().splitlines()) == 2, result.stderr


def test_an_invalid_exit_timeout_variable_is_reported_on_stderr_once(tmp_path: Path) -> None:
    code = (
        TEN_LINES
        + """
configure_one_logger(OneLoggerConfig(application_name="train", world_size_or_fn=1, session_tag_or_fn="run-1"))
"""
    )  # the same configuration again reads the variable again: counted, not logged again
    result = run_script(tmp_path, code, {"ONE_LOGGER_EXIT_TIMEOUT_SECONDS": "abc"})
    notices = lines_with(result.stderr, "ONE_LOGGER_EXIT_TIMEOUT_SECONDS")
    assert len(notices) == 2, result.stderr
    assert "WARNING" in notices[0] and "Ignoring ONE_LOGGER_EXIT_TIMEOUT_SECONDS='abc'" in notices[0]
    assert "using 10 s" in notices[0]
    assert "Repeated 1 more time in this process" in notices[1]


def test_a_malformed_resource_variable_is_reported_once_with_a_count_at_exit(tmp_path: Path) -> None:
    pytest.importorskip("nv_one_logger.otel")
    env = {
        "OTEL_RESOURCE_ATTRIBUTES": "garbage",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",  # nothing listens: refused at once
        "OTEL_EXPORTER_OTLP_TIMEOUT": "1",
    }
    result = run_script(tmp_path, TEN_LINES, env)
    warnings = lines_with(result.stderr, "resource attribute pair garbage")
    assert len(warnings) == 2, result.stderr  # the warning, then the count at exit
    assert not warnings[0].startswith("Repeated")
    assert "Repeated" in warnings[1] and "more times in this process" in warnings[1]


def test_get_recorder_before_configure_is_safe_warns_once_and_forwards_afterwards(tmp_path: Path) -> None:
    code = """
    from pathlib import Path
    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
    from nv_one_logger.core.event import Event
    from nv_one_logger.exporter.file_exporter import FileExporter
    from nv_one_logger.recorder.default_recorder import DefaultRecorder

    recorder = get_recorder()  # at import time, before the application configured anything
    for _ in range(3):
        assert recorder.event(None, Event.create("early")) is None
        with timed_span("early") as span:
            assert span is None
    configure_one_logger(
        OneLoggerConfig(application_name="train", world_size_or_fn=1, session_tag_or_fn="run-1"),
        DefaultRecorder([FileExporter(Path("run.jsonl"))]),
    )
    span = recorder.start("late")  # the early reference now records
    recorder.event(span, Event.create("loss", {"value": 1.0}))
    recorder.stop(span)
    get_recorder().close()
    print("finished")
    """
    result = run_script(tmp_path, code)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr  # the warning, then the count of its repeats at exit
    assert "WARNING" in lines[0] and "get_recorder().event() used before configure_one_logger()" in lines[0]
    assert "Repeated 2 more times in this process" in lines[1]
    records = (tmp_path / "run.jsonl").read_text().splitlines()
    assert any('"late"' in line for line in records) and any('"loss"' in line for line in records)


def test_an_application_that_configured_logging_gets_the_warning_there_not_twice(tmp_path: Path) -> None:
    code = """
    import logging, sys
    logging.basicConfig(stream=sys.stdout, format="APP %(levelname)s %(name)s %(message)s")
    from nv_one_logger.api.timed_span import get_recorder
    get_recorder().telemetry_data_error("early")
    print("finished")
    """
    result = run_script(tmp_path, code)
    assert result.stderr == ""
    assert len(lines_with(result.stdout, "APP WARNING nv_one_logger")) == 1, result.stdout


def test_an_exporter_failing_for_the_same_cause_is_logged_once_and_counted_at_close(caplog) -> None:
    import logging

    from nv_one_logger.recorder.default_recorder import DefaultRecorder
    from tests.support.failing_exporters import FailingExporter

    exporter = FailingExporter(failing=("export_start",))
    recorder = DefaultRecorder([exporter])
    for name in ("a", "b", "c"):  # three failures with the same cause, fewer than the disabling limit
        recorder.stop(recorder.start(name))
    recorder.close()
    lines = [
        r.getMessage() for r in caplog.records if r.name.startswith("nv_one_logger") and r.levelno >= logging.WARNING
    ]
    assert len(lines) == 2, lines
    assert "failed in export_start" in lines[0] and "boom in export_start" in lines[0]
    assert "recurred 2 more times (3 failures in total)" in lines[1]


def test_the_disabled_rank_warning_is_logged_once_per_process(caplog) -> None:
    from tests.support.config import make_config

    for _ in range(3):
        make_config(enable_for_current_rank=False)
    warnings = [r.getMessage() for r in caplog.records if "disabled for rank" in r.getMessage()]
    assert len(warnings) == 1, warnings
