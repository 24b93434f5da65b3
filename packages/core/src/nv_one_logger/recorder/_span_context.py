"""Which span is the parent of a new span: the innermost open span of the current context.

Each recorder keeps, in a ``contextvars.ContextVar``, the stack of spans it started in the current context.
Threads start with an empty context and asyncio tasks start with a copy of their creator's context, so
``start`` without an explicit parent nests correctly in each thread and task without passing spans around.

The stack is an immutable tuple that is replaced (never mutated) on every change: a task that copied the
context keeps seeing the stack as it was when it was created, and changes made by the task stay in the task.

Spans can be stopped out of order or from another context. The stack is therefore only a hint: a stopped span
is skipped when looking for the parent and dropped from the stack the next time the stack is rewritten, so a
stopped span is never the parent of a later span.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import List, Optional, Tuple

from nv_one_logger.core.span import Span


class SpanContextStack:
    """The per-context stack of open spans of one recorder."""

    __slots__ = ("_var",)

    def __init__(self, name: str) -> None:
        # One ContextVar per recorder: two recorders in one process must not become each other's parents.
        self._var: ContextVar[Tuple[Span, ...]] = ContextVar(name, default=())

    def current(self) -> Optional[Span]:
        """Return the innermost span of the current context that is still open, or None."""
        for span in reversed(self._var.get()):
            if span.active:
                return span
        return None

    def push(self, span: Span) -> None:
        """Make ``span`` the innermost span of the current context (dropping stopped spans)."""
        self._var.set((*(s for s in self._var.get() if s.active), span))

    def clear(self) -> None:
        """Forget the spans of the current context (so a closed recorder does not keep them alive here)."""
        self._var.set(())

    def remove(self, span: Span) -> List[Span]:
        """Remove ``span`` from the current context.

        Returns the spans that were opened after ``span`` in this context and are still open: non-empty means
        ``span`` is being stopped out of order. Returns an empty list when ``span`` is not in this context's
        stack (for example a span started in another thread), which is not an error.
        """
        stack = self._var.get()
        for index in range(len(stack) - 1, -1, -1):
            if stack[index] is span:
                still_open_inside = [s for s in stack[index + 1 :] if s.active]
                self._var.set(tuple(s for s in stack if s is not span and s.active))
                return still_open_inside
        return []
