import sys

from tests.support.processes import run_command

CORE_MODULES = [
    "nv_one_logger.core",
    "nv_one_logger.core.exceptions",
    "nv_one_logger.core.str_enum",
    "nv_one_logger.core.attributes",
    "nv_one_logger.core.time",
    "nv_one_logger.core.event",
    "nv_one_logger.core.span",
    "nv_one_logger.core.internal.utils",
    "nv_one_logger.core.internal.singleton",
    "nv_one_logger.core.internal.logging",
    "nv_one_logger.core.internal.version",
    "nv_one_logger.exporter.exporter",
    "nv_one_logger.exporter.base_json_exporter",
    "nv_one_logger.exporter.logger_exporter",
]


def test_data_model_does_not_import_opentelemetry_or_pydantic():
    # A fresh interpreter: this test process may already have imported OpenTelemetry for other tests.
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('opentelemetry', 'pydantic'))\n"
        "print(','.join(bad))\n"
    )
    result = run_command([sys.executable, "-c", code], timeout=120)
    assert result.stdout.strip() == ""


def test_the_api_and_the_recorder_load_without_pydantic_or_wrapt():
    """Instrumented code imports ``timed_span`` even on a process that never configures OneLogger (and every
    short script pays its import): the config models (pydantic) load when a config is built and wrapt at the
    first ``@timed``, not with the API. Configuring afterwards still works and loads them."""
    code = (
        "import sys\n"
        "import nv_one_logger.api.timed_span, nv_one_logger.recorder.default_recorder\n"
        "import nv_one_logger.api.one_logger_provider\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'wrapt'))))\n"
        "from nv_one_logger.api.config import OneLoggerConfig\n"
        "from nv_one_logger.api.timed_span import configure_one_logger, timed, timed_span\n"
        "from nv_one_logger.recorder.default_recorder import DefaultRecorder\n"
        "config = OneLoggerConfig(application_name='a', world_size_or_fn=1, session_tag_or_fn='t')\n"
        "configure_one_logger(config, DefaultRecorder([]))\n"
        "f = timed(lambda: 7)\n"
        "with timed_span('s') as span:\n"
        "    print(type(span).__name__, f(), 'wrapt' in sys.modules)\n"
    )
    result = run_command([sys.executable, "-c", code], timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["", "Span 7 True"]


def test_the_cli_imports_without_pydantic_metadata_scanning_or_statistics():
    """Every ``one-logger`` call imports the entry point and each subcommand's module before doing anything:
    the config models, ``importlib.metadata`` (only ``--version``, doctor and identity headers need it) and
    ``statistics`` (only the by-rank digest needs it) load when used, keeping a short CLI call short."""
    code = (
        "import sys\n"
        "before = {m for m in ('pydantic', 'importlib.metadata', 'statistics') if m in sys.modules}\n"
        "from nv_one_logger.cli.main import SUBCOMMAND_MODULES, build_parser\n"
        "build_parser()\n"
        "loaded = {'pydantic', 'importlib.metadata', 'statistics'} & set(sys.modules)\n"
        "print(','.join(sorted(loaded - before)))\n"
        "from nv_one_logger.core.internal.version import installed_version\n"
        "from nv_one_logger.records.ranks import lag_threshold\n"
        "print(installed_version('nv-one-logger-core'), lag_threshold([1.0, 1.0, 1.0, 9.0]) > 0)\n"
    )
    result = run_command([sys.executable, "-c", code], timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    from nv_one_logger.core.internal.version import __version__

    assert result.stdout.splitlines() == ["", f"{__version__} True"]
