"""Hostile exporter config files: one warning naming the file, defaults still built, bounded time and memory."""

import json
import logging
import tracemalloc

import pytest

from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy
from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from tests.support.environment import clear_library_env
from tests.support.log_records import warning_messages

DEPTH = 100_000


def _deep_json() -> str:
    return json.dumps({"exporters": [{"class_name": "x.Y", "config": {"v": "@"}}]}).replace(
        '"@"', "[" * DEPTH + "]" * DEPTH
    )


def _deep_yaml() -> str:
    return "exporters:\n  - class_name: x.Y\n    config: {v: " + "[" * DEPTH + "]" * DEPTH + "}\n"


def _alias_bomb() -> str:
    """Nine levels of ten aliases each: 10**9 values once expanded, in a value position of an entry."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines += [
        "exporters:",
        "  - class_name: nv_one_logger.exporter.file_exporter.FileExporter",
        "    config: {file_path: bomb.jsonl, label: *a8}",
    ]
    return "\n".join(lines) + "\n"


FILES = {"deep.json": _deep_json, "deep.yaml": _deep_yaml, "bomb.yaml": _alias_bomb}


@pytest.mark.parametrize("strategy", list(OneLoggerErrorHandlingStrategy))
@pytest.mark.parametrize("name", list(FILES))
def test_hostile_config_file_costs_one_warning_and_nothing_else(tmp_path, monkeypatch, caplog, figure, name, strategy):
    clear_library_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    default_file = tmp_path / "default.jsonl"
    monkeypatch.setenv("ONE_LOGGER_FILE_EXPORTER_PATH", str(default_file))  # the file exporter's package default
    path = tmp_path / name
    path.write_text(FILES[name](), encoding="utf-8")
    config = OneLoggerConfig(
        application_name="hostile", world_size_or_fn=1, session_tag_or_fn="s", error_handling_strategy=strategy
    )
    tracemalloc.start()
    try:
        with caplog.at_level(logging.WARNING):
            recorder = configure_one_logger(config, config_file_path=path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    with timed_span("still-recording"):
        pass
    recorder.close()
    warnings = warning_messages(caplog)
    assert len(warnings) == 1 and str(path) in warnings[0], warnings
    assert "RecursionError" not in warnings[0]
    names = [json.loads(line).get("name") for line in default_file.read_text().splitlines()]
    assert "still-recording" in names, "the library must stay on and the default exporter must be built"
    assert not (tmp_path / "bomb.jsonl").exists()
    assert peak < 64 * 1024 * 1024, f"configure_one_logger allocated {peak:,} bytes at peak"
    figure("warning", warnings[0].replace(str(path), "<file>"))
    figure("peak memory of configure_one_logger (MB)", peak / 1e6)
