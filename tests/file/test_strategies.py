"""A broken file never breaks the application, under either error-handling strategy."""

import pytest

from nv_one_logger.api.config import OneLoggerErrorHandlingStrategy
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import make_config
from tests.support.environment import clear_library_env

STRATEGIES = list(OneLoggerErrorHandlingStrategy)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("bad_path", ["/dev/full", "DIRECTORY"])
def test_application_and_other_exporters_keep_running(tmp_path, strategy, bad_path):
    path = tmp_path if bad_path == "DIRECTORY" else bad_path
    memory = InMemoryExporter()
    recorder = DefaultRecorder([FileExporter(path), memory])
    configure_one_logger(make_config(strategy), recorder)
    with timed_span("application"):
        for _ in range(7):  # more failures than the recorder tolerates before disabling the exporter
            with timed_span("step"):
                pass
    assert memory.span_names(stopped=True).count("step") == 7
    assert OneLoggerProvider.instance().one_logger_enabled  # an exporter fault is not a library failure
    recorder.close()


@pytest.fixture
def isolated_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clear_library_env(monkeypatch)


@pytest.mark.usefixtures("isolated_config")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_configure_with_an_unusable_file_path_still_runs(tmp_path, strategy):
    (tmp_path / "taken").mkdir()
    configure_one_logger(
        make_config(strategy),
        exporters_config=[
            {
                "class_name": "nv_one_logger.exporter.file_exporter.FileExporter",
                "config": {"file_path": str(tmp_path / "taken")},
            }
        ],
    )
    with timed_span("application") as span:
        assert span is not None
    OneLoggerProvider.instance().recorder.close()
