import json
from enum import auto

import pytest

from nv_one_logger.core.event import StandardEventAttributeName, StandardEventName, TelemetryDataError
from nv_one_logger.core.span import NVTXColor, StandardSpanAttributeName, StandardSpanName
from nv_one_logger.core.str_enum import StrEnum


class Color(StrEnum):
    RED = "red"
    LIGHT_BLUE = auto()


def test_member_equals_and_hashes_like_its_value():
    assert Color.RED == "red"
    assert Color.RED == "red"
    assert Color.RED != "blue"
    assert hash(Color.RED) == hash("red")
    assert {"red": 1}[Color.RED] == 1
    assert {Color.RED: 1}["red"] == 1  # type: ignore[index]
    assert "red" in {Color.RED}


def test_str_format_and_json_are_the_value():
    assert str(Color.RED) == "red"
    assert f"{Color.RED}" == "red"
    assert f"{Color.RED:>5}" == "  red"
    assert "%s" % Color.RED == "red"  # noqa: UP031 - %-formatting is what logging uses
    assert json.dumps({"c": Color.RED}) == '{"c": "red"}'


def test_auto_is_lower_case_name_and_lookup_by_value():
    assert Color.LIGHT_BLUE == "light_blue"
    assert Color("red") is Color.RED
    with pytest.raises(ValueError):
        Color("green")


@pytest.mark.parametrize(
    ("member", "value"),
    [
        (StandardEventName.SPAN_START, "span_start"),
        (StandardEventName.SPAN_STOP, "span_stop"),
        (StandardEventName.ERROR, "error"),
        (StandardEventName.TELEMETRY_DATA_ERROR, "telemetry_data_error"),
        (StandardEventAttributeName.TIMESTAMP_MSEC, "timestamp_msec"),
        (StandardEventAttributeName.ERROR_MESSAGE, "error_message"),
        (StandardEventAttributeName.EXCEPTION_TYPE, "exception_type"),
        (StandardEventAttributeName.EXCEPTION_MESSAGE, "exception_message"),
        (StandardEventAttributeName.EXCEPTION_TRACEBACK, "exception_traceback"),
        (StandardEventAttributeName.TELEMETRY_DATA_ERROR_TYPE, "telemetry_data_error_type"),
        (TelemetryDataError.ErrorType.NO_TELEMETRY_DATA, "no_telemetry_data"),
        (TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA, "incomplete_telemetry_data"),
        (StandardSpanName.APPLICATION, "application"),
        (StandardSpanAttributeName.DURATION_MSEC, "duration_msec"),
        (StandardSpanAttributeName.NVTX_COLOR, "nvtx_color"),
    ],
)
def test_standard_names(member, value):
    assert member == value
    assert str(member) == value
    assert hash(member) == hash(value)


def test_nvtx_colors():
    assert [c.value for c in NVTXColor] == [
        "unset",
        "green",
        "blue",
        "yellow",
        "purple",
        "rapids",
        "cyan",
        "red",
        "white",
        "darkgreen",
        "orange",
    ]
