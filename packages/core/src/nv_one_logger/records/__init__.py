"""Read OneLogger JSON-lines record files back: typed records, rebuilt spans and statistics.

This package is the reading half of the JSON record format (docs/record-format.md): ``reader`` parses files
into the record types of ``types``, ``spans`` joins records into spans, ``writers`` tells whose data a record
is (a pid in one log file) and where each writer's data ends, ``stats`` computes per-name duration statistics.
It uses only the standard library, so ``pip install nv-one-logger-core`` is enough to inspect files written
anywhere (``one-logger summary``, ``report``, ``chrome-trace`` and ``replay`` build on it).
"""

from nv_one_logger.records.reader import (
    ReaderError,
    ReaderWarning,
    ReadReport,
    RecordReader,
    order_record_files,
    read_record_files,
    read_records,
    rotated_segments,
)
from nv_one_logger.records.rotation import rotation_number, split_rotation_suffix, strip_rotation_suffix
from nv_one_logger.records.spans import RebuildProblem, RebuildResult, RebuiltSpan, rebuild, rebuild_spans
from nv_one_logger.records.stats import SpanNameStats, percentile, summarize_spans
from nv_one_logger.records.types import (
    ApplicationErrorRecord,
    EventRecord,
    IdentityRecord,
    Record,
    RecordedEvent,
    RecordSource,
    SpanCompleteRecord,
    SpanStartRecord,
    SpanStopRecord,
    TelemetryDataErrorRecord,
)
from nv_one_logger.records.writers import Writer, WriterKey, Writers, writer_key

__all__ = [
    "ApplicationErrorRecord",
    "EventRecord",
    "IdentityRecord",
    "ReadReport",
    "ReaderError",
    "ReaderWarning",
    "RebuildProblem",
    "RebuildResult",
    "RebuiltSpan",
    "Record",
    "RecordReader",
    "RecordSource",
    "RecordedEvent",
    "SpanCompleteRecord",
    "SpanNameStats",
    "SpanStartRecord",
    "SpanStopRecord",
    "TelemetryDataErrorRecord",
    "Writer",
    "WriterKey",
    "Writers",
    "order_record_files",
    "percentile",
    "read_record_files",
    "read_records",
    "rebuild",
    "rebuild_spans",
    "rotated_segments",
    "rotation_number",
    "split_rotation_suffix",
    "strip_rotation_suffix",
    "summarize_spans",
    "writer_key",
]
