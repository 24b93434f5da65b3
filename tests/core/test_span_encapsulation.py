"""A span's internals are read and written only by the span module (and its attribute layers), an event's only
by the event module.

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
_EVENT_ONLY = ["_perf", "_timestamp", "_wall"]  # the clock readings an Event stores (a span has its own)


def _access(names):
    return re.compile(r"(?<!self)\.(" + "|".join(re.escape(name) for name in names) + r")\b")


def _offenders(names, owners):
    pattern = _access(names)
    offenders = []
    for path in sorted(_PACKAGES.glob("*/src/nv_one_logger/**/*.py")):
        relative = path.as_posix().split("/nv_one_logger/", 1)[1]
        if relative in owners:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    return offenders


def test_the_span_only_fields_are_known():
    assert {"_stop_perf", "_id_int", "_updated", "_events"} <= set(_SPAN_ONLY)


def test_no_module_outside_the_span_module_touches_span_internals():
    assert _offenders(_SPAN_ONLY, _OWNERS) == []


def test_no_module_outside_the_event_module_touches_event_internals():
    assert _offenders(_EVENT_ONLY, {"core/event.py"}) == []
