"""Shared helpers of the OTel bridge tests: point the bridge at an endpoint, run a small instrumented job."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.collector import ReceivedSpan

APP_SCRIPT = Path(__file__).parent / "env_only_app.py"
REPO_ROOT = Path(__file__).resolve().parents[2]


def otlp_env(endpoint: str, protocol: str, **extra: str) -> Dict[str, str]:
    """Environment variables pointing the SDK's OTLP exporter at ``endpoint`` with ``protocol``."""
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc" if protocol == "grpc" else "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    env.update(extra)
    return env


def set_env(monkeypatch, env: Dict[str, str]) -> None:
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@dataclass
class Job:
    """A configured OneLogger with the OTel bridge and an in-memory exporter next to it (the reference)."""

    otel: OTelExporter
    memory: InMemoryExporter
    recorder: DefaultRecorder
    extra: List[Exporter] = field(default_factory=list)

    def span(self, name: str):
        (span,) = [s for s in self.memory.started_spans if s.name_str == name]
        return span


def configure_job(
    otel: OTelExporter,
    application_name: str = "otel-test-app",
    session_tag: str = "session-1",
    world_size: int = 4,
) -> Job:
    memory = InMemoryExporter()
    recorder = DefaultRecorder([otel, memory])
    config = OneLoggerConfig(
        application_name=application_name, world_size_or_fn=world_size, session_tag_or_fn=session_tag
    )
    configure_one_logger(config, recorder)
    return Job(otel=otel, memory=memory, recorder=recorder)


def real_spans(spans: List[ReceivedSpan]) -> List[ReceivedSpan]:
    """The spans a viewer should show: everything except liveness markers."""
    return [s for s in spans if not s.is_marker]


def by_name(spans: List[ReceivedSpan]) -> Dict[str, ReceivedSpan]:
    out: Dict[str, ReceivedSpan] = {}
    for span in spans:
        assert span.name not in out, f"span {span.name!r} received twice"
        out[span.name] = span
    return out


def run_app(mode: str, env: Dict[str, str], cwd: Path, timeout: float = 60.0, **kw) -> subprocess.CompletedProcess:
    """Run tests/otel/env_only_app.py in a fresh interpreter with exactly ``env`` plus PATH/PYTHONPATH."""
    return subprocess.run(
        [sys.executable, str(APP_SCRIPT), mode],
        env=app_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kw,
    )


def app_env(env: Dict[str, str]) -> Dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "ONE_LOGGER_", "RANK"))}
    base.update(env)
    return base


def start_app(mode: str, env: Dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(APP_SCRIPT), mode],
        env=app_env(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ns(seconds: float) -> int:
    return round(seconds * 1e9)


def marker_of(spans: List[ReceivedSpan], kind: str, one_logger_id: str) -> List[ReceivedSpan]:
    return [
        s
        for s in spans
        if s.attributes.get("one_logger.marker") == kind and s.attributes.get("one_logger.span.id") == one_logger_id
    ]


def optional_attr(span: ReceivedSpan, name: str) -> Optional[object]:
    return span.attributes.get(name)
