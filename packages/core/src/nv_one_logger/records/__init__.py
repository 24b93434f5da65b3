"""Read OneLogger JSON-lines record files back: typed records, rebuilt spans and statistics.

This package is the reading half of the JSON record format (docs/record-format.md): ``reader`` parses files
into the record types of ``types``, ``spans`` joins records into spans, ``stats`` computes per-name duration
statistics. It uses only the standard library, so ``pip install nv-one-logger-core`` is enough to inspect
files written anywhere (the ``one-logger summary`` and ``one-logger chrome-trace`` commands build on it).
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
]
