"""Which span is the parent of a new span: the innermost open span of the current context.

Each recorder keeps, in a ``contextvars.ContextVar``, the stack of spans it started in the current context.
Threads start with an empty context and asyncio tasks start with a copy of their creator's context, so
``start`` without an explicit parent nests correctly in each thread and task without passing spans around.

The stack is immutable and replaced (never mutated) on every change: a task that copied the context keeps
seeing the stack as it was when it was created, and changes made by the task stay in the task. It is a linked
list of ``(span, rest)`` pairs, so that pushing and popping the innermost span cost O(1) whatever the depth (a
tuple copied on every change made 1,000 nested spans cost O(depth) each: quadratic, 85% of the time of the
reliability suite's deep-nesting test).

Spans can be stopped out of order or from another context. The stack is therefore only a hint: a stopped span
is skipped when looking for the parent and dropped from the stack when the stack is rewritten above it, so a
stopped span is never the parent of a later span.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import List, Optional, Tuple

from nv_one_logger.core.span import Span

# A stack: None (empty) or (innermost span, the rest of the stack).
_Stack = Optional[Tuple[Span, "_Stack"]]


class SpanContextStack:
    """The per-context stack of open spans of one recorder."""

    __slots__ = ("_var",)

    def __init__(self, name: str) -> None:
        # One ContextVar per recorder: two recorders in one process must not become each other's parents.
        self._var: ContextVar[_Stack] = ContextVar(name, default=None)

    def current(self) -> Optional[Span]:
        """Return the innermost span of the current context that is still open, or None."""
        node = self._var.get()
        while node is not None:
            if node[0].active:
                return node[0]
            node = node[1]
        return None

    def push(self, span: Span) -> None:
        """Make ``span`` the innermost span of the current context (dropping stopped spans on top)."""
        node = self._var.get()
        while node is not None and not node[0].active:
            node = node[1]
        self._var.set((span, node))

    def clear(self) -> None:
        """Forget the spans of the current context (so a closed recorder does not keep them alive here)."""
        self._var.set(None)

    def remove(self, span: Span) -> List[Span]:
        """Remove ``span`` from the current context.

        Returns the spans that were opened after ``span`` in this context and are still open: non-empty means
        ``span`` is being stopped out of order. Returns an empty list when ``span`` is not in this context's
        stack (for example a span started in another thread), which is not an error.
        """
        above: List[Span] = []  # innermost first
        node = self._var.get()
        while node is not None and node[0] is not span:
            above.append(node[0])
            node = node[1]
        if node is None:
            return []
        rest = node[1]
        while rest is not None and not rest[0].active:
            rest = rest[1]
        still_open_inside = [s for s in reversed(above) if s.active]
        for s in still_open_inside:
            rest = (s, rest)
        self._var.set(rest)
        return still_open_inside
