"""A span's internals are read and written only by the span module (and its attribute layers).

The recorder, the JSON conversion, the API and every exporter use the span's public face. A module that reads
``span._stop_perf`` or sets ``span._exported`` ties itself to the storage layout that the hot path is free to
change; this test names the module and line that does.
"""

import re
from pathlib import Path

from nv_one_logger.core._span_attributes import SpanAttributeLayers
from nv_one_logger.core.span import Span

_PACKAGES = Path(__file__).resolve().parents[2] / "packages"
_OWNERS = {"core/span.py", "core/_span_attributes.py"}
# Fields only a span has (Event shares _name, _name_str, _values, _cls and _attributes, which are left out).
_SHARED_WITH_EVENT = {"_name", "_name_str", "_values", "_cls", "_attributes", "_id"}
_SPAN_ONLY = sorted((set(Span.__slots__) | set(SpanAttributeLayers.__slots__) | {"_exported"}) - _SHARED_WITH_EVENT)
_ACCESS = re.compile(r"(?<!self)\.(" + "|".join(re.escape(name) for name in _SPAN_ONLY) + r")\b")


def test_the_span_only_fields_are_known():
    assert {"_stop_perf", "_id_int", "_updated", "_events"} <= set(_SPAN_ONLY)


def test_no_module_outside_the_span_module_touches_span_internals():
    offenders = []
    for path in sorted(_PACKAGES.glob("*/src/nv_one_logger/**/*.py")):
        relative = path.as_posix().split("/nv_one_logger/", 1)[1]
        if relative in _OWNERS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _ACCESS.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
