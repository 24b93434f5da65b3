import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from nv_one_logger.api import _exit_hook
from nv_one_logger.api.config import LoggerConfig
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, make_config
from tests.support.log_records import library_records
from tests.support.processes import child_env, run_command

IN_MEMORY = "nv_one_logger.testing.InMemoryExporter"
REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfigAwareExporter(InMemoryExporter):
    """Accepts one_logger_config, like FileExporter and OTelExporter."""

    def __init__(self, label: str = "default", one_logger_config=None) -> None:
        super().__init__()
        self.label = label
        self.one_logger_config = one_logger_config


@pytest.fixture(autouse=True)
def _isolated_exporter_config(tmp_path, monkeypatch):
    """No config file from the environment or the working directory; no exporter enabled by env vars."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("ONE_LOGGER_", "OTEL_")):
            monkeypatch.delenv(name)


def test_builds_a_default_recorder_from_direct_config():
    config = make_config()
    recorder = configure_one_logger(
        config,
        exporters_config=[{"class_name": f"{__name__}.ConfigAwareExporter", "config": {"label": "direct"}}],
    )
    assert isinstance(recorder, DefaultRecorder)
    assert get_recorder() is recorder
    (exporter,) = recorder.exporters
    assert isinstance(exporter, ConfigAwareExporter)
    assert exporter.label == "direct"
    assert exporter.one_logger_config is config
    assert exporter.ready
    with timed_span("work"):
        pass
    assert exporter.span_names() == ["work"]


def test_builds_exporters_from_a_config_file(tmp_path):
    path = tmp_path / "exporters.json"
    path.write_text(json.dumps({"exporters": [{"class_name": IN_MEMORY}, {"class_name": IN_MEMORY, "enabled": False}]}))
    recorder = configure_one_logger(make_config(), config_file_path=path)
    assert [type(e).__name__ for e in recorder.exporters] == ["InMemoryExporter"]


def test_without_any_exporter_configuration_the_recorder_has_no_exporters():
    recorder = configure_one_logger(make_config())
    assert recorder.exporters == []
    with timed_span("nothing exported") as span:
        assert span is not None  # still recorded (and usable as a parent)


def test_disabled_rank_builds_no_exporters():
    recorder = configure_one_logger(
        make_config(enable_for_current_rank=False), exporters_config=[{"class_name": IN_MEMORY}]
    )
    assert recorder.exporters == []
    assert OneLoggerProvider.instance().one_logger_enabled is False


def test_exporter_build_failure_under_propagate(monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("entry points unreadable")

    monkeypatch.setattr(ExporterConfigManager, "create_exporters_from_config", broken)
    with pytest.raises(OneLoggerError, match="Could not build the exporters: RuntimeError"):
        configure_one_logger(make_config(PROPAGATE))
    assert OneLoggerProvider.instance().one_logger_ready is False


def test_exporter_build_failure_under_disable(monkeypatch, caplog):
    def broken(self, *args, **kwargs):
        raise RuntimeError("entry points unreadable")

    monkeypatch.setattr(ExporterConfigManager, "create_exporters_from_config", broken)
    recorder = configure_one_logger(make_config(DISABLE))
    assert isinstance(recorder, DefaultRecorder) and recorder.exporters == []
    errors = library_records(caplog)
    assert len(errors) == 1 and "entry points unreadable" in errors[0].getMessage()
    provider = OneLoggerProvider.instance()
    assert provider.one_logger_ready and not provider.one_logger_enabled


def test_configure_twice_with_the_same_config_is_a_no_op():
    config = make_config()
    first = configure_one_logger(config, exporters_config=[{"class_name": IN_MEMORY}])
    assert configure_one_logger(config, exporters_config=[{"class_name": IN_MEMORY}]) is first
    assert len(first.exporters) == 1


def test_configure_twice_with_another_config_propagate_builds_nothing(monkeypatch):
    configure_one_logger(make_config(PROPAGATE), DefaultRecorder([]))
    built = []
    monkeypatch.setattr(ExporterConfigManager, "create_exporters_from_config", lambda *a, **k: built.append(1))
    with pytest.raises(OneLoggerError, match="already configured"):
        configure_one_logger(make_config(PROPAGATE, custom_metadata={"another": 1}))
    assert built == []


def test_invalid_exit_timeout():
    with pytest.raises(OneLoggerError, match="exit_timeout_seconds"):
        configure_one_logger(make_config(), DefaultRecorder([]), exit_timeout_seconds=-1)


def test_exit_timeout_resolution(monkeypatch, caplog):
    assert _exit_hook.resolve_timeout(2.5) == 2.5
    assert _exit_hook.resolve_timeout(None) == _exit_hook.DEFAULT_EXIT_TIMEOUT_SECONDS == 10.0
    monkeypatch.setenv(_exit_hook.EXIT_TIMEOUT_ENV_VAR, "3")
    assert _exit_hook.resolve_timeout(None) == 3.0
    monkeypatch.setenv(_exit_hook.EXIT_TIMEOUT_ENV_VAR, "soon")
    assert _exit_hook.resolve_timeout(None) == 10.0
    assert any("ONE_LOGGER_EXIT_TIMEOUT_SECONDS" in r.getMessage() for r in caplog.records)


def test_close_with_timeout_returns_when_close_hangs(caplog):
    release = threading.Event()

    class Hanging(InMemoryExporter):
        def close(self):
            release.wait(30)
            super().close()

    recorder = DefaultRecorder([Hanging()])
    try:
        assert _exit_hook.close_with_timeout(recorder, 0.2) is False
        assert any("did not finish" in r.getMessage() for r in caplog.records)
    finally:
        release.set()
    quick = InMemoryExporter()
    assert _exit_hook.close_with_timeout(DefaultRecorder([quick]), 10) is True
    assert quick.closed


def _run_script(tmp_path: Path, body: str, timeout: float = 60) -> subprocess.CompletedProcess:
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(body))
    return run_command([sys.executable, script, tmp_path], cwd=tmp_path, env=child_env(), timeout=timeout, check=False)


SCRIPT_HEADER = """
import sys, time
from pathlib import Path
from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter

OUT = Path(sys.argv[1])

class MarkerExporter(InMemoryExporter):
    def close(self):
        (OUT / "closed.txt").write_text(",".join(s.name_str for s in self.stopped_spans))
        super().close()

config = OneLoggerConfig(application_name="job", world_size_or_fn=1, session_tag_or_fn="s")
"""


def test_exit_hook_closes_the_recorder_and_stops_open_spans(tmp_path):
    result = _run_script(
        tmp_path,
        SCRIPT_HEADER
        + """
configure_one_logger(config, DefaultRecorder([MarkerExporter()]))
with timed_span("done"):
    pass
span_cm = timed_span("still_open")
span_cm.__enter__()
# exit without closing anything
""",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "closed.txt").read_text() == "done,still_open"


def test_exit_hook_is_bounded_when_close_hangs(tmp_path):
    result = _run_script(
        tmp_path,
        SCRIPT_HEADER
        + """
class HangingExporter(InMemoryExporter):
    def close(self):
        time.sleep(120)

configure_one_logger(config, DefaultRecorder([HangingExporter()]), exit_timeout_seconds=0.5)
""",
        timeout=60,  # the process must exit long before the exporter's 120 s sleep ends
    )
    assert result.returncode == 0
    assert "did not finish within 0.5 s" in result.stderr


# ------------------------------------------------------------------------------- library logging


def test_logger_config_sets_level_and_creates_no_files_by_default(tmp_path):
    library_logger = logging.getLogger("nv_one_logger")
    configure_one_logger(make_config(logger_config=LoggerConfig(log_level="ERROR")), DefaultRecorder([]))
    assert library_logger.level == logging.ERROR
    logging.getLogger("nv_one_logger.test").error("an error line")
    assert list(tmp_path.iterdir()) == []  # neither onelogger.log nor onelogger.err


def test_explicit_log_files_are_written(tmp_path):
    info_path, err_path = tmp_path / "one.log", tmp_path / "one.err"
    logger_config = LoggerConfig(
        log_level="INFO",
        log_format="%(levelname)s|%(message)s",
        log_file_path_for_info=str(info_path),
        log_file_path_for_err=str(err_path),
    )
    configure_one_logger(make_config(logger_config=logger_config), DefaultRecorder([]))
    log = logging.getLogger("nv_one_logger.test")
    log.debug("hidden")
    log.info("informative")
    log.error("broken")
    assert info_path.read_text().splitlines() == ["INFO|informative", "ERROR|broken"]
    assert err_path.read_text().splitlines() == ["ERROR|broken"]


def test_reset_restores_the_library_logger(tmp_path):
    library_logger = logging.getLogger("nv_one_logger")
    level_before, handlers_before = library_logger.level, list(library_logger.handlers)
    logger_config = LoggerConfig(log_level="DEBUG", log_file_path_for_err=str(tmp_path / "one.err"))
    configure_one_logger(make_config(logger_config=logger_config), DefaultRecorder([]))
    assert library_logger.level == logging.DEBUG and len(library_logger.handlers) > len(handlers_before)
    from nv_one_logger.testing import reset_one_logger

    reset_one_logger()
    assert library_logger.level == level_before and library_logger.handlers == handlers_before


def test_library_errors_reach_stderr_when_the_application_configured_no_logging(tmp_path):
    result = _run_script(
        tmp_path,
        SCRIPT_HEADER
        + """
from nv_one_logger.api.config import OneLoggerErrorHandlingStrategy
from nv_one_logger.core.span import Span
config = OneLoggerConfig(
    application_name="job", world_size_or_fn=1, session_tag_or_fn="s",
    error_handling_strategy=OneLoggerErrorHandlingStrategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR,
)
recorder = DefaultRecorder([InMemoryExporter()])
configure_one_logger(config, recorder)
recorder.stop(Span.create("foreign"))
print("still running")
""",
    )
    assert result.returncode == 0, result.stderr
    assert "still running" in result.stdout
    error_lines = [line for line in result.stderr.splitlines() if "OneLogger disabled itself" in line]
    assert len(error_lines) == 1 and "not started by this recorder" in error_lines[0]
