"""The only way OneLogger packages create locks, conditions and events: safe across fork, safe against re-entry.

Two hazards every lock of a telemetry library meets in ML jobs:

* **fork** (PyTorch's DataLoader forks its workers every epoch): the child gets a copy of every lock in the state
  it had at the fork, but only the thread that called ``fork``. A lock held at that moment by another thread (the
  export thread, a recording thread) stays locked for ever in the child, and the child hangs at its first
  telemetry call. Every object made here is registered (weakly) and reset to "unlocked, no waiters" in the child,
  before any other at-fork hook of the library runs (this module is imported before those hooks are registered).
* **re-entry from a signal handler** (watchdogs and profilers record from ``SIGALRM``/``SIGPROF`` handlers): a
  Python signal handler runs on the main thread between two bytecodes, possibly while that thread holds a lock of
  the library. Every lock made here is re-entrant, so such a handler never deadlocks on a lock its own thread
  holds. (The recorder additionally defers the exporter calls of a re-entrant call until the interrupted call is
  done, so records never interleave; see ``recorder/default_recorder.py``.)

Code in ``packages/*/src`` must not call ``threading.Lock()``, ``RLock()``, ``Condition()``, ``Event()`` or build a
``queue.Queue`` directly; a test scans the sources for that. The objects returned are the standard ``threading``
ones (no wrapper on the hot path).
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any, List

__all__ = ["fork_safe_condition", "fork_safe_event", "fork_safe_lock", "registered_locks"]

_REGISTRY: weakref.WeakSet[Any] = weakref.WeakSet()


def fork_safe_lock() -> threading.RLock:
    """Return a new re-entrant lock that a forked child gets unlocked."""
    lock = threading.RLock()
    _REGISTRY.add(lock)
    return lock


def fork_safe_condition() -> threading.Condition:
    """Return a new condition (on a re-entrant lock) that a forked child gets unlocked and without waiters."""
    condition = threading.Condition(threading.RLock())
    _REGISTRY.add(condition)
    return condition


class _Event(threading.Event):
    """A ``threading.Event`` whose internal lock is re-entrant (``set()`` may be re-entered by a signal handler)."""

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition(threading.RLock())


def fork_safe_event() -> threading.Event:
    """Return a new event (unset) that a forked child gets in its state at the fork, without waiters."""
    event = _Event()
    _REGISTRY.add(event)
    return event


def registered_locks() -> List[Any]:
    """Return the live locks and conditions made here, events as their internal condition (tests, diagnostics)."""
    return [obj._cond if isinstance(obj, _Event) else obj for obj in list(_REGISTRY)]


def _reset(obj: Any) -> None:
    reinit = getattr(obj, "_at_fork_reinit", None)
    if reinit is not None:  # CPython >= 3.9: what the threading module does for its own locks
        reinit()
        return
    # Other interpreters: an RLock held by a thread of the parent cannot be released from here; a fresh lock
    # cannot be swapped in either (callers hold the object). Best effort: nothing to do.


def _after_fork_in_child() -> None:
    for obj in list(_REGISTRY):
        _reset(obj)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
