"""Read back what an exporter wrote: every JSON line strictly, or the telemetry records through the reader.

One place for "parse the file": tests that compare what was written must not each re-state how (strict JSON, no
NaN tokens; with or without the identity header that opens every FileExporter file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

from nv_one_logger.records import IdentityRecord, read_records


def json_lines(path: Path, identity: bool = False) -> List[Any]:
    """Parse every line as strict JSON (NaN/Infinity tokens are refused); the identity header only if asked."""

    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token}")

    lines = [json.loads(line, parse_constant=refuse) for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if identity or line.get("type") != "identity"]


def telemetry_records(path: Path, **kwargs: Any) -> List[Any]:
    """``read_records(path)`` without the identity header records."""
    return [r for r in read_records(path, **kwargs) if not isinstance(r, IdentityRecord)]
