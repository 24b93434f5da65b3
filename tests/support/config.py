"""``make_config``: the small OneLoggerConfig most tests and test apps need (one rank, a fixed session tag);
``configure_recorder``: the provider configured with it and a DefaultRecorder.

Tests that care about one field pass it (``make_config(DISABLE, name="fault-app", custom_metadata={...})``);
everything else stays the same across the suite, so a record or resource that shows the configuration is
predictable. Importable from subprocess test apps too (it needs only the core distribution).
"""

from __future__ import annotations

from typing import Any

from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy
from nv_one_logger.api.timed_span import configure_one_logger
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter

PROPAGATE = OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS
DISABLE = OneLoggerErrorHandlingStrategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR


def make_config(
    strategy: OneLoggerErrorHandlingStrategy = PROPAGATE, *, name: str = "test-app", **kwargs: Any
) -> OneLoggerConfig:
    """A one-rank config named ``name`` with error-handling ``strategy``; ``kwargs`` go to OneLoggerConfig."""
    kwargs.setdefault("session_tag_or_fn", f"{name}-session")
    return OneLoggerConfig(application_name=name, world_size_or_fn=1, error_handling_strategy=strategy, **kwargs)


def configure_recorder(
    strategy: OneLoggerErrorHandlingStrategy = PROPAGATE, *exporters: Exporter, **kwargs: Any
) -> DefaultRecorder:
    """Configure the provider with ``make_config(strategy, **kwargs)`` and a DefaultRecorder over ``exporters``.

    With no exporter given, the recorder gets one ``InMemoryExporter`` (the test reads it back from
    ``recorder``'s exporters or ignores it).
    """
    recorder = DefaultRecorder(list(exporters) if exporters else [InMemoryExporter()])
    configure_one_logger(make_config(strategy, **kwargs), recorder)
    return recorder
