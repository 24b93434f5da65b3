"""Security: a config file naming a non-Exporter class (`subprocess.Popen`, `os.system`, `builtins.eval`) runs nothing.

End to end, in a real application process, through every way a configuration reaches `configure_one_logger`:
an explicit config file path, ONE_LOGGER_EXPORTER_CONFIG_PATH, the default file name in the working directory
(JSON and YAML, including YAML's python tags), and direct configuration. `subprocess.Popen` and `os.system` are
the real functions, asked to create a marker file; `builtins.eval`/`exec` are tripwires that accept any keyword
arguments (see apps/config_app.py), so only the exporter-class check stands between the file and a call.

Promises: no marker file appears; the application runs and its legitimate FileExporter entry still works; each
refused entry is named in one warning. C's unit tests (tests/config/test_safety.py) cover the resolver itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nv_one_logger.records.reader import read_records
from tests.support.processes import AppProcess

FILE_EXPORTER = "nv_one_logger.exporter.file_exporter.FileExporter"

pytestmark = pytest.mark.slow


def evil_entries(markers: Path) -> list[dict[str, Any]]:
    return [
        {"class_name": "subprocess.Popen", "config": {"args": ["touch", str(markers / "popen")]}},
        {"class_name": "subprocess:Popen", "config": {"args": ["touch", str(markers / "popen-colon")]}},
        {"class_name": "os.system", "config": {"command": f"touch {markers / 'system'}"}},
        {"class_name": "os:system", "config": {"command": f"touch {markers / 'system-colon'}"}},
        {"class_name": "posix.system", "config": {"command": f"touch {markers / 'posix-system'}"}},
        {"class_name": "builtins.eval", "config": {"source": "1"}},
        {"class_name": "builtins.exec", "config": {"source": "1"}},
        {"class_name": "builtins.type", "config": {}},
        {"class_name": "subprocess.Popen.__init__", "config": {"args": ["touch", str(markers / "popen-init")]}},
    ]


def run_config_app(tmp_path: Path, args: list[str], env: dict[str, str]) -> AppProcess:
    app = AppProcess("config_app", args, env=env, cwd=tmp_path)
    _, code = app.wait_done_and_exit(done_timeout=60, exit_timeout=30)
    assert code == 0, app.stderr()[-3000:]
    return app


def check_nothing_ran(app: AppProcess, markers: Path, records: Path, entries: list[dict[str, Any]]) -> None:
    assert sorted(p.name for p in markers.iterdir()) == [], "configuration ran code"
    done = next(line for line in app.snapshot() if line.kind == "DONE")
    assert done.value == "FileExporter", done.value
    assert next(r.TYPE for r in read_records(records)) == "identity"
    assert len(list(read_records(records))) == 4  # the identity header and three records
    stderr = app.stderr()
    warnings = [line for line in stderr.splitlines() if "refusing exporter class_name" in line]
    for entry in entries:
        # Direct configuration merges entries per class (`module:Class` is `module.Class`), so either spelling.
        spellings = {repr(entry["class_name"]), repr(entry["class_name"].replace(":", "."))}
        named = [line for line in warnings if any(spelling in line for spelling in spellings)]
        assert named, f"{entry['class_name']}: no warning names it\n{stderr[-3000:]}"
    assert len(warnings) <= len(entries), "more than one warning per refused entry"


def _yaml(entries: list[dict[str, Any]]) -> str:
    return json.dumps({"exporters": entries})  # JSON is YAML; the python-tag case is written by hand below


@pytest.mark.parametrize("route", ["explicit path", "env var", "default file in cwd (yaml)", "direct"])
def test_non_exporter_classes_run_nothing(tmp_path: Path, route: str) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    records = tmp_path / "records.jsonl"
    entries = evil_entries(markers)
    legit = {"class_name": FILE_EXPORTER, "config": {"file_path": str(records)}}
    document = {"exporters": [*entries, legit]}
    args = [str(markers)]
    env: dict[str, str] = {}
    if route == "explicit path":
        config = tmp_path / "exporters.json"
        config.write_text(json.dumps(document))
        args.append(str(config))
    elif route == "env var":
        config = tmp_path / "exporters.json"
        config.write_text(json.dumps(document))
        env["ONE_LOGGER_EXPORTER_CONFIG_PATH"] = str(config)
    elif route == "default file in cwd (yaml)":
        (tmp_path / "one_logger_exporters_config.yaml").write_text(_yaml(document["exporters"]))
    else:
        env["APP_DIRECT_CONFIG"] = json.dumps(document["exporters"])
    app = run_config_app(tmp_path, args, env)
    check_nothing_ran(app, markers, records, entries)


def test_yaml_python_tags_run_nothing(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    records = tmp_path / "records.jsonl"
    config = tmp_path / "exporters.yaml"
    config.write_text(
        "exporters:\n"
        f"  - class_name: !!python/object/apply:os.system ['touch {markers / 'tag-class'}']\n"
        f"  - class_name: {FILE_EXPORTER}\n"
        "    config:\n"
        f"      file_path: {records}\n"
        f"      extra: !!python/object/apply:subprocess.Popen [['touch', '{markers / 'tag-config'}']]\n"
        f"  - class_name: {FILE_EXPORTER}\n"
        "    config:\n"
        f"      file_path: {records}\n"
    )
    app = run_config_app(tmp_path, [str(markers), str(config)], {})
    assert sorted(p.name for p in markers.iterdir()) == [], "a YAML tag ran code"
    assert "python/object/apply" in app.stderr(), "the unsafe YAML was not reported"
