"""configure_one_logger end to end: the exporters come from the configuration system alone."""

import json
import logging

import pytest

from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy
from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from tests.support.config_exporters import SUPPORT
from tests.support.jsonl import json_lines
from tests.support.log_records import warning_messages

EXPORTER = f"{SUPPORT}.JsonLinesTestExporter"


# The provider singleton is reset around every test by tests/conftest.py.


def app_config(strategy=OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS):
    return OneLoggerConfig(
        application_name="config-e2e", world_size_or_fn=1, session_tag_or_fn="s1", error_handling_strategy=strategy
    )


def run_job(recorder):
    with timed_span("training"), timed_span("step"):
        pass
    recorder.close()


def test_data_reaches_an_exporter_chosen_only_by_a_config_file(tmp_path, write_config):
    out = tmp_path / "out.jsonl"
    path = write_config(
        f"exporters:\n  - class_name: {EXPORTER}\n    config:\n      file_path: {json.dumps(str(out))}\n",
        "exporters.yaml",
    )
    recorder = configure_one_logger(app_config(), config_file_path=path)
    run_job(recorder)
    records = json_lines(out, identity=True)
    assert records[0] == {"type": "initialize", "application_name": "config-e2e"}  # got one_logger_config
    assert [(r["type"], r.get("name")) for r in records[1:]] == [
        ("start", "training"),
        ("start", "step"),
        ("stop", "step"),
        ("stop", "training"),
        ("close", None),
    ]


def test_config_file_from_environment_and_working_directory(tmp_path, write_config, monkeypatch, isolated_lookup):
    out_env, out_cwd = tmp_path / "env.jsonl", tmp_path / "cwd.jsonl"
    env_file = write_config({"exporters": [{"class_name": EXPORTER, "config": {"file_path": str(out_env)}}]})
    write_config(
        {"exporters": [{"class_name": EXPORTER, "config": {"file_path": str(out_cwd)}}]},
        "one_logger_exporters_config.json",
        isolated_lookup,
    )
    monkeypatch.setenv("ONE_LOGGER_EXPORTER_CONFIG_PATH", str(env_file))
    run_job(configure_one_logger(app_config()))
    assert [r["name"] for r in json_lines(out_env, identity=True) if r["type"] == "start"] == ["training", "step"]
    assert not out_cwd.exists()


def test_direct_config_overrides_the_file(tmp_path, write_config, isolated_lookup):
    from_file, from_code = tmp_path / "file.jsonl", tmp_path / "code.jsonl"
    write_config(
        {"exporters": [{"class_name": EXPORTER, "config": {"file_path": str(from_file)}}]},
        "one_logger_exporters_config.json",
        isolated_lookup,
    )
    recorder = configure_one_logger(
        app_config(), exporters_config=[{"class_name": EXPORTER, "config": {"file_path": str(from_code)}}]
    )
    run_job(recorder)
    assert not from_file.exists()
    assert [r["name"] for r in json_lines(from_code, identity=True) if r["type"] == "stop"] == ["step", "training"]


@pytest.mark.parametrize(
    "strategy",
    [
        OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS,
        OneLoggerErrorHandlingStrategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR,
    ],
)
def test_bad_entries_do_not_stop_the_application(strategy, tmp_path, write_config, caplog):
    out = tmp_path / "out.jsonl"
    path = write_config(
        {
            "exporters": [
                {"class_name": "subprocess.Popen", "config": {"args": ["false"]}},
                {"class_name": f"{SUPPORT}.RaisingExporter"},
                {"class_name": EXPORTER, "config": {"file_path": str(out)}},
            ]
        }
    )
    with caplog.at_level(logging.WARNING, logger="nv_one_logger"):
        recorder = configure_one_logger(app_config(strategy), config_file_path=path)
    run_job(recorder)
    warnings = warning_messages(caplog)
    assert len(warnings) == 2, warnings
    assert "'subprocess.Popen'" in warnings[0] and "'tests.support.config_exporters.RaisingExporter'" in warnings[1]
    assert all(str(path) in w for w in warnings)
    assert [r["name"] for r in json_lines(out, identity=True) if r["type"] == "start"] == ["training", "step"]


@pytest.mark.parametrize(
    "strategy",
    [
        OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS,
        OneLoggerErrorHandlingStrategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR,
    ],
)
def test_malformed_file_is_reported_and_the_application_continues(strategy, write_config, caplog):
    path = write_config('{"exporters": [\n  {"class_name": }\n]}', "broken.json")
    with caplog.at_level(logging.WARNING, logger="nv_one_logger"):
        recorder = configure_one_logger(app_config(strategy), config_file_path=path)
    run_job(recorder)  # no exporter of ours, but the job runs
    warnings = warning_messages(caplog)
    # One warning for the file; with no exporter left, configure_one_logger also says telemetry goes nowhere.
    file_warnings = [w for w in warnings if "has no exporter" not in w]
    assert len(file_warnings) == 1 and f"{path}:2:" in file_warnings[0]
    assert len(warnings) == 2
