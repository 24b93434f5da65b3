"""Keeps export calls out of gRPC while the process forks, so that a forked child gets a usable gRPC.

grpcio runs its own fork handlers only when no other thread is inside a gRPC call at the moment of ``fork()``;
otherwise it logs "Other threads are currently calling into gRPC, skipping fork() handlers" and the child inherits
gRPC's internal state half-way through a call. A data-loader worker forked at such a moment that then opens its
own OTLP connection can crash (a segmentation fault was seen in a forked worker of a loaded test run).

So every export call of the bridge goes through :func:`export_call`, and a ``before`` fork hook waits, for at most
:data:`FORK_WAIT_S`, until no call is in flight, and holds new calls back until the fork is done. The wait is
bounded because an export call can block for the whole export timeout on a collector that does not answer: a
fork is then delayed by at most that bound and proceeds as it did without the gate.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from nv_one_logger.core.internal.locks import fork_safe_condition

__all__ = ["FORK_WAIT_S", "export_call"]

FORK_WAIT_S = 2.0

_state = fork_safe_condition()
_in_flight = 0
_forking = False


@contextmanager
def export_call() -> Iterator[None]:
    """Mark one export call as in flight; wait first while a fork is being prepared."""
    global _in_flight
    with _state:
        _state.wait_for(lambda: not _forking, timeout=FORK_WAIT_S)
        _in_flight += 1
    try:
        yield
    finally:
        with _state:
            _in_flight -= 1
            _state.notify_all()


def _before_fork() -> None:
    # Bounded everywhere: another thread may hold the gate's lock at this moment (held only for a counter update in
    # normal use); the fork then goes ahead ungated rather than waiting on it.
    global _forking
    if not _state.acquire(timeout=FORK_WAIT_S):
        return
    try:
        _forking = True
        _state.wait_for(lambda: _in_flight == 0, timeout=FORK_WAIT_S)
    finally:
        _state.release()


def _after_fork_in_parent() -> None:
    global _forking
    if not _forking:
        return
    if not _state.acquire(timeout=FORK_WAIT_S):
        _forking = False  # held-back calls stop waiting after FORK_WAIT_S anyway
        return
    try:
        _forking = False
        _state.notify_all()
    finally:
        _state.release()


def _after_fork_in_child() -> None:
    """Start the child with nothing in flight: it has none of the parent's export threads."""
    global _forking, _in_flight
    _forking = False
    _in_flight = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)
