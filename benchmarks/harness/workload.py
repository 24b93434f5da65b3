"""What a benchmark workload is: one operation to time, plus how to flush and tear it down.

A *setup function* builds a :class:`Workload` inside the worker process. It gets a :class:`WorkerContext`
(scratch directory, collector endpoint) and may import whatever it needs, so that a workload whose
package is missing fails alone and is reported as unavailable instead of breaking the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional, Union

# Two span attributes / two event attributes, as a training step typically records; the same values for OneLogger
# and the raw SDK.
SPAN_NAME = "train_step"
EVENT_NAME = "metrics"


Primitive = Union[str, bool, int, float]


def span_attributes() -> Dict[str, Primitive]:
    """A fresh attribute dict per call, as application code builds one per iteration."""
    return {"step": 1, "phase": "train"}


def event_attributes() -> Dict[str, Primitive]:
    return {"loss": 0.25, "step": 1}


def _nothing() -> None:
    return None


def _no_info() -> Dict[str, object]:
    return {}


@dataclass
class WorkerContext:
    """What a setup function may use: a private scratch directory and, for collector rows, an endpoint."""

    tmpdir: Path
    otlp_endpoint: Optional[str] = None


@dataclass
class Workload:
    """One operation to time.

    ``ops_per_batch`` caps the batch so a BatchSpanProcessor queue (2048 by default) never overflows
    between two flushes: dropped spans would make a workload look cheaper than it is. ``info`` is called
    after the measurement and returns facts worth reporting (spans delivered per op, dropped spans).
    """

    op: Callable[[], object]
    flush: Callable[[], None] = _nothing
    close: Callable[[], None] = _nothing
    info: Callable[[], Dict[str, object]] = field(default=_no_info)
    ops_per_batch: Optional[int] = None


SetupFn = Callable[[WorkerContext], Workload]
