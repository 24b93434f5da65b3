"""The record shapes of ``json_line``: the one definition of each record type, rendered as a line or a dict."""

from __future__ import annotations

import json

import pytest

from nv_one_logger.exporter.json_line import (
    APPLICATION_ERROR,
    COMPLETE,
    EVENT,
    START,
    STOP,
    TELEMETRY_DATA_ERROR,
    RecordShape,
    encode_value,
)

SHAPES = [START, STOP, COMPLETE, EVENT, APPLICATION_ERROR, TELEMETRY_DATA_ERROR]


def field_value(name: str) -> object:
    return {"nested": [1, 2.5, name]} if name.endswith("event") or name == "error" else f"value of {name}"


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.type)
@pytest.mark.parametrize("with_optional", [True, False])
def test_a_line_is_the_encoding_of_the_dict_of_the_same_values(shape: RecordShape, with_optional: bool) -> None:
    values = tuple(None if name == shape.optional and not with_optional else field_value(name) for name in shape.fields)
    record = shape.record(7, 4242, values)
    line = shape.line(7, 4242, tuple(None if value is None else encode_value(value) for value in values))
    assert line == encode_value(record)
    expected_keys = ["type", "count", "pid", *(f for f in shape.fields if with_optional or f != shape.optional)]
    assert list(json.loads(line)) == list(record) == expected_keys
    assert record["type"] == shape.type and record["count"] == 7 and record["pid"] == 4242


def test_none_is_a_value_except_in_the_optional_field() -> None:
    record = START.record(1, 2, ("i", "n", None, None, {}))
    assert record == {
        "type": "start",
        "count": 1,
        "pid": 2,
        "id": "i",
        "name": "n",
        "parent_id": None,
        "start_event": {},
    }


@pytest.mark.parametrize("names", [("bad type", "a"), ("t", "a-b"), ("t", 'x":1,"y')])
def test_only_identifiers_become_part_of_a_shape(names: tuple) -> None:
    with pytest.raises(ValueError, match="identifiers"):
        RecordShape(*names)
