"""Where a live span goes: its parent and its trace (``trace_bounds`` counts the spans of each trace).

A span's parent is its nearest exported OneLogger ancestor (also when that ancestor stopped recently, within
``RECENT_LIMIT`` spans). A span without one is a root and starts a new trace, as in OpenTelemetry, unless a parent
context is given: the application's current OTel span (``parent_from_current_otel_span``), the job's remote parent
from ``TRACEPARENT``/``TRACESTATE`` (tracestate kept), or the trace derived from the session tag
(``trace_per_session``). A trace holds at most ``max_spans_per_trace`` OneLogger spans; later spans continue in a
linked continuation trace, carrying a span link to their real parent (``live_spans`` adds the back-reference
attributes ``one_logger.parent_span.id``, ``one_logger.continued_from.trace_id`` / ``.span_id``).

The traces shared with the job's other processes (the remote parent's, the session trace) get this process's
share of the cap, set at the first span: the resource names the world size and the session by then.

Runs on the export worker's thread, once per span (when the first call of the span is translated).
"""

from __future__ import annotations

import uuid
from collections import deque
from typing import TYPE_CHECKING, Deque, Dict, Mapping, Optional, Tuple

from opentelemetry.sdk.resources import Resource
from opentelemetry.trace import SpanContext
from opentelemetry.trace.span import DEFAULT_TRACE_STATE

from nv_one_logger.core.span import Span
from nv_one_logger.otel.ids import IdScheme, random_span_id, random_trace_id, trace_id_from_session
from nv_one_logger.otel.mapping import span_context
from nv_one_logger.otel.trace_bounds import TraceAssigner

if TYPE_CHECKING:
    from nv_one_logger.otel.live_spans import OpenSpan

RECENT_LIMIT = 4096
"""Stopped spans remembered as parents, and traces remembered with their remote parent (the oldest are forgotten)."""


class LiveTraces:
    """Parents and traces of the spans of one ``LiveSpanTranslator`` (see the module docstring)."""

    def __init__(
        self, ids: IdScheme, max_spans_per_trace: int, remote_parent: Optional[SpanContext], trace_per_session: bool
    ) -> None:
        self.ids = ids
        self.remote_parent = remote_parent if remote_parent is not None and remote_parent.is_valid else None
        self.trace_per_session = trace_per_session
        self.session_trace_id: Optional[int] = None  # set at the first span (the resource names the session)
        self.assigner = TraceAssigner(max_spans_per_trace, self._new_trace_id)
        self._shares_set = False
        self.first_trace_id: Optional[int] = None  # where an error goes when no root span is open
        self._recent: Dict[int, SpanContext] = {}
        self._recent_order: Deque[int] = deque()  # oldest first, to evict in O(1)
        self.trace_parents: Dict[int, SpanContext] = {}  # trace id -> its remote parent (``_note_trace_parent``)

    def place(
        self, span: Span, app_parent: Optional[SpanContext], open_spans: Mapping[int, OpenSpan], resource: Resource
    ) -> Tuple[SpanContext, Optional[SpanContext], Optional[SpanContext]]:
        """Return ``(context, parent, link)`` of a span seen for the first time (``link``: see the docstring)."""
        key = span.id_int  # the int the span holds: span.id would build a UUID first
        if not self._shares_set:
            self._set_shares(resource)
        parent = self._find_parent(span, open_spans)
        if parent is None:
            if app_parent is not None and app_parent.is_valid:  # its sampled flag kept: parent-based samplers read it
                parent = SpanContext(
                    app_parent.trace_id, app_parent.span_id, True, app_parent.trace_flags, app_parent.trace_state
                )
            else:
                parent = self.remote_parent
        link: Optional[SpanContext] = None
        if parent is not None or self.session_trace_id is not None:
            parent_trace = parent.trace_id if parent is not None else self.session_trace_id
            assert parent_trace is not None
            trace_id, continued = self.assigner.place(parent_trace, key)
            if continued:
                link, parent = parent, None
                if link is not None:
                    self._note_trace_parent(trace_id, link)
            elif parent is not None and parent.is_remote:
                self._note_trace_parent(trace_id, parent)
        else:
            trace_id = self.assigner.new_root(key)
        if self.first_trace_id is None:
            self.first_trace_id = trace_id
        span_id = random_span_id() if not self.ids.deterministic else self.ids.span_id(span.id)
        trace_state = parent.trace_state if parent is not None else DEFAULT_TRACE_STATE
        return span_context(trace_id, span_id, False, trace_state), parent, link

    def stopped(self, key: int, context: SpanContext) -> None:
        """Remember the context of a span that stopped: a child that starts a little later still finds it."""
        recent = self._recent
        if len(self._recent_order) >= RECENT_LIMIT:
            recent.pop(self._recent_order.popleft(), None)
        recent[key] = context
        self._recent_order.append(key)

    def _new_trace_id(self, span_key: int) -> int:
        return self.ids.trace_id(uuid.UUID(int=span_key)) if self.ids.deterministic else random_trace_id()

    def _set_shares(self, resource: Resource) -> None:
        """Shared traces (the job's remote parent, the session trace) get this process's share of the cap."""
        self._shares_set = True
        attributes = resource.attributes
        world_size = attributes.get("one_logger.world_size")
        if not isinstance(world_size, int) or isinstance(world_size, bool) or world_size <= 0:
            world_size = 1
        if self.trace_per_session:
            session = attributes.get("one_logger.session_tag")
            if isinstance(session, str):
                self.session_trace_id = trace_id_from_session(str(attributes.get("service.name", "")), session)
        if self.remote_parent is not None:
            self.assigner.share(self.remote_parent.trace_id, world_size)
        if self.session_trace_id is not None:
            self.assigner.share(self.session_trace_id, world_size)

    def _note_trace_parent(self, trace_id: int, parent: SpanContext) -> None:
        """Remember the remote parent ``trace_id`` hangs under (a continuation: that of the trace it continues).

        A parent-based sampler decides on it (``trace_policy``), for every span of the trace: the first span of a
        trace the sampler sees is often a child (children stop first), whose own parent is a OneLogger span.
        """
        parents = self.trace_parents
        if trace_id in parents:
            return
        remote = parent if parent.is_remote else parents.get(parent.trace_id)
        if remote is not None:
            if len(parents) >= RECENT_LIMIT:
                del parents[next(iter(parents))]
            parents[trace_id] = remote

    def _find_parent(self, span: Span, open_spans: Mapping[int, OpenSpan]) -> Optional[SpanContext]:
        """Return the context of the nearest exported ancestor (open or recently stopped), if any."""
        ancestor = span.parent_span
        if ancestor is None:  # a root, or a span rebuilt from JSON that knows only its parent's id
            parent_id = span.parent_id
            return None if parent_id is None else self._context_of(parent_id.int, open_spans)
        while ancestor is not None:
            context = self._context_of(ancestor.id_int, open_spans)
            if context is not None:
                return context
            ancestor = ancestor.parent_span
        return None

    def _context_of(self, key: int, open_spans: Mapping[int, OpenSpan]) -> Optional[SpanContext]:
        """Return the context of the span with id ``key`` if it is open or recently stopped."""
        state = open_spans.get(key)
        if state is not None:
            return state.context
        return self._recent.get(key)
