"""What the OpenTelemetry SDK's tracer would do to a span before export: sampling and attribute limits.

The bridge builds ``ReadableSpan`` objects itself (it cannot use a tracer: ids and times are explicit), so the
two things a tracer applies are applied here, to the built spans, on the export worker (never on the
application's thread):

- **Sampling** (``OTEL_TRACES_SAMPLER`` / ``_ARG``): the sampler decides once per trace, and that decision holds
  for every span of the trace (the real spans, the liveness markers, the telemetry-data-error spans), in live
  export and in replay alike. The sampler is asked as for the trace's root: a root without parent, or, when the
  trace hangs under a remote parent (the application's current span, ``TRACEPARENT``), a child of that parent,
  whose sampled flag ``parentbased_*`` follow. The translator names that parent per trace (``trace_parents``):
  the first span seen of a trace is often a child, whose own parent is a OneLogger span. ``traceidratio``
  depends on the trace id only, so a replay of the same trace ids decides the same way.
- **Limits** (``OTEL_*_ATTRIBUTE_COUNT_LIMIT``, ``OTEL_*ATTRIBUTE_VALUE_LENGTH_LIMIT``): attributes beyond the
  count limit are dropped and counted (``dropped_attributes_count`` on the span or event), string values longer
  than the length limit are truncated, as the SDK's ``BoundedAttributes`` does for a tracer.

Spans within the limits are passed through untouched, so the default set-up costs one length check per span.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.trace import Event as SdkEvent
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    DEFAULT_OFF,
    DEFAULT_ON,
    ParentBasedTraceIdRatio,
    Sampler,
    TraceIdRatioBased,
)
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import NonRecordingSpan, SpanContext, set_span_in_context
from opentelemetry.util.types import Attributes

from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.otel.env_trace import LimitSettings, SamplerSettings
from nv_one_logger.otel.light_events import LightEvent
from nv_one_logger.otel.mapping import SCOPE, readable_span, with_dropped_count

_logger = get_logger(__name__)
_DECISIONS_KEPT = 4096
_NO_PARENTS: Mapping[int, SpanContext] = {}


def build_sampler(settings: SamplerSettings) -> Sampler:
    """Return the SDK sampler named by ``settings`` (the SDK's own classes, so decisions match a tracer's)."""
    fixed = {
        "always_on": ALWAYS_ON,
        "always_off": ALWAYS_OFF,
        "parentbased_always_on": DEFAULT_ON,
        "parentbased_always_off": DEFAULT_OFF,
    }
    if settings.name in fixed:
        return fixed[settings.name]
    if settings.name == "traceidratio":
        return TraceIdRatioBased(settings.ratio)
    return ParentBasedTraceIdRatio(settings.ratio)


class TracePolicy:
    """Applies sampling and limits to built spans (see the module docstring); one instance per exporter."""

    def __init__(self, sampler: SamplerSettings, limits: LimitSettings) -> None:
        self.sampler_settings = sampler
        self._sampler = build_sampler(sampler)
        self._always = sampler.name in ("always_on", "parentbased_always_on")
        self._limits = limits
        self._decisions: Dict[int, bool] = {}

    @property
    def span_event_limit(self) -> int:
        """``OTEL_SPAN_EVENT_COUNT_LIMIT`` (events beyond it are dropped and counted by the translator)."""
        return self._limits.span_events or 128

    @classmethod
    def from_env(cls) -> TracePolicy:
        """Read the sampler and the limits from the environment (problems are logged once, here)."""
        policy = cls(SamplerSettings.from_env(), LimitSettings.from_env())
        for problem in policy.sampler_settings.problems + policy._limits.problems:
            _logger.warning("OneLogger OTel exporter: %s", problem)
        return policy

    def sampled(self, span: ReadableSpan, trace_parents: Mapping[int, SpanContext] = _NO_PARENTS) -> bool:
        """Return the decision of the span's trace (made once per trace id, see the module docstring).

        ``trace_parents`` maps a trace id to the remote parent the trace hangs under, if it has one.
        """
        context: Optional[SpanContext] = span.context  # the SDK leaves this property unannotated
        if context is None:
            return True
        trace_id = context.trace_id
        decision = self._decisions.get(trace_id)
        if decision is None:
            parent = span.parent
            if parent is None or not parent.is_remote:
                parent = trace_parents.get(trace_id)
            parent_context = None
            if parent is not None:
                parent_context = set_span_in_context(NonRecordingSpan(parent))
            result = self._sampler.should_sample(parent_context, trace_id, span.name or "")
            sampled: bool = result.decision.is_sampled()  # not annotated in every SDK version
            decision = sampled
            if len(self._decisions) >= _DECISIONS_KEPT:
                self._decisions.clear()
            self._decisions[trace_id] = decision
        return decision

    def apply(
        self, spans: Sequence[ReadableSpan], trace_parents: Mapping[int, SpanContext] = _NO_PARENTS
    ) -> List[ReadableSpan]:
        """Return the spans to export: sampled traces only, each span within the attribute limits.

        ``trace_parents``: the remote parent of each trace that has one (``LiveSpanTranslator.trace_parents``).
        """
        out: List[ReadableSpan] = []
        always = (
            self._always and not trace_parents and not any(s.parent is not None and s.parent.is_remote for s in spans)
        )
        for span in spans:
            if always or self.sampled(span, trace_parents):
                out.append(self.limited(span))
        return out

    def limited(self, span: ReadableSpan) -> ReadableSpan:
        """Return ``span`` within the attribute limits (the same object when it already is)."""
        limits = self._limits
        attributes = span.attributes or {}
        events = span.events
        if (
            len(attributes) <= limits.span_attributes
            and limits.value_length is None
            and _events_within(events, limits.event_attributes)
        ):
            return span
        bounded_events: List[SdkEvent] = [
            SdkEvent(e.name, _bounded(e.attributes, limits.event_attributes, limits.value_length), e.timestamp)
            for e in events
        ]
        context: Optional[SpanContext] = span.context  # the property is not annotated in every SDK version
        assert context is not None  # every span this bridge builds has one
        rebuilt = readable_span(
            span.name,
            context,
            span.parent,
            span.resource,
            _bounded(attributes, limits.span_attributes, limits.value_length),  # type: ignore[arg-type]
            _keep_dropped_events(events, bounded_events),
            span.status,
            span.start_time or 0,
            span.end_time or 0,
            span.instrumentation_scope or SCOPE,
        )
        return rebuilt


def _events_within(events: Sequence[SdkEvent], limit: int) -> bool:
    """Tell whether no event has more than ``limit`` attributes; a light event counts without converting them.

    A plain loop rather than ``all()`` over a generator: it runs for every event, and resuming a generator per
    event cost ~40 ns more.
    """
    for event in events:
        if (event.attribute_count() if type(event) is LightEvent else len(event.attributes or {})) > limit:
            return False
    return True


def _bounded(attributes: Attributes, count: int, length: Optional[int]) -> BoundedAttributes:
    return BoundedAttributes(count, attributes, immutable=True, max_value_len=length)


def _keep_dropped_events(original: Sequence[SdkEvent], events: List[SdkEvent]) -> Sequence[SdkEvent]:
    dropped = original.dropped if isinstance(original, BoundedList) else 0
    return with_dropped_count(events, dropped) if dropped else events
