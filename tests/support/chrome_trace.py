"""``validate_trace``: check a Chrome Trace Event document the way a trace viewer (Perfetto) reads it.

Used by the chrome-trace tests and the demo test, which both produce such a document and must not each
re-state what a valid one looks like: required keys per phase, units, strict JSON, strictly nested slices on
each thread, every track named.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Dict, List

import pytest

METADATA_NAMES = {"process_name", "process_labels", "process_sort_index", "thread_name", "thread_sort_index"}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_trace(trace: Any) -> Dict[str, List[Dict[str, Any]]]:
    """Schema-level checks: required keys per phase, units, nesting. Returns events grouped by phase."""
    assert isinstance(trace, dict) and isinstance(trace["traceEvents"], list)
    assert trace["displayTimeUnit"] in ("ms", "ns")
    json.dumps(trace, allow_nan=False)  # strict JSON: no NaN/Infinity anywhere
    by_phase: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for event in trace["traceEvents"]:
        ph = event["ph"]
        assert isinstance(event["name"], str) and event["name"]
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        if ph == "X":
            assert _number(event["ts"]) and _number(event["dur"]) and event["dur"] >= 0
            assert isinstance(event["cat"], str) and isinstance(event["args"], dict)
        elif ph == "i":
            assert _number(event["ts"]) and event["s"] in ("g", "p", "t")
            assert isinstance(event["cat"], str)
        elif ph == "M":
            assert event["name"] in METADATA_NAMES and isinstance(event["args"], dict)
        else:
            pytest.fail(f"unexpected phase {ph!r}")
        by_phase[ph].append(event)
    # Complete events on one thread must nest strictly (what Perfetto's importer requires).
    lanes: Dict[Any, List[Dict[str, Any]]] = defaultdict(list)
    for event in by_phase["X"]:
        lanes[(event["pid"], event["tid"])].append(event)
    for slices in lanes.values():
        stack: List[float] = []
        for event in sorted(slices, key=lambda e: (e["ts"], -e["dur"])):
            end = event["ts"] + event["dur"]
            while stack and stack[-1] <= event["ts"]:
                stack.pop()
            assert not stack or end <= stack[-1], f"slice {event['name']} overlaps its enclosing slice"
            stack.append(end)
    # Every track is named.
    named_processes = {e["pid"] for e in by_phase["M"] if e["name"] == "process_name"}
    named_threads = {(e["pid"], e["tid"]) for e in by_phase["M"] if e["name"] == "thread_name"}
    assert {e["pid"] for e in by_phase["X"] + by_phase["i"]} <= named_processes
    assert set(lanes) <= named_threads
    return by_phase
