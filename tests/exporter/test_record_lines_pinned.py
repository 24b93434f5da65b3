"""The exact bytes of JSON records, pinned: any change to the record schema or its encoding fails here.

Other tests compare the two record forms (lines and dicts) with each other; this one compares both with fixed
text, so a change that moves both the same way (a renamed field, a reordered key, another float format) is
caught too. Span ids come from a counter, timestamps are fixed, the pid is filled in.
"""

from __future__ import annotations

import json
import logging
import math
import os
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from nv_one_logger.core import span as span_module
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.span import Span
from nv_one_logger.core.time import TracingTimestamp
from nv_one_logger.exporter.base_json_exporter import BaseJsonExporter, JsonRecord
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.exporter.logger_exporter import LoggerExporter


@pytest.fixture(autouse=True)
def counted_span_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Span ids 1, 2, 3, ... (as UUIDs) instead of random ones."""
    counter = iter(range(1, 1000))
    monkeypatch.setattr(span_module, "new_span_id_int", lambda: next(counter))
    yield


def ts(offset: float) -> TracingTimestamp:
    return TracingTimestamp(1_767_225_600.125 + offset, 5061.000123 + offset)


class OwnJsonEvent(Event):
    """A user event class with its own JSON form."""

    def to_json(self) -> Dict[str, Any]:
        data = super().to_json()
        data["extra"] = ("tuple", 1)
        return data


def scenario(exporter: Any) -> None:
    """Every record type, merged and unmerged spans, odd values (non-ASCII, NaN, big ints, quotes)."""
    root = Span.create("app", span_attributes=Attributes({"who": "d\u00e9mo \u8bad"}), start_time=ts(0))
    exporter.export_start(root)
    leaf = Span.create(
        "load",
        parent_span=root,
        span_attributes=Attributes({"shard": 3}),
        start_event_attributes=Attributes({"phase": "warm"}),
        start_time=ts(1),
    )
    exporter.export_start(leaf)
    leaf.stop(stop_time=ts(1.5))
    exporter.export_stop(leaf)
    loop = Span.create("loop", parent_span=root, start_time=ts(2))
    exporter.export_start(loop)
    values = {"nan": math.nan, "ninf": -math.inf, "big": 10**30, "tiny": -1.5e-300, "l": [1.0, 2.5], "s": 'a"\n'}
    exporter.export_event(Event("metrics", ts(2.5), Attributes(values)), loop)
    exporter.export_event(OwnJsonEvent("own", ts(2.6)), loop)
    exporter.export_error(ErrorEvent(ts(2.7), "loss is NaN", "ValueError", "nan loss", "Traceback\n  x\n"), loop)
    loop.add_attribute("late", "yes")
    loop.stop(stop_event_attributes=Attributes({"why": "done"}), stop_time=ts(3))
    exporter.export_stop(loop)
    bare = Span.create("bare", start_time=ts(3.5))
    exporter.export_start(bare)
    exporter.export_telemetry_data_error(
        TelemetryDataError(ts(3.7), TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "lost 5")
    )
    bare.stop(stop_time=ts(4))
    exporter.export_stop(bare)
    root.stop(stop_time=ts(7))
    exporter.export_stop(root)


def sid(n: int) -> str:
    return str(uuid.UUID(int=n))


S1, S2, S3, S4 = sid(1), sid(2), sid(3), sid(4)
T0 = '{"seconds_since_epoch":1767225600.125,"perf_counter_seconds":5061.000123}'

START_APP = (
    f'"id":"{S1}","name":"app","parent_id":null,"attributes":{{"who":"d\\u00e9mo \\u8bad"}},'
    '"start_event":{"name":"span_start","timestamp":' + T0 + ',"attributes":{"timestamp_msec":1767225600125}}'
)
LOAD_START_EVENT = (
    '"start_event":{"name":"span_start","timestamp":{"seconds_since_epoch":1767225601.125,'
    '"perf_counter_seconds":5062.000123},"attributes":{"phase":"warm","timestamp_msec":1767225601125}}'
)
LOAD_STOP_EVENT = (
    '"stop_event":{"name":"span_stop","timestamp":{"seconds_since_epoch":1767225601.625,'
    '"perf_counter_seconds":5062.500123},"attributes":{"timestamp_msec":1767225601625}}'
)
LOOP_START = (
    f'"id":"{S3}","name":"loop","parent_id":"{S1}","start_event":{{"name":"span_start","timestamp":'
    '{"seconds_since_epoch":1767225602.125,"perf_counter_seconds":5063.000123},'
    '"attributes":{"timestamp_msec":1767225602125}}'
)
BODIES_AFTER_LOOP_START = [
    (
        "event",
        f'"span_id":"{S3}","event":{{"name":"metrics","timestamp":{{"seconds_since_epoch":1767225602.625,'
        '"perf_counter_seconds":5063.500123},"attributes":{"nan":"NaN","ninf":"-Infinity",'
        '"big":1000000000000000000000000000000,"tiny":-1.5e-300,"l":[1.0,2.5],"s":"a\\"\\n",'
        '"timestamp_msec":1767225602625}}',
    ),
    (
        "event",
        f'"span_id":"{S3}","event":{{"name":"own","timestamp":{{"seconds_since_epoch":1767225602.725,'
        '"perf_counter_seconds":5063.600123},"attributes":{"timestamp_msec":1767225602725},"extra":["tuple",1]}',
    ),
    (
        "application_error",
        f'"span_id":"{S3}","event":{{"name":"error","timestamp":{{"seconds_since_epoch":1767225602.825,'
        '"perf_counter_seconds":5063.700123},"attributes":{"error_message":"loss is NaN",'
        '"exception_type":"ValueError","exception_message":"nan loss","exception_traceback":"Traceback\\n  x\\n",'
        '"timestamp_msec":1767225602825}}',
    ),
    (
        "stop",
        f'"id":"{S3}","name":"loop","attributes":{{"late":"yes","duration_msec":1000}},'
        '"stop_event":{"name":"span_stop","timestamp":{"seconds_since_epoch":1767225603.125,'
        '"perf_counter_seconds":5064.000123},"attributes":{"why":"done","timestamp_msec":1767225603125}}',
    ),
]
BARE_START = (
    f'"id":"{S4}","name":"bare","parent_id":null,"start_event":{{"name":"span_start","timestamp":'
    '{"seconds_since_epoch":1767225603.625,"perf_counter_seconds":5064.500123},'
    '"attributes":{"timestamp_msec":1767225603625}}'
)
DATA_ERROR = (
    '"error":{"name":"telemetry_data_error","timestamp":{"seconds_since_epoch":1767225603.825,'
    '"perf_counter_seconds":5064.700123},"attributes":{"error_message":"lost 5",'
    '"telemetry_data_error_type":"incomplete_telemetry_data","timestamp_msec":1767225603825}}'
)
BARE_STOP = (
    f'"id":"{S4}","name":"bare","attributes":{{"duration_msec":500}},"stop_event":{{"name":"span_stop",'
    '"timestamp":{"seconds_since_epoch":1767225604.125,"perf_counter_seconds":5065.000123},'
    '"attributes":{"timestamp_msec":1767225604125}}'
)
APP_STOP = (
    f'"id":"{S1}","name":"app","attributes":{{"who":"d\\u00e9mo \\u8bad","duration_msec":7000}},'
    '"stop_event":{"name":"span_stop","timestamp":{"seconds_since_epoch":1767225607.125,'
    '"perf_counter_seconds":5068.000123},"attributes":{"timestamp_msec":1767225607125}}'
)
LOAD_ID = f'"id":"{S2}","name":"load"'
LOAD_ATTRIBUTES_AT_STOP = '"attributes":{"shard":3,"duration_msec":500}'

MERGED = [
    ("start", START_APP),
    ("complete", f'{LOAD_ID},"parent_id":"{S1}",{LOAD_ATTRIBUTES_AT_STOP},{LOAD_START_EVENT},{LOAD_STOP_EVENT}'),
    ("start", LOOP_START),
    *BODIES_AFTER_LOOP_START,
    ("start", BARE_START),
    ("telemetry_data_error", DATA_ERROR),
    ("stop", BARE_STOP),
    ("stop", APP_STOP),
]
UNMERGED = [
    ("start", START_APP),
    ("start", f'{LOAD_ID},"parent_id":"{S1}","attributes":{{"shard":3}},{LOAD_START_EVENT}'),
    ("stop", f"{LOAD_ID},{LOAD_ATTRIBUTES_AT_STOP},{LOAD_STOP_EVENT}"),
    ("start", LOOP_START),
    *BODIES_AFTER_LOOP_START,
    ("start", BARE_START),
    ("telemetry_data_error", DATA_ERROR),
    ("stop", BARE_STOP),
    ("stop", APP_STOP),
]


def expected_lines(bodies: List[Any]) -> List[str]:
    pid = os.getpid()
    return [f'{{"type":"{kind}","count":{n},"pid":{pid},{body}}}' for n, (kind, body) in enumerate(bodies, 1)]


@pytest.mark.parametrize("merge, bodies", [(True, MERGED), (False, UNMERGED)])
def test_file_exporter_lines_are_exactly_these(tmp_path: Path, merge: bool, bodies: List[Any]) -> None:
    path = tmp_path / "pinned.jsonl"
    exporter = FileExporter(path, merge_start_stop=merge)
    exporter.initialize()
    scenario(exporter)
    exporter.close()
    identity, *lines = path.read_text(encoding="ascii").splitlines()
    assert identity.startswith(f'{{"type":"identity","count":0,"pid":{os.getpid()},"application":')
    assert lines == expected_lines(bodies)


class DictExporter(BaseJsonExporter):
    """Keeps the dicts the base class hands to ``_write`` (no identity header)."""

    writes_identity_record = False

    def __init__(self) -> None:
        super().__init__()
        self.records: List[JsonRecord] = []

    def _write(self, json_dict: JsonRecord) -> None:
        self.records.append(json_dict)


def named_non_finite(value: Any) -> Any:
    """NaN/infinities as the strings the line form writes for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: named_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [named_non_finite(item) for item in value]
    return value


def test_dict_records_encode_to_the_same_lines() -> None:
    """The dict form: the same keys in the same order, the same values (NaN still a float there)."""
    exporter = DictExporter()
    exporter.initialize()
    scenario(exporter)
    exporter.close()
    metrics = exporter.records[3]["event"]["attributes"]
    assert math.isnan(metrics["nan"]) and metrics["ninf"] == -math.inf and metrics["big"] == 10**30
    assert exporter.records[4]["event"]["extra"] == ("tuple", 1)
    encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    text = [encoder.encode(named_non_finite(record)) for record in exporter.records]
    assert text == expected_lines(MERGED)


def test_logger_exporter_lines_are_exactly_these(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test_record_lines_pinned")
    caplog.set_level(logging.INFO, logger=logger.name)
    exporter = LoggerExporter(logger)
    exporter.initialize()
    scenario(exporter)
    exporter.close()
    pid = os.getpid()
    lines = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert lines[:2] == [
        f'[type="start" | count=1 | pid={pid} | id="{S1}" | name="app" | parent_id=null | attributes.who="d\u00e9mo '
        '\u8bad" | start_event.name="span_start" | start_event.timestamp.seconds_since_epoch=1767225600.125 | '
        "start_event.timestamp.perf_counter_seconds=5061.000123 | start_event.attributes.timestamp_msec=1767225600125]",
        f'[type="complete" | count=2 | pid={pid} | id="{S2}" | name="load" | parent_id="{S1}" | attributes.shard=3 | '
        'attributes.duration_msec=500 | start_event.name="span_start" | '
        "start_event.timestamp.seconds_since_epoch=1767225601.125 | start_event.timestamp.perf_counter_seconds="
        '5062.000123 | start_event.attributes.phase="warm" | start_event.attributes.timestamp_msec=1767225601125 | '
        'stop_event.name="span_stop" | stop_event.timestamp.seconds_since_epoch=1767225601.625 | '
        "stop_event.timestamp.perf_counter_seconds=5062.500123 | stop_event.attributes.timestamp_msec=1767225601625]",
    ]
    assert lines[3] == (
        f'[type="event" | count=4 | pid={pid} | span_id="{S3}" | event.name="metrics" | '
        "event.timestamp.seconds_since_epoch=1767225602.625 | event.timestamp.perf_counter_seconds=5063.500123 | "
        "event.attributes.nan=NaN | event.attributes.ninf=-Infinity | event.attributes.big="
        "1000000000000000000000000000000 | event.attributes.tiny=-1.5e-300 | event.attributes.l=[1.0,2.5] | "
        'event.attributes.s="a\\"\\n" | event.attributes.timestamp_msec=1767225602625]'
    )
    assert len(lines) == len(MERGED)
