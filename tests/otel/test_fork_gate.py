"""A fork waits for the bridge's export call in flight, so grpcio can run its fork handlers (otel/fork_gate.py)."""

from __future__ import annotations

import os
import threading

import pytest

from nv_one_logger.otel import fork_gate
from tests.support.waiting import wait_until

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_fork_waits_until_the_export_call_in_flight_has_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fork_gate, "FORK_WAIT_S", 120.0)  # a loaded machine must not turn the wait into a pass-through
    entered, release = threading.Event(), threading.Event()
    log: list[str] = []

    def export() -> None:
        with fork_gate.export_call():
            entered.set()
            release.wait(120)
            log.append("export returned")

    def release_once_a_fork_is_being_prepared() -> None:
        # Releases the call only when the fork hook has started waiting: without the gate it never does.
        wait_until(lambda: fork_gate._forking or release.is_set(), 120, interval=0.001)
        release.set()

    exporter = threading.Thread(target=export)
    exporter.start()
    assert entered.wait(60)
    releaser = threading.Thread(target=release_once_a_fork_is_being_prepared)
    releaser.start()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    seen_at_fork = list(log)
    release.set()
    _, status = os.waitpid(pid, 0)
    exporter.join(60)
    releaser.join(60)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert seen_at_fork == ["export returned"], "the fork went ahead while an export call was inside the exporter"
    assert not fork_gate._forking


def test_a_new_export_call_is_not_held_back_after_the_fork() -> None:
    pid = os.fork()
    if pid == 0:
        with fork_gate.export_call():
            pass
        os._exit(0 if fork_gate._in_flight == 0 and not fork_gate._forking else 3)
    with fork_gate.export_call():
        in_flight = fork_gate._in_flight
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert in_flight == 1 and fork_gate._in_flight == 0
