"""Install the built wheels the way users do, into fresh virtual environments, and use them.

The wheels are built once per run (``built_distributions``, tests/support/wheels.py). The README's own pip
lines run verbatim against the package index (so pip really chooses between our 2.4.0 in ``dist`` and the older
2.3.1 releases of the same names on the index); the other cases install with ``--no-index`` from the local
wheelhouse. Every environment must pass ``pip check``.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from tests.support.collector import OtlpSink, RotelCollector
from tests.support.processes import run_command
from tests.support.wheels import ROOT, BuiltDistributions, FreshVenv, download_wheels, missing_modules

pytestmark = pytest.mark.slow

OTEL_MODULES = ["opentelemetry", "opentelemetry.sdk", "nv_one_logger.otel.exporter.otel_exporter"]
FILE_MODULES = ["nv_one_logger.exporter.file_exporter"]
CORE_MODULES = ["nv_one_logger.api.timed_span", "nv_one_logger.recorder.default_recorder", "nv_one_logger.records"]


def fenced_block(markdown: Path, heading: str, language: str) -> str:
    """The first ```language block after the line ``heading`` in ``markdown``."""
    text = markdown.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    match = re.compile(rf"^```{language}\n(.*?)^```$", re.MULTILINE | re.DOTALL).search(text, start)
    assert match is not None, f"no {language} block under {heading!r} in {markdown}"
    return match.group(1)


def command_lines(block: str, prefix: str) -> List[str]:
    """Lines of a shell block that start with ``prefix``, without trailing comments."""
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith(prefix)]


def write_readme_example(directory: Path) -> Path:
    example = directory / "ten_lines.py"
    example.write_text(fenced_block(ROOT / "README.md", "## Ten lines", "python"), encoding="utf-8")
    return example


def versions_shown(venv: FreshVenv) -> Dict[str, str]:
    """``one-logger --version`` as ``{distribution: version or "not installed"}``."""
    out = venv.run_script("one-logger", "--version").stdout
    return dict(line.strip().split(None, 1) for line in out.splitlines()[1:])


def assert_spans_reach_the_collector(venv: FreshVenv, example: Path, rotel: RotelCollector, sink: OtlpSink) -> None:
    # Only the endpoint is set: the otel package's entry point enables the exporter, no code change.
    venv.python(str(example), cwd=example.parent, extra_env={"OTEL_EXPORTER_OTLP_ENDPOINT": rotel.grpc_endpoint})
    sink.wait_for_spans(lambda s: s.name == "iteration" and not s.is_marker, count=3, timeout=120)
    sink.wait_for_spans(lambda s: s.name == "application" and not s.is_marker, count=1, timeout=120)


def assert_file_export_works(venv: FreshVenv, example: Path) -> None:
    records = example.parent / "run.jsonl"
    records.unlink(missing_ok=True)
    venv.python(str(example), cwd=example.parent, extra_env={"ONE_LOGGER_FILE_EXPORTER_PATH": str(records)})
    summary = venv.run_script("one-logger", "summary", str(records)).stdout
    assert re.search(r"^iteration\s+3\s", summary, re.MULTILINE), summary


def test_readme_pip_lines_work_verbatim_against_the_index(
    built_distributions: BuiltDistributions, fresh_venv, rotel: RotelCollector, otlp_sink: OtlpSink, tmp_path: Path
) -> None:
    readme_block = fenced_block(ROOT / "README.md", "## Use it in your project", "bash")
    pip_lines = command_lines(readme_block, "pip install ")
    quickstart_lines = command_lines(fenced_block(ROOT / "docs" / "quickstart.md", "## Install", "bash"), "pip ")
    assert set(quickstart_lines) <= set(pip_lines), "docs/quickstart.md shows a pip line this test does not run"
    assert [re.search(r"nv-one-logger-core(\[\w+\])?", line).group(0) for line in pip_lines] == [
        "nv-one-logger-core",
        "nv-one-logger-core[otel]",
        "nv-one-logger-core[file]",
    ]
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(built_distributions.dist_dir, project / "dist")  # `make dist` output, as the README assumes
    example = write_readme_example(project)
    venv = fresh_venv("user", with_pip=True)  # a user's venv has its own pip: the lines run it from PATH
    version = built_distributions.version

    def run_line(line: str) -> None:
        run_command(["bash", "-c", line], env=venv.env(), cwd=project)

    # Core only: no OpenTelemetry anywhere, the CLI and the ten-line example work.
    run_line(pip_lines[0])
    installed = venv.installed()
    assert installed["nv-one-logger-core"] == version
    assert "nv-one-logger-otel" not in installed and "nv-one-logger-file" not in installed
    assert missing_modules(venv, OTEL_MODULES + FILE_MODULES + CORE_MODULES) == OTEL_MODULES + FILE_MODULES
    doctor = venv.run_script("one-logger", "doctor", cwd=project).stdout
    assert "nv-one-logger-otel is not installed" in doctor
    shown = versions_shown(venv)
    assert shown["nv-one-logger-core"] == version
    assert shown["nv-one-logger-otel"] == shown["opentelemetry-sdk"] == "not installed"
    ran = venv.python(str(example), cwd=project)
    assert "no exporter" in ran.stderr.lower(), ran.stderr
    venv.pip_check()

    # [otel]: setting OTEL_EXPORTER_OTLP_ENDPOINT alone ships the spans to a real collector.
    run_line(pip_lines[1])
    assert venv.installed()["nv-one-logger-otel"] == version
    assert_spans_reach_the_collector(venv, example, rotel, otlp_sink)
    venv.pip_check()

    # [file], added to the same environment: files, read back by the CLI.
    run_line(pip_lines[2])
    assert_file_export_works(venv, example)
    venv.pip_check()
    for line in command_lines(readme_block, "one-logger "):
        run_command(["bash", "-c", line], env=venv.env(), cwd=project)
    shown = versions_shown(venv)
    assert [shown[name] for name in ("nv-one-logger-core", "nv-one-logger-file", "nv-one-logger-otel")] == [version] * 3
    assert shown["opentelemetry-sdk"] != "not installed"


def test_core_with_file_extra_only(built_distributions: BuiltDistributions, fresh_venv, tmp_path: Path) -> None:
    venv = fresh_venv()
    venv.install("nv-one-logger-core[file]", wheelhouse=built_distributions.wheelhouse)
    assert missing_modules(venv, OTEL_MODULES + FILE_MODULES + CORE_MODULES) == OTEL_MODULES
    assert_file_export_works(venv, write_readme_example(tmp_path))
    venv.pip_check()


def test_uninstalling_one_sibling_leaves_the_others_working(
    built_distributions: BuiltDistributions, fresh_venv, rotel: RotelCollector, otlp_sink: OtlpSink, tmp_path: Path
) -> None:
    wheelhouse = built_distributions.wheelhouse
    venv = fresh_venv()
    venv.install("nv-one-logger-core[otel,file]", wheelhouse=wheelhouse)
    venv.pip_check()
    example = write_readme_example(tmp_path)

    venv.pip("uninstall", "--yes", "nv-one-logger-file")
    assert missing_modules(venv, OTEL_MODULES + FILE_MODULES + CORE_MODULES) == FILE_MODULES
    assert_spans_reach_the_collector(venv, example, rotel, otlp_sink)
    assert versions_shown(venv)["nv-one-logger-file"] == "not installed"
    venv.pip_check()

    venv.install("nv-one-logger-file", wheelhouse=wheelhouse)
    venv.pip("uninstall", "--yes", "nv-one-logger-otel")
    assert missing_modules(venv, FILE_MODULES + CORE_MODULES + ["nv_one_logger.otel"]) == ["nv_one_logger.otel"]
    assert_file_export_works(venv, example)
    assert "nv-one-logger-otel is not installed" in venv.run_script("one-logger", "doctor", cwd=tmp_path).stdout
    venv.pip_check()
    # Each distribution's typing marker survives the others' removal (one file, one owner).
    site_packages = Path(venv.python("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    assert (site_packages / "nv_one_logger" / "py.typed").exists()
    assert (site_packages / "nv_one_logger" / "exporter" / "py.typed").exists()


def test_an_environment_with_the_older_core_is_upgraded_in_place_by_the_readme_line(
    built_distributions: BuiltDistributions, fresh_venv, tmp_path: Path
) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = "An environment that has the older `nv-one-logger-core` 2.3.1 is upgraded in place by:"
    (upgrade_line,) = command_lines(fenced_block(ROOT / "README.md", heading, "bash"), "pip install ")
    assert heading in text
    older = tmp_path / "older"
    download_wheels(older, "nv-one-logger-core==2.3.1")
    venv = fresh_venv(with_pip=True)
    venv.pip("install", "--quiet", "--no-index", "--find-links", str(older), "nv-one-logger-core==2.3.1")
    assert venv.installed()["nv-one-logger-core"] == "2.3.1"

    project = tmp_path / "project"
    shutil.copytree(built_distributions.dist_dir, project / "dist")
    run_command(["bash", "-c", upgrade_line], env=venv.env(), cwd=project)
    installed = venv.installed()
    assert installed["nv-one-logger-core"] == installed["nv-one-logger-file"] == built_distributions.version
    venv.pip_check()
    assert_file_export_works(venv, write_readme_example(project))


def test_release_files_pass_twine_check_and_carry_the_metadata(built_distributions: BuiltDistributions) -> None:
    import zipfile

    files = sorted(built_distributions.dist_dir.iterdir())
    assert (
        len([f for f in files if f.suffix == ".whl"]) == 3
        and len([f for f in files if f.suffixes[-2:] == [".tar", ".gz"]]) == 3
    )
    run_command([sys.executable, "-m", "twine", "check", "--strict", *files])
    typed_marker = {
        "nv-one-logger-core": "nv_one_logger/py.typed",
        "nv-one-logger-file": "nv_one_logger/exporter/py.typed",
        "nv-one-logger-otel": "nv_one_logger/otel/py.typed",
    }
    for distribution, marker in typed_marker.items():
        with zipfile.ZipFile(built_distributions.wheel(distribution)) as wheel:
            names = wheel.namelist()
            (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
            metadata = wheel.read(metadata_name).decode()
        assert marker in names
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
        for field in (
            "Requires-Python: >=3.9",
            "License-Expression: Apache-2.0",
            "Project-URL: Source, ",
            "Classifier: Programming Language :: Python :: 3.13",
            "Description-Content-Type: text/markdown",
        ):
            assert field in metadata, f"{distribution}: {field!r} missing"
        assert f"Version: {built_distributions.version}\n" in metadata
