"""Fuzzing the public API: random call sequences, random names and values, and deliberate misuse.

A hypothesis state machine drives one recorder (FileExporter + OTelExporter + InMemoryExporter, configured through
the provider like an application does) through random sequences of `start`, `stop`, `event`, `error`,
`telemetry_data_error`, `timed_span` blocks (some raising application exceptions), spans the recorder never saw,
double stops, and calls after `close()`. Names and attribute values come from `fuzz_values` (every JSON type,
NaN, infinities, integers beyond int64, lone surrogates, huge strings, deep lists).

Promises checked on every step and at the end of every sequence:

- DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR: no exception from the library ever reaches the application, and the
  body of a `timed_span` always runs (telemetry never skips application code);
- PROPAGATE_EXCEPTIONS: only `OneLoggerError` reaches the application (an application exception raised inside
  `timed_span` comes out unchanged);
- the JSONL reader reads back every file the fuzzer produced, records numbered 1..n without gaps unless the
  file exporter itself reported a failure;
- every batch the OTel bridge hands to its span exporter can be encoded by the OTLP protobuf encoder without
  losing a span, an event or an attribute (one bad value must not poison a batch).

The number of sequences run is printed as a figure; the suite runs at least 10,000 (split over four tests so
`pytest -n 2` spreads them). Runs are derandomized and use no example database, so CI is deterministic.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nv_one_logger.api.config import OneLoggerConfig, OneLoggerErrorHandlingStrategy
from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.otel.otlp_encoding import NotEncodable, encode_request
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.records.reader import read_records
from nv_one_logger.testing import InMemoryExporter, reset_one_logger
from tests.support.fuzz_values import attribute_dicts, attribute_values, names, texts

Strategy = OneLoggerErrorHandlingStrategy
SEQUENCES_PER_TEST = 2_500  # x 4 tests = 10,000 sequences
STEPS_PER_SEQUENCE = 20


class ApplicationError(Exception):
    """Raised by the fuzzer's own code inside `timed_span`: must come out unchanged."""


class EncodingSpanExporter(SpanExporter):
    """Encodes every batch as the OTLP exporters do and records anything the encoder would lose.

    The OTLP encoder raises on a span or event name it cannot encode (which loses the whole batch) and drops,
    with a log line, attribute values it cannot encode (a lone surrogate, an int beyond int64). Both are data
    loss the bridge must prevent by converting values first.
    """

    def __init__(self) -> None:
        self.spans = 0
        self.problems: list[str] = []

    def export(self, spans: Any) -> SpanExportResult:
        for span in spans:
            self.spans += 1
            try:
                encoded = encode_spans([span]).resource_spans[0].scope_spans[0].spans[0]
                encoded.SerializeToString()
            except Exception as e:  # what the OTLP exporter would hit for the whole batch
                self.problems.append(f"span {span.name!r}: cannot encode: {type(e).__name__}: {e}")
                continue
            if len(encoded.attributes) != len(span.attributes or {}):
                self.problems.append(f"span {span.name!r}: attributes dropped by the encoder: {dict(span.attributes)}")
            for sdk_event, pb_event in zip(span.events, encoded.events):
                if len(pb_event.attributes) != len(sdk_event.attributes or {}):
                    self.problems.append(f"event {sdk_event.name!r}: attributes dropped: {dict(sdk_event.attributes)}")
            try:
                fast = encode_request([span])
            except NotEncodable as e:  # left to the SDK's encoder, whose losses the checks above catch
                self.problems.append(f"span {span.name!r}: not for the bridge's own encoder: {e}")
            else:
                if fast != encode_spans([span]).SerializeToString():
                    self.problems.append(f"span {span.name!r}: the bridge's encoder differs from the SDK's")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


class ApiFuzzer(RuleBasedStateMachine):
    """One application's life: a configured recorder, random API calls, then close and read back."""

    STRATEGY: ClassVar[Strategy] = Strategy.PROPAGATE_EXCEPTIONS
    sequences: ClassVar[int] = 0
    library_errors: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).sequences += 1
        reset_one_logger()
        self.workdir = Path(tempfile.mkdtemp(prefix="one-logger-fuzz-"))
        self.file_path = self.workdir / "records.jsonl"
        self.span_exporter = EncodingSpanExporter()
        self.memory = InMemoryExporter()
        self.file_exporter = FileExporter(file_path=self.file_path)
        self.otel_exporter = OTelExporter(otel_span_exporter=self.span_exporter)
        self.recorder = DefaultRecorder([self.file_exporter, self.otel_exporter, self.memory])
        config = OneLoggerConfig(
            application_name="fuzz",
            world_size_or_fn=1,
            session_tag_or_fn="fuzz",
            error_handling_strategy=self.STRATEGY,
        )
        OneLoggerProvider.instance().configure(config, self.recorder)
        self.spans: list[Any] = []

    # -- helpers ----------------------------------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the library the way an application does; only what the strategy allows may come out."""
        try:
            return fn(*args, **kwargs)
        except OneLoggerError as e:
            if self.STRATEGY is Strategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR:
                raise AssertionError(f"OneLoggerError reached the application under DISABLE_QUIETLY: {e}") from e
            type(self).library_errors += 1
            return None

    def pick(self, index: int) -> Optional[Any]:
        if index < 0 or not self.spans:
            return None
        return self.spans[index % len(self.spans)]

    @staticmethod
    def attributes(raw: Optional[dict[str, Any]], how: str) -> Any:
        """Build what the application passes: Attributes, or (misuse) a raw dict or a non-dict."""
        if raw is None or how == "none":
            return None
        if how == "raw":
            return raw
        if how == "garbage":
            return 42
        try:
            return Attributes(raw)
        except OneLoggerError:
            return raw  # the application ignores the data model's refusal and passes the dict anyway

    # -- rules ------------------------------------------------------------------------------------------------
    hows = st.sampled_from(["attributes", "attributes", "attributes", "none", "raw", "garbage"])
    span_index = st.integers(min_value=-1, max_value=30)

    @rule(name=names, attrs=attribute_dicts, start_attrs=attribute_dicts, parent=span_index, how=hows)
    def start(self, name: str, attrs: dict, start_attrs: dict, parent: int, how: str) -> None:
        span = self.call(
            self.recorder.start,
            name,
            span_attributes=self.attributes(attrs, how),
            start_event_attributes=self.attributes(start_attrs, how),
            parent_span=self.pick(parent),
        )
        if span is not None:
            self.spans.append(span)

    @rule(index=span_index, attrs=attribute_dicts, how=hows)
    def stop(self, index: int, attrs: dict, how: str) -> None:
        self.call(self.recorder.stop, self.pick(index), stop_event_attributes=self.attributes(attrs, how))

    @rule(index=span_index, name=names, attrs=attribute_dicts, as_event=st.booleans())
    def event(self, index: int, name: str, attrs: dict, as_event: bool) -> None:
        event: Any = name  # misuse: a bare name instead of an Event
        if as_event:
            try:
                event = Event.create(name, Attributes(attrs))
            except OneLoggerError:  # the data model refused the name or a value: the application fixes it up
                event = Event.create("event", Attributes({"fixed_up": True}))
        self.call(self.recorder.event, self.pick(index), event)

    @rule(index=span_index, message=texts, with_exception=st.booleans())
    def error(self, index: int, message: str, with_exception: bool) -> None:
        exception = ApplicationError(message) if with_exception else None
        self.call(self.recorder.error, self.pick(index), message, exception)

    @rule(message=texts, attrs=attribute_dicts, how=hows)
    def telemetry_data_error(self, message: str, attrs: dict, how: str) -> None:
        self.call(self.recorder.telemetry_data_error, message, self.attributes(attrs, how))

    @rule(name=names)
    def foreign_span(self, name: str) -> None:
        """A span the recorder never started (made directly from the data model)."""
        with contextlib.suppress(OneLoggerError):
            self.spans.append(Span.create(name))

    @rule(name=names, attrs=attribute_dicts, how=hows, depth=st.integers(1, 4), raise_inside=st.booleans())
    def timed_block(self, name: str, attrs: dict, how: str, depth: int, raise_inside: bool) -> None:
        marker = ApplicationError("raised by the application")
        body_ran = False

        def nest(level: int) -> None:
            nonlocal body_ran
            with timed_span(name, span_attributes=self.attributes(attrs, how)) as span:
                if span is not None:
                    self.spans.append(span)
                if level < depth:
                    nest(level + 1)
                else:
                    body_ran = True
                    if raise_inside:
                        raise marker

        try:
            nest(1)
        except ApplicationError as e:
            assert e is marker, "timed_span replaced the application's exception"
        except OneLoggerError as e:
            if self.STRATEGY is Strategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR:
                raise AssertionError(f"timed_span raised under DISABLE_QUIETLY: {e}") from e
            type(self).library_errors += 1
            return
        else:
            assert not raise_inside, "timed_span swallowed the application's exception"
        assert body_ran, "timed_span skipped the application's code"

    @rule(name=names)
    def query(self, name: str) -> None:
        self.call(self.recorder.get_active_spans_by_name, name)

    @rule()
    def close(self) -> None:
        self.call(self.recorder.close)

    @invariant()
    def nothing_was_lost_by_the_encoder(self) -> None:
        assert not self.span_exporter.problems, self.span_exporter.problems[:3]

    # -- end of sequence --------------------------------------------------------------------------------------
    def teardown(self) -> None:
        try:
            self.call(self.recorder.close)
            assert not self.span_exporter.problems, self.span_exporter.problems[:3]
            if self.file_path.exists():
                check_file_reads_back(self.file_path)
        finally:
            reset_one_logger()
            shutil.rmtree(self.workdir, ignore_errors=True)


def check_file_reads_back(path: Path) -> None:
    """The reader reads every line, the raw lines are JSON, and `count` runs 1..n unless a write failed."""
    records = list(read_records(path, strict=True))
    lines = [line for line in path.read_bytes().split(b"\n") if line]
    assert len(records) == len(lines), f"{len(lines)} lines but {len(records)} records read back"
    for line in lines:
        json.loads(line)
    counts = [r.count for r in records]
    assert counts == sorted(counts) and len(set(counts)) == len(counts), "records out of order or duplicated"
    assert all(isinstance(c, int) and not math.isnan(c) for c in counts)


class PropagatingFuzzer(ApiFuzzer):
    STRATEGY = Strategy.PROPAGATE_EXCEPTIONS


class QuietFuzzer(ApiFuzzer):
    STRATEGY = Strategy.DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR


FUZZ_SETTINGS = settings(
    max_examples=SEQUENCES_PER_TEST,
    stateful_step_count=STEPS_PER_SEQUENCE,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class LibraryLogCheck(logging.Handler):
    """Takes the library's log records during a fuzz run: each must format; counts them.

    The records do not propagate to pytest's capture meanwhile: thousands of sequences log thousands of lines,
    and lines quoting fuzzed names with lone surrogates cannot be sent between pytest-xdist processes.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records = 0
        self.unformattable: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        try:
            self.format(record)
        except Exception as e:
            self.unformattable.append(f"{record.name}: {record.msg!r}: {type(e).__name__}: {e}")


@contextlib.contextmanager
def library_logs_checked() -> Iterator[LibraryLogCheck]:
    logger = logging.getLogger("nv_one_logger")
    check = LibraryLogCheck()
    saved = logger.propagate
    logger.addHandler(check)
    logger.propagate = False
    try:
        yield check
    finally:
        logger.propagate = saved
        logger.removeHandler(check)


def _run(machine: type[ApiFuzzer], figure: Callable[[str, Any], None], seed_salt: int) -> None:
    machine.sequences = 0
    machine.library_errors = 0
    # derandomize seeds from the test's source; a different step count per test gives each test its own stream.
    with library_logs_checked() as logs:
        run_state_machine_as_test(machine, settings=settings(FUZZ_SETTINGS, stateful_step_count=20 + seed_salt))
    figure("sequences run", machine.sequences)
    figure("library log records (all formatted)", logs.records)
    assert not logs.unformattable, logs.unformattable[:3]
    figure("OneLoggerErrors raised (allowed)", machine.library_errors)
    assert machine.sequences >= SEQUENCES_PER_TEST


# About 2-4 minutes each on a quiet 2-core machine; the suite-wide 300 s timeout is too tight for a busy one.
@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("part", [0, 1])
def test_fuzz_propagate_exceptions(part: int, figure: Callable[[str, Any], None]) -> None:
    _run(PropagatingFuzzer, figure, part)


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("part", [0, 1])
def test_fuzz_disable_quietly(part: int, figure: Callable[[str, Any], None]) -> None:
    _run(QuietFuzzer, figure, part)


def test_attribute_values_cover_the_promised_kinds() -> None:
    """The generator really produces NaN, infinities, surrogates, huge strings and deep lists."""
    seen: set[str] = set()

    @given(attribute_values)
    @settings(max_examples=3000, derandomize=True, database=None, deadline=None)
    def collect(value: Any) -> None:
        if isinstance(value, float) and math.isnan(value):
            seen.add("nan")
        elif isinstance(value, float) and math.isinf(value):
            seen.add("inf")
        elif isinstance(value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            seen.add("surrogate")
        elif isinstance(value, str) and len(value) > 10_000:
            seen.add("huge")
        elif isinstance(value, list) and value and isinstance(value[0], list):
            seen.add("deep list")
        elif isinstance(value, dict):
            seen.add("object")
        elif value is None:
            seen.add("null")

    collect()
    assert seen >= {"nan", "inf", "surrogate", "huge", "deep list", "object", "null"}, seen
