"""The variables that shape the traces rather than carry them: sampler, span limits, the job's remote parent.

Why this module exists: ``OTEL_TRACES_SAMPLER*``, the ``OTEL_*_LIMIT`` variables and ``TRACEPARENT`` /
``TRACESTATE`` decide which spans exist, what they hold and which trace they join, whichever way they are then
sent; the transport settings (``env``) decide where and how they are sent. The two halves have different
readers: the trace policy (``trace_policy``), the replay's event limit and the live exporter's remote parent
come from here, the span exporters and the export worker read ``env``. Each variable is parsed only here, by
the OpenTelemetry specification's rules; an invalid value is ignored (listed in ``problems``, which
``one-logger doctor`` prints, or reported once in the log) and the default applies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Mapping, Optional, Set, Tuple

from opentelemetry.trace import SpanContext, get_current_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from nv_one_logger.core.internal.logging import get_logger

_logger = get_logger(__name__)

SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
DEFAULT_SAMPLER = "parentbased_always_on"


@dataclass(frozen=True)
class SamplerSettings:
    """``OTEL_TRACES_SAMPLER`` / ``OTEL_TRACES_SAMPLER_ARG`` (default ``parentbased_always_on``)."""

    name: str = DEFAULT_SAMPLER
    ratio: float = 1.0
    problems: Tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> SamplerSettings:
        """Read the sampler variables (an unsupported name or ratio is a problem; the default applies)."""
        env = os.environ if env is None else env
        problems: List[str] = []
        raw = (env.get("OTEL_TRACES_SAMPLER") or "").strip()
        name = raw.lower() or DEFAULT_SAMPLER
        if name not in SAMPLERS:
            problems.append(
                f"OTEL_TRACES_SAMPLER={raw!r} is not supported (supported: {', '.join(SAMPLERS)}); ignored, "
                f"{DEFAULT_SAMPLER} applies."
            )
            name = DEFAULT_SAMPLER
        ratio = 1.0
        arg = (env.get("OTEL_TRACES_SAMPLER_ARG") or "").strip()
        if name.endswith("traceidratio") and arg:
            try:
                ratio = float(arg)
            except ValueError:
                ratio = -1.0
            if not 0.0 <= ratio <= 1.0:
                problems.append(f"OTEL_TRACES_SAMPLER_ARG={arg!r} is not a ratio in [0, 1]; ignored, 1.0 applies.")
                ratio = 1.0
        return cls(name, ratio, tuple(problems))


@dataclass(frozen=True)
class LimitSettings:
    """Span and event limits, as the specification defines them.

    ``OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`` over ``OTEL_ATTRIBUTE_COUNT_LIMIT``, default 128;
    ``OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT``, same default; ``OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`` over
    ``OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT``, default unlimited; ``OTEL_SPAN_EVENT_COUNT_LIMIT``, default 128).
    """

    span_attributes: int = 128
    event_attributes: int = 128
    value_length: Optional[int] = None
    span_events: int = 128
    problems: Tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> LimitSettings:
        """Read the limit variables (a value that is not a non-negative integer is a problem and ignored)."""
        env = os.environ if env is None else env
        problems: List[str] = []

        def limit(names: Tuple[str, ...], default: Optional[int]) -> Optional[int]:
            for name in names:
                raw = (env.get(name) or "").strip()
                if not raw:
                    continue
                try:
                    value = int(raw)
                except ValueError:
                    value = -1
                if value < 0:
                    problems.append(f"{name}={raw!r} is not a non-negative integer; ignored.")
                    continue
                return value
            return default

        attributes = limit(("OTEL_ATTRIBUTE_COUNT_LIMIT",), 128)
        return cls(
            span_attributes=limit(("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",), attributes) or 0,
            event_attributes=limit(("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",), attributes) or 0,
            value_length=limit(("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"), None),
            span_events=limit(("OTEL_SPAN_EVENT_COUNT_LIMIT",), 128) or 0,
            problems=tuple(problems),
        )


_reported_carriers: Set[str] = set()


def _report_once(message: str) -> None:
    if message not in _reported_carriers:
        _reported_carriers.add(message)
        _logger.warning(message)


def remote_parent_from_env(env: Optional[Mapping[str, str]] = None) -> Optional[SpanContext]:
    """Return the remote parent named by ``TRACEPARENT`` / ``TRACESTATE`` (W3C Trace Context), or None.

    Batch schedulers and CI systems pass a job's place in their pipeline trace in these variables (the
    OpenTelemetry convention for environment carriers). Parsing is the SDK's W3C propagator's. An invalid
    ``TRACEPARENT`` is reported once and ignored (the job starts its own traces); an invalid ``TRACESTATE`` is
    reported once and dropped (the parent is still joined).
    """
    env = os.environ if env is None else env
    traceparent = (env.get("TRACEPARENT") or "").strip()
    if not traceparent:
        return None
    tracestate = (env.get("TRACESTATE") or "").strip()
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    context = get_current_span(TraceContextTextMapPropagator().extract(carrier)).get_span_context()
    if not context.is_valid:
        _report_once(
            f"Ignoring TRACEPARENT={traceparent!r}: not a valid W3C traceparent (version-traceid-spanid-flags, "
            "e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01); OneLogger spans start their own traces."
        )
        return None
    if tracestate and not context.trace_state:
        _report_once(f"Ignoring TRACESTATE={tracestate!r}: not a valid W3C tracestate; TRACEPARENT is still used.")
    return context
