"""A job with the OTel bridge configured in this process, or run in a child process from the environment only.

- ``configure_job(otel)``: OneLogger configured with ``otel`` (an ``OTelExporter``) and an ``InMemoryExporter``
  beside it, the reference a test compares the received spans with (``Job.span(name)``).
- ``run_env_only_app(mode, env, cwd)``: tests/otel/env_only_app.py in a fresh
  interpreter that sees only ``env`` (see ``tests.support.processes.child_env``): OpenTelemetry configured
  by ``OTEL_*`` variables alone, as an operator does it.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger
from nv_one_logger.core.span import Span
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.processes import child_env, run_command

ENV_ONLY_APP = Path(__file__).resolve().parents[1] / "otel" / "env_only_app.py"


@dataclass
class Job:
    """A configured OneLogger with the OTel bridge and an in-memory exporter next to it (the reference)."""

    otel: OTelExporter
    memory: InMemoryExporter
    recorder: DefaultRecorder

    def span(self, name: str) -> Span:
        """The one span called ``name`` that the job started."""
        (span,) = [s for s in self.memory.started_spans if s.name_str == name]
        return span


def configure_job(
    otel: OTelExporter,
    application_name: str = "otel-test-app",
    session_tag: str = "session-1",
    world_size: int = 4,
) -> Job:
    """Configure the provider with ``otel`` and an in-memory reference exporter; return both and the recorder."""
    memory = InMemoryExporter()
    recorder = DefaultRecorder([otel, memory])
    config = OneLoggerConfig(
        application_name=application_name, world_size_or_fn=world_size, session_tag_or_fn=session_tag
    )
    configure_one_logger(config, recorder)
    return Job(otel=otel, memory=memory, recorder=recorder)


def run_env_only_app(
    mode: str, env: Dict[str, str], cwd: Path, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run env_only_app.py ``mode`` to completion (any exit status) with only ``env`` set of OneLogger's variables."""
    return run_command([sys.executable, ENV_ONLY_APP, mode], env=child_env(env), cwd=cwd, timeout=timeout, check=False)
