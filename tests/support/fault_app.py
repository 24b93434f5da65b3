"""What the collector-fault and TLS tests share about tests/reliability/apps/fault_app.py: its bounds, its length
and the check that every step span reached the file whatever happened to the collector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Set

from nv_one_logger.records.reader import read_records
from nv_one_logger.records.types import SpanCompleteRecord, SpanStopRecord

#: The exit hook's bound (``exit_timeout_seconds``) the app is configured with.
EXIT_TIMEOUT_S = 3.0
# Room for interpreter teardown on a loaded 2-core machine (seen: 3.3 s beyond the bound at load 20). Still far
# below what an unbounded close costs: the SDK's OTLP retry backoff alone runs for tens of seconds.
TEARDOWN_MARGIN_S = 12.0
#: Step spans the app records unless a test asks for more.
STEPS = 60


def check_file_complete(path: Path, expected_steps: int = STEPS) -> None:
    """Every step 0..expected_steps-1 has its final record in the file at ``path``."""
    steps: Set[object] = set()
    for record in read_records(path):
        if isinstance(record, (SpanCompleteRecord, SpanStopRecord)) and record.name == "step":
            steps.add(record.attributes["step"])
    expected = set(range(expected_steps))
    assert steps == expected, f"file misses steps {sorted(expected - steps)[:10]}"
