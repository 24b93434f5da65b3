"""Wait for a condition, never for a fixed time: poll until it holds or a generous timeout passes.

The machine running the tests may be loaded (a 2-core CI box), so a test waits for what it needs to see, with a
bound far above the usual time, and then asserts with its own message (these helpers never fail by themselves).
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def poll(fetch: Callable[[], T], done: Callable[[T], bool], timeout: float, interval: float = 0.05) -> T:
    """Call ``fetch`` until ``done(value)`` holds or ``timeout`` seconds passed; return the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Wait until ``condition()`` holds or ``timeout`` seconds passed; return whether it holds (assert on it)."""
    return poll(condition, bool, timeout, interval)
