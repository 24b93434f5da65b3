"""Which trace a new OneLogger span goes to: trace boundaries and the per-trace span cap (docs/otel.md, "Traces").

Both the live exporter (``live_traces``) and the replay (``replay.plan``) ask this one class, in span start order,
so a replay with deterministic ids puts every span in the trace the live run put it in.

Rules:

- A span with an exported parent goes to its parent's trace, unless that trace is *full*.
- A trace is full when it holds ``max_spans`` OneLogger spans (liveness markers and ``telemetry_data_error``
  spans are not counted: they are few, and a replay has no markers). The spans that would have gone into a full
  trace go into its *continuation*: a new trace, in which such a span is a root that carries a span link to its
  real parent (and back-reference attributes, see ``live_spans``). A continuation that fills up gets its own
  continuation, so a week-long job is a chain of traces of at most ``max_spans`` spans each.
- A trace shared with other processes (the job's ``TRACEPARENT`` trace, or the trace derived from the session
  tag) gets a per-process *share* of the cap (``max_spans // world_size``, at least 1) so that the shared trace of
  the whole job stays under the cap; beyond its share a process continues in traces of its own.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

_MAX_TRACKED = 16384
"""Traces whose span count is remembered; the oldest beyond this are forgotten (a job with very many short root
spans must not grow this table without bound; a late child of a forgotten trace starts its count anew)."""


class TraceAssigner:
    """Counts spans per trace and opens continuation traces (see the module docstring)."""

    def __init__(self, max_spans: int, new_trace_id: Callable[[int], int]) -> None:
        """``new_trace_id(span_key)`` gives the id of a trace that starts with the span ``span_key`` (uuid int)."""
        self.max_spans = max(1, max_spans)
        self._new_trace_id = new_trace_id
        self._counts: Dict[int, int] = {}
        self._limits: Dict[int, int] = {}
        self._continuation: Dict[int, int] = {}

    def share(self, trace_id: int, world_size: int) -> None:
        """Limit this process to its share of ``trace_id``, a trace other processes of the job write to as well."""
        if trace_id not in self._limits:
            self._limits[trace_id] = max(1, self.max_spans // max(1, world_size))

    def new_root(self, span_key: int) -> int:
        """Return the id of a new trace whose root is the span ``span_key`` (counted)."""
        trace_id = self._new_trace_id(span_key)
        counts = self._counts
        if len(counts) >= _MAX_TRACKED and trace_id not in counts:
            oldest = next(iter(counts))
            del counts[oldest]
            self._continuation.pop(oldest, None)
            self._limits.pop(oldest, None)
        counts[trace_id] = counts.get(trace_id, 0) + 1
        return trace_id

    def place(self, parent_trace_id: int, span_key: int) -> Tuple[int, bool]:
        """Place a span whose parent is in ``parent_trace_id``: ``(trace id, True if in a continuation)``."""
        trace_id = parent_trace_id
        continuation = self._continuation
        while trace_id in continuation:
            trace_id = continuation[trace_id]
        count = self._counts.get(trace_id, 0)
        if count < self._limits.get(trace_id, self.max_spans):
            self._counts[trace_id] = count + 1
            return trace_id, trace_id != parent_trace_id
        following = self.new_root(span_key)
        continuation[trace_id] = following
        return following, True
