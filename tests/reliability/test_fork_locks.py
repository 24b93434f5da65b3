"""Fork safety of the library's locks: one mechanism, used everywhere, and proven with every lock held at the fork.

- `test_no_bare_locks_in_package_sources`: every lock, condition, event or queue in `packages/*/src` comes from
  `nv_one_logger.core.internal.locks` (the fork-safe, re-entrant ones); a bare `threading.Lock()` anywhere else
  fails the test with its file and line.
- `test_child_finishes_while_parent_thread_held_every_lock`: a parent thread holds every lock of the library
  (span lock, recorder, exporters, OTel export worker, provider...) at the moment of `fork()`; the child must stop
  spans, read their attributes, record and close, and its records must reach the file and the collector.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from nv_one_logger.records.reader import read_records
from nv_one_logger.records.types import SpanCompleteRecord, SpanStopRecord
from tests.support.collector import OtlpSink, RotelCollector
from tests.support.processes import REPO_ROOT, AppProcess

HELPER = REPO_ROOT / "packages/core/src/nv_one_logger/core/internal/locks.py"
FORBIDDEN = {
    "threading": {"Lock", "RLock", "Condition", "Event", "Semaphore", "BoundedSemaphore", "Barrier"},
    "_thread": {"allocate_lock", "LockType", "RLock"},
    "queue": {"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"},
    "multiprocessing": {"Lock", "RLock", "Condition", "Event", "Semaphore", "Queue"},
}


def _sources() -> Iterator[Path]:
    for path in sorted((REPO_ROOT / "packages").glob("*/src/**/*.py")):
        if path != HELPER:
            yield path


def bare_lock_calls(source: str) -> List[Tuple[int, str]]:
    """Return (line, call) for each construction of a synchronisation primitive not made by the helper."""
    tree = ast.parse(source)
    imported: dict[str, str] = {}  # local name -> "module.Name" for `from threading import Lock [as L]`
    modules: dict[str, str] = {}  # local name -> module for `import threading [as t]`
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in FORBIDDEN:
            for alias in node.names:
                if alias.name in FORBIDDEN[node.module]:
                    imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in FORBIDDEN:
                    modules[alias.asname or alias.name] = alias.name
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in imported:
            found.append((node.lineno, imported[func.id]))
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
            and func.attr in FORBIDDEN[modules[func.value.id]]
        ):
            found.append((node.lineno, f"{modules[func.value.id]}.{func.attr}"))
    return found


def test_the_scan_finds_bare_locks() -> None:
    source = (
        "import threading\nimport queue as q\nfrom threading import RLock as R\n"
        "a = threading.Lock()\nb = R()\nc = q.Queue()\nd = threading.Thread()\n"
    )
    assert bare_lock_calls(source) == [(4, "threading.Lock"), (5, "threading.RLock"), (6, "queue.Queue")]


def test_no_bare_locks_in_package_sources() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {call}()"
        for path in _sources()
        for line, call in bare_lock_calls(path.read_text(encoding="utf-8"))
    ]
    assert len(list(_sources())) > 50  # the scan sees the three packages
    assert not offenders, "use nv_one_logger.core.internal.locks (fork-safe, re-entrant) instead of: \n" + "\n".join(
        offenders
    )


@pytest.mark.collector
def test_child_finishes_while_parent_thread_held_every_lock(
    tmp_path: Path, rotel: RotelCollector, otlp_sink: OtlpSink, figure: Callable[[str, Any], None]
) -> None:
    path = tmp_path / "records.jsonl"
    app = AppProcess(
        "held_locks_app",
        [str(path)],
        env={"OTEL_EXPORTER_OTLP_ENDPOINT": rotel.grpc_endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"},
        cwd=tmp_path,
    )
    _, code = app.wait_done_and_exit(done_timeout=180, exit_timeout=60)
    lines = app.snapshot()
    assert code == 0, app.stderr()[-3000:]
    held = int(next(line.value for line in lines if line.kind == "HELD"))
    child_pid, child_status = (int(v) for v in next(line.value for line in lines if line.kind == "CHILD").split())
    figure("library locks held by a parent thread at the fork", held)
    assert held >= 11
    assert child_status == 0, f"the child hung or failed:\n{app.stderr()[-4000:]}"

    finals = {
        (r.pid, r.name) for r in read_records(path, strict=True) if isinstance(r, (SpanCompleteRecord, SpanStopRecord))
    }
    assert (child_pid, "child-span") in finals
    assert (app.proc.pid, "parent-after-fork") in finals
    assert (app.proc.pid, "parent-root") in finals
    wanted = {"child-span", "parent-after-fork", "parent-root"}
    otlp_sink.wait_for_spans(lambda s: s.name in wanted and not s.is_marker, count=len(wanted), timeout=60)
    child_spans = [s for s in otlp_sink.spans() if s.name == "child-span" and not s.is_marker]
    assert len(child_spans) == 1 and "child-event" in child_spans[0].event_names()
