"""``make_config``: the small OneLoggerConfig most tests and test apps need (one rank, a fixed session tag).

Tests that care about one field pass it (``make_config(DISABLE, name="fault-app", custom_metadata={...})``);
everything else stays the same across the suite, so a record or resource that shows the configuration is
predictable. Importable from subprocess test apps too (it needs only the core distribution).
"""

from __future__ import annotations

from typing import Any

from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy

PROPAGATE = OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS
DISABLE = OneLoggerErrorHandlingStrategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR


def make_config(
    strategy: OneLoggerErrorHandlingStrategy = PROPAGATE, *, name: str = "test-app", **kwargs: Any
) -> OneLoggerConfig:
    """A one-rank config named ``name`` with error-handling ``strategy``; ``kwargs`` go to OneLoggerConfig."""
    kwargs.setdefault("session_tag_or_fn", f"{name}-session")
    return OneLoggerConfig(application_name=name, world_size_or_fn=1, error_handling_strategy=strategy, **kwargs)
