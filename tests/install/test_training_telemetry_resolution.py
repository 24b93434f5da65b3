"""``pip install nv-one-logger-training-telemetry`` (2.3.1, requiring ``nv-one-logger-core>=2.3.1,<3``) resolves to
this release of the core, not the older 2.3.1 core on the index, and the library then runs on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.wheels import BuiltDistributions, missing_modules

pytestmark = pytest.mark.slow

APP = """
import json, logging, sys
from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.exporter.logger_exporter import LoggerExporter
from nv_one_logger.training_telemetry.api import callbacks as cb
from nv_one_logger.training_telemetry.api.config import TrainingTelemetryConfig
from nv_one_logger.training_telemetry.api.training_telemetry_provider import TrainingTelemetryProvider

lines = []
class Keep(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())
logging.getLogger("compat.records").addHandler(Keep())
logging.getLogger("compat.records").setLevel(logging.INFO)
config = OneLoggerConfig(
    application_name="resolved",
    world_size_or_fn=1,
    session_tag_or_fn="s",
    telemetry_config=TrainingTelemetryConfig(perf_tag_or_fn="p", global_batch_size_or_fn=4),
)
TrainingTelemetryProvider.instance().with_base_config(config).with_exporter(LoggerExporter("compat.records")).configure_provider()
cb.on_app_start()
cb.on_train_start(train_iterations_start=0)
cb.on_training_single_iteration_start()
cb.on_training_single_iteration_end()
cb.on_train_end()
cb.on_app_end()
json.dump(lines, sys.stdout)
"""


def test_training_telemetry_resolves_to_this_core_and_runs(
    built_distributions: BuiltDistributions, fresh_venv, tmp_path: Path
) -> None:
    venv = fresh_venv()
    # Against the package index, with our wheels next to it: pip chooses between our core and the 2.3.1 one.
    venv.pip(
        "install", "--quiet", "--find-links", str(built_distributions.dist_dir), "nv-one-logger-training-telemetry"
    )
    installed = venv.installed()
    assert installed["nv-one-logger-training-telemetry"] == "2.3.1"
    assert installed["nv-one-logger-core"] == built_distributions.version
    venv.pip_check()

    # The library imports `overrides` without declaring it (the 2.3.1 core brought it along); the
    # compatibility page tells users to install it.
    library = "nv_one_logger.training_telemetry.api"
    assert missing_modules(venv, [library]) == [library]
    venv.pip("install", "--quiet", "overrides")
    venv.pip_check()
    assert missing_modules(venv, [library]) == []

    app = tmp_path / "app.py"
    app.write_text(APP, encoding="utf-8")
    lines = json.loads(venv.python(str(app), cwd=tmp_path).stdout)
    assert any('type="start"' in line and 'name="application"' in line for line in lines), lines
    assert any("one_logger_initialization" in line for line in lines), lines
    assert any('name="training_loop"' in line for line in lines), lines
