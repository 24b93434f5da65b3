import subprocess
import sys

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
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
