"""Values the application passes as data: raise under PROPAGATE_EXCEPTIONS, never raise under the quiet strategy.

Under DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR a bad attribute value, attribute name, attribute container or name
is left out (or replaced by its text), the library stays enabled, and each kind of bad value is reported once as
a telemetry data error (and counted every time).
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import pytest

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attribute, Attributes
from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.safe_execution import GUARD_STATE
from nv_one_logger.core.span import Span
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, configure_recorder


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


BAD_VALUES: Dict[str, Any] = {
    "None": None,
    "dict": {"a": 1},
    "bytes": b"x",
    "object": Unprintable(),
    "tuple": (1, 2),
    "mixed list": [1, "a"],
    "nested list": [[1]],
    "list with None": [1.0, None],
}

CALLS: Dict[str, Callable[[], Any]] = {
    "Event.create value": lambda: Event.create("metrics", {"best_val": None, "loss": 0.5}),
    "Event.create name key": lambda: Event.create("metrics", {None: 1, "loss": 0.5}),
    "Event.create blank key": lambda: Event.create("metrics", {" ": 1, "loss": 0.5}),
    "Event.create container": lambda: Event.create("metrics", [("loss", 0.5)]),  # type: ignore[arg-type]
    "Event.create name": lambda: Event.create(None),  # type: ignore[arg-type]
    "Event.create blank name": lambda: Event.create("  "),
    "Attributes()": lambda: Attributes({"best_val": None, "loss": 0.5}),
    "Attributes.add": lambda: Attributes().add("best_val", None),
    "Attributes[]": lambda: Attributes().__setitem__("best_val", None),
    "Attribute": lambda: Attribute("best_val", None),
    "ErrorEvent message": lambda: ErrorEvent.create(None),  # type: ignore[arg-type]
    "ErrorEvent exception": lambda: ErrorEvent.create("failed", exception="not an exception"),  # type: ignore[arg-type]
    "Span.create attributes": lambda: Span.create("s", span_attributes={"best_val": None}),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_bad_data_raises_under_propagate(call: str) -> None:
    configure_recorder(PROPAGATE)
    with pytest.raises(OneLoggerError):
        CALLS[call]()


@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_bad_data_never_raises_under_the_quiet_strategy(call: str) -> None:
    exporter = InMemoryExporter()
    configure_recorder(DISABLE, exporter)
    CALLS[call]()
    CALLS[call]()
    assert not GUARD_STATE.disabled
    assert GUARD_STATE.bad_data_count == 2
    errors = exporter.telemetry_data_errors
    assert len(errors) == 1, [e.error_message for e in errors]  # reported once per kind, counted every time
    assert isinstance(errors[0], TelemetryDataError)
    assert "could not record a value" in errors[0].error_message


def test_the_issue_example_keeps_the_good_values_and_the_event() -> None:
    exporter = InMemoryExporter()
    configure_recorder(DISABLE, exporter)
    with timed_span("epoch") as span:
        event = Event.create("metrics", {"best_val": None, "loss": 0.5})
        get_recorder().event(span, event)
    assert dict(event.attributes.to_json(), timestamp_msec=0) == {"loss": 0.5, "timestamp_msec": 0}
    recorded = [e for e, s in exporter.events if e.name_str == "metrics"]
    assert recorded == [event]
    assert [s.name_str for s in exporter.stopped_spans] == ["epoch"]
    assert "best_val" in exporter.telemetry_data_errors[0].error_message


@pytest.mark.parametrize("value", list(BAD_VALUES.values()), ids=list(BAD_VALUES))
def test_every_bad_value_is_left_out_of_spans_and_events(value: Any) -> None:
    exporter = InMemoryExporter()
    configure_recorder(DISABLE, exporter)
    with timed_span("s", span_attributes={"bad": value, "good": 1}) as span:
        assert span is not None
        span.add_attribute("bad_later", value)
        span.add_attributes({"bad_too": value, "good_later": 2})  # type: ignore[dict-item]
        get_recorder().event(span, Event.create("e", {"bad": value, "good": 3}))
    stopped = exporter.stopped_spans[0]
    assert set(stopped.attributes) == {"good", "good_later", "duration_msec", "bad_later"}
    assert type(stopped.attributes["bad_later"].value) is str  # a lone Attribute carries the value's text
    assert set(exporter.events[0][0].attributes) == {"good", "timestamp_msec"}
    assert not GUARD_STATE.disabled
    assert GUARD_STATE.bad_data_count == 4


def test_unconfigured_library_still_raises() -> None:
    with pytest.raises(OneLoggerError, match="best_val"):
        Event.create("metrics", {"best_val": None})
