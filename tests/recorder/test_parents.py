"""Implicit parents: the innermost open span of the current context (thread / asyncio task)."""

import asyncio
import contextvars
import threading

from nv_one_logger.api.timed_span import timed_span
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import PROPAGATE, configure_recorder


def _names(span):
    chain = []
    while span is not None:
        chain.append(span.name_str)
        span = span.parent_span
    return chain


def test_nested_starts_build_a_tree():
    recorder = DefaultRecorder([InMemoryExporter()])
    root = recorder.start("root")
    child = recorder.start("child")
    grandchild = recorder.start("grandchild")
    recorder.stop(grandchild)
    sibling = recorder.start("sibling")
    assert root.parent_span is None
    assert child.parent_span is root
    assert grandchild.parent_span is child
    assert sibling.parent_span is child
    recorder.stop(sibling)
    recorder.stop(child)
    after = recorder.start("after")
    assert after.parent_span is root


def test_two_recorders_do_not_parent_each_other():
    first, second = DefaultRecorder([InMemoryExporter()]), DefaultRecorder([InMemoryExporter()])
    outer = first.start("outer")
    other = second.start("other")
    assert other.parent_span is None
    assert first.start("inner").parent_span is outer


def test_threads_each_get_their_own_parents():
    recorder = DefaultRecorder([InMemoryExporter()])
    main_span = recorder.start("main")
    barrier = threading.Barrier(4)
    results = {}

    def worker(index):
        outer = recorder.start(f"outer-{index}")
        barrier.wait()  # all threads have an open span now: interleaving must not mix parents
        inner = recorder.start(f"inner-{index}")
        barrier.wait()
        recorder.stop(inner)
        recorder.stop(outer)
        results[index] = (outer, inner)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 4
    for _index, (outer, inner) in results.items():
        assert outer.parent_span is None  # a new thread starts with an empty context
        assert inner.parent_span is outer
    assert recorder.start("main-child").parent_span is main_span


def test_thread_with_a_copied_context_inherits_the_parent():
    recorder = DefaultRecorder([InMemoryExporter()])
    outer = recorder.start("outer")
    result = []
    context = contextvars.copy_context()
    thread = threading.Thread(target=lambda: context.run(lambda: result.append(recorder.start("in-thread"))))
    thread.start()
    thread.join(10)
    assert result[0].parent_span is outer


def test_concurrent_asyncio_tasks_get_the_right_parents():
    configure_recorder(PROPAGATE)
    seen = {}

    async def step(name):
        with timed_span(name) as outer:
            await asyncio.sleep(0)
            with timed_span(f"{name}.inner") as inner:
                await asyncio.sleep(0)
                seen[name] = (outer, inner)
            await asyncio.sleep(0)

    async def main():
        with timed_span("main") as main_span:
            await asyncio.gather(*(step(f"task{i}") for i in range(5)))
            with timed_span("after-gather") as after:
                assert after.parent_span is main_span
        return main_span

    main_span = asyncio.run(main())
    assert len(seen) == 5
    for name, (outer, inner) in seen.items():
        assert outer.parent_span is main_span, name
        assert inner.parent_span is outer, name
        assert _names(inner) == [f"{name}.inner", name, "main"]


def test_out_of_order_stop_is_logged_and_context_stays_consistent(caplog):
    recorder = DefaultRecorder([InMemoryExporter()])
    root = recorder.start("root")
    outer = recorder.start("outer")
    inner = recorder.start("inner")
    recorder.stop(outer)  # inner still open
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "'outer'" in warnings[0].getMessage() and "'inner'" in warnings[0].getMessage()
    child = recorder.start("child-of-inner")
    assert child.parent_span is inner
    recorder.stop(child)
    recorder.stop(inner)
    nxt = recorder.start("next")
    assert nxt.parent_span is root  # never the stopped 'outer'


def test_stop_from_another_thread_is_fine_and_stopped_span_is_never_a_parent(caplog):
    recorder = DefaultRecorder([InMemoryExporter()])
    root = recorder.start("root")
    worker_span = recorder.start("handed-over")
    thread = threading.Thread(target=recorder.stop, args=(worker_span,))
    thread.start()
    thread.join(10)
    assert not worker_span.active
    assert recorder.start("next").parent_span is root
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []


def test_span_stopped_in_another_asyncio_task():
    recorder = DefaultRecorder([InMemoryExporter()])

    async def main():
        root = recorder.start("root")
        started = await asyncio.create_task(_start(recorder))
        assert started.parent_span is root
        # the child task's start did not leak into this task's context
        assert recorder.start("sibling").parent_span is root
        recorder.stop(started)
        return root

    async def _start(rec):
        return rec.start("in-task")

    asyncio.run(main())
