"""Cost of each piece of the hot path, measured one by one: ``python -m benchmarks.tools.breakdown``.

The profiling findings in docs/performance.md come from this table together with ``benchmarks.tools.profile``.
cProfile tells where time goes but inflates small functions; this measures each building block without a
profiler: ``timeit`` with the *caller thread's CPU clock* (less sensitive to other processes than wall
time), best of several repeats, microseconds per call, each piece in a fresh interpreter. Re-run it after
changing the hot path.

Pieces that need an API that is not there (an older or newer core) are reported as unavailable.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

Row = Tuple[str, str, Optional[float], str]  # group, label, microseconds, note

_REPO_ROOT = Path(__file__).resolve().parents[2]  # the children run `-m benchmarks.tools.breakdown` from here


def _time(fn: Callable[[], Any], number: int, repeat: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat, timer=time.thread_time)) / number * 1e6


def _pieces(tmpdir: Path) -> List[Tuple[str, str, Callable[[], Callable[[], Any]]]]:
    """(group, label, factory) - the factory does the set-up and returns the operation to time."""
    import contextlib
    import typing
    import uuid

    def floor() -> Callable[[], Any]:
        def bare() -> None:
            return None

        return bare

    def generator_cm() -> Callable[[], Any]:
        @contextlib.contextmanager
        def cm() -> Any:
            yield None

        def op() -> None:
            with cm():
                pass

        return op

    def class_cm() -> Callable[[], Any]:
        class CM:
            __slots__ = ()

            def __enter__(self) -> None:
                return None

            def __exit__(self, *exc: object) -> None:
                return None

        def op() -> None:
            with CM():
                pass

        return op

    def typing_mapping_check() -> Callable[[], Any]:
        d = {"a": 1}
        mapping = typing.Mapping
        return lambda: isinstance(d, mapping)

    def dict_check() -> Callable[[], Any]:
        d = {"a": 1}
        return lambda: isinstance(d, dict)

    def sdk_span() -> Callable[[], Any]:
        from benchmarks.harness.workload import WorkerContext
        from benchmarks.workloads.baselines import sdk_span_memory

        workload = sdk_span_memory(WorkerContext(tmpdir=tmpdir))
        calls = [0]

        def op() -> None:
            workload.op()
            calls[0] += 1
            if calls[0] % 1000 == 0:
                workload.flush()

        return op

    def sdk_event() -> Callable[[], Any]:
        from benchmarks.harness.workload import WorkerContext
        from benchmarks.workloads.baselines import sdk_event as make

        return make(WorkerContext(tmpdir=tmpdir)).op

    def enabled_recorder_check() -> Callable[[], Any]:
        from nv_one_logger.api.timed_span import _enabled_recorder

        _configure([])
        return _enabled_recorder

    def timestamp_now() -> Callable[[], Any]:
        from nv_one_logger.core.time import TracingTimestamp

        return TracingTimestamp.now

    def attribute() -> Callable[[], Any]:
        from nv_one_logger.core.attributes import Attribute

        return lambda: Attribute("step", 1)

    def attributes2() -> Callable[[], Any]:
        from nv_one_logger.core.attributes import Attributes

        return lambda: Attributes({"step": 1, "phase": "train"})

    def event0() -> Callable[[], Any]:
        from nv_one_logger.core.event import Event

        return lambda: Event.create("span_start")

    def event2() -> Callable[[], Any]:
        from nv_one_logger.core.event import Event

        return lambda: Event.create("metrics", {"loss": 0.25, "step": 1})  # type: ignore[arg-type]

    def span_create() -> Callable[[], Any]:
        from nv_one_logger.core.span import Span

        return lambda: Span.create("train_step", span_attributes={"step": 1, "phase": "train"})  # type: ignore[arg-type]

    def span_create_stop() -> Callable[[], Any]:
        from nv_one_logger.core.span import Span

        def op() -> None:
            Span.create("train_step", span_attributes={"step": 1, "phase": "train"}).stop()  # type: ignore[arg-type]

        return op

    def recorder_start_stop() -> Callable[[], Any]:
        recorder = _configure([])

        def op() -> None:
            recorder.stop(recorder.start("train_step", span_attributes={"step": 1, "phase": "train"}))

        return op

    def timed_span_enabled() -> Callable[[], Any]:
        from nv_one_logger.api.timed_span import timed_span

        _configure([])

        def op() -> None:
            with timed_span("train_step", span_attributes={"step": 1, "phase": "train"}):  # type: ignore[arg-type]
                pass

        return op

    def timed_span_disabled() -> Callable[[], Any]:
        from nv_one_logger.api.timed_span import timed_span

        _configure([], enabled=False)

        def op() -> None:
            with timed_span("train_step", span_attributes={"step": 1, "phase": "train"}):  # type: ignore[arg-type]
                pass

        return op

    def recorder_event_prebuilt() -> Callable[[], Any]:
        from nv_one_logger.core.event import Event

        recorder = _configure([])
        span = recorder.start("training")
        event = Event.create("metrics", {"loss": 0.25, "step": 1})  # type: ignore[arg-type]
        return lambda: recorder.event(span, event)

    def _export_span_op(exporter: Any) -> Callable[[], Any]:
        """One span created, started, stopped and handed to ``exporter`` (the exporter's share of a span)."""
        from nv_one_logger.core.span import Span

        def op() -> None:
            span = Span.create("train_step", span_attributes={"step": 1, "phase": "train"})  # type: ignore[arg-type]
            exporter.export_start(span)
            span.stop()
            exporter.export_stop(span)

        return op

    def json_records() -> Callable[[], Any]:
        from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter

        class NullJson(BaseJsonExporter):
            def _write(self, json_dict: Any) -> None:
                return None

        exporter = NullJson()
        exporter.initialize()

        return _export_span_op(exporter)

    def file_exporter() -> Callable[[], Any]:
        from nv_one_logger.exporter.file_exporter import FileExporter

        exporter = FileExporter(file_path=tmpdir / "breakdown.jsonl")
        exporter.initialize()

        return _export_span_op(exporter)

    def json_encode() -> Callable[[], Any]:
        import json

        record = _complete_record()
        encoder = json.JSONEncoder()
        return lambda: encoder.encode(record)

    def logger_format() -> Callable[[], Any]:
        from nv_one_logger.exporter.logger_exporter import format_record

        record = _complete_record()
        return lambda: format_record(record)

    def uuid4() -> Callable[[], Any]:
        return uuid.uuid4

    def uuid_str() -> Callable[[], Any]:
        value = uuid.uuid4()
        return lambda: str(value)

    def uuid_hash() -> Callable[[], Any]:
        value = uuid.uuid4()
        return lambda: hash(value)

    return [
        ("python", "bare function call (floor)", floor),
        ("python", "@contextmanager enter+exit, empty body", generator_cm),
        ("python", "class-based context manager enter+exit", class_cm),
        ("python", "isinstance(d, typing.Mapping)", typing_mapping_check),
        ("python", "isinstance(d, dict)", dict_check),
        ("python", "uuid.uuid4() (os.urandom releases the GIL)", uuid4),
        ("python", "str(uuid)", uuid_str),
        ("python", "hash(uuid) (UUID.__hash__ is Python code)", uuid_hash),
        ("otel sdk", "start_as_current_span, 2 attributes, BSP+in-memory", sdk_span),
        ("otel sdk", "span.add_event, 2 attributes", sdk_event),
        ("core", "TracingTimestamp.now()", timestamp_now),
        ("core", "Attribute('step', 1)", attribute),
        ("core", "Attributes({2 attributes})", attributes2),
        ("core", "Event.create(name)", event0),
        ("core", "Event.create(name, {2 attributes})", event2),
        ("core", "Span.create(name, 2 attributes)", span_create),
        ("core", "Span.create(...) + span.stop()", span_create_stop),
        ("recorder", "provider check (_enabled_recorder)", enabled_recorder_check),
        ("recorder", "recorder.start + recorder.stop, no exporters", recorder_start_stop),
        ("recorder", "with timed_span(...), no exporters", timed_span_enabled),
        ("recorder", "with timed_span(...), disabled rank", timed_span_disabled),
        ("recorder", "recorder.event(span, prebuilt event), no exporters", recorder_event_prebuilt),
        ("exporters", "span create+stop + BaseJsonExporter records, no write", json_records),
        ("exporters", "span create+stop + FileExporter start/stop", file_exporter),
        ("exporters", "json encode of one 'complete' record", json_encode),
        ("exporters", "LoggerExporter format_record('complete' record)", logger_format),
    ]


def _complete_record() -> Dict[str, Any]:
    from nv_one_logger.core.span import Span
    from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter

    records: List[Dict[str, Any]] = []

    class Capture(BaseJsonExporter):
        def _write(self, json_dict: Any) -> None:
            records.append(json_dict)

    exporter = Capture()
    exporter.initialize()
    span = Span.create("train_step", span_attributes={"step": 1, "phase": "train"})  # type: ignore[arg-type]
    exporter.export_start(span)
    span.stop()
    exporter.export_stop(span)
    return records[-1]


def _configure(exporters: List[Any], enabled: bool = True) -> Any:
    """(Re)configure the provider singleton for one piece."""
    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider
    from nv_one_logger.recorder.default_recorder import DefaultRecorder

    try:
        from nv_one_logger.testing import reset_one_logger

        reset_one_logger()
    except ImportError:
        pass
    recorder = DefaultRecorder(exporters)
    config = OneLoggerConfig(
        application_name="bench", world_size_or_fn=1, session_tag_or_fn="bench", enable_for_current_rank=enabled
    )
    OneLoggerProvider.instance().configure(config, recorder)
    return recorder


def run_piece(index: int, number: int, repeat: int) -> Row:
    """Time one piece in this process."""
    with tempfile.TemporaryDirectory(prefix="onelogger-breakdown-") as tmp:
        group, label, factory = _pieces(Path(tmp))[index]
        try:
            op = factory()
            op()
            return (group, label, _time(op, number, repeat), "")
        except Exception as exc:
            return (group, label, None, f"unavailable: {type(exc).__name__}: {exc}"[:80])


def run(number: int, repeat: int) -> List[Row]:
    """Time every piece, each in a fresh interpreter (pieces configure the provider and leave threads behind)."""
    rows: List[Row] = []
    count = len(_pieces(Path(tempfile.gettempdir())))
    for index in range(count):
        cmd = [sys.executable, "-m", "benchmarks.tools.breakdown", "--piece", str(index)]
        cmd += ["--number", str(number), "--repeat", str(repeat)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=_REPO_ROOT)
        try:
            group, label, us, note = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append((group, label, us, note))
        except (IndexError, ValueError):
            rows.append(("?", f"piece {index}", None, (proc.stderr.strip().splitlines() or ["failed"])[-1][:80]))
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--number", type=int, default=10_000, help="calls per repeat")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--piece", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.piece is not None:
        print(json.dumps(run_piece(args.piece, args.number, args.repeat)))
        return 0
    rows = run(args.number, args.repeat)
    width = max(len(label) for _, label, _, _ in rows)
    print(f"{'group':<10} {'piece':<{width}} {'us/call':>8}  (caller-thread CPU, best of {args.repeat})")
    for group, label, us, note in rows:
        value = "-" if us is None else f"{us:8.3f}"
        print(f"{group:<10} {label:<{width}} {value:>8}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
