from dataclasses import fields
from enum import IntEnum

import pytest

from nv_one_logger.core.attributes import Attribute, Attributes
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.span import NVTXColor


class TrainingAttributes(Attributes):
    @classmethod
    def create(cls, step: int) -> "TrainingAttributes":
        return cls().add("step", step)


class Level(IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    "value", ["x", "", True, False, 0, -5, 2**70, 1.5, float("inf"), [], ["a", "b"], [True], [1, 2], [1.0, 2.5]]
)
def test_valid_values_are_kept(value):
    attribute = Attribute("name", value)
    assert attribute.value == value
    assert type(attribute.value) is type(value)


def test_attribute_is_a_dataclass():
    assert [f.name for f in fields(Attribute)] == ["name", "value"]
    assert Attribute("a", 1) == Attribute("a", 1)
    assert Attribute("a", 1) != Attribute("a", True)  # bool and int are different values here


def test_attribute_numbers_compare_like_python_numbers_but_bools_stay_distinct():
    assert Attribute("x", 10000) == Attribute("x", 10000.0)
    assert Attribute("x", 0.5) != Attribute("x", 1)
    assert Attribute("x", [1, 2]) == Attribute("x", [1.0, 2.0])
    assert Attribute("x", True) != Attribute("x", 1.0) and Attribute("x", 0) != Attribute("x", False)
    assert Attribute("x", [True]) != Attribute("x", [1])
    assert Attribute("x", "1") != Attribute("x", 1)
    assert Attributes({"a": 3, "b": [2]}) == Attributes({"a": 3.0, "b": [2.0]})


def test_list_with_non_primitive_elements_message():
    with pytest.raises(OneLoggerError, match=r"^All elements of a list attribute must be of primitive type\..*'bad'"):
        Attribute("bad", [1, None])


def test_subclasses_of_primitives_are_stored_as_builtins():
    assert type(Attribute("c", NVTXColor.GREEN).value) is str
    assert Attribute("c", NVTXColor.GREEN).value == "green"
    level = Attribute("l", Level.HIGH)
    assert type(level.value) is int and level.value == 3
    listed = Attribute("cs", [NVTXColor.RED, "blue"]).value
    assert listed == ["red", "blue"] and all(type(v) is str for v in listed)


def test_list_is_copied():
    source = [1, 2]
    attribute = Attribute("l", source)
    source.append(3)
    assert attribute.value == [1, 2]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "NoneType"),
        ({"a": 1}, "dict"),
        (b"bytes", "bytes"),
        (object(), "object"),
        ((1, 2), "tuple"),
        ({1}, "set"),
        ([[1]], "list element of type list"),
        ([1, None], "list element of type NoneType"),
        ([{"a": 1}], "list element of type dict"),
        ([1, True], "mix of bool, int"),
        ([True, 1], "mix of bool, int"),
        ([1, 2.0], "mix of float, int"),
        (["a", 1], "mix of int, str"),
    ],
)
def test_invalid_values_raise_naming_the_attribute(value, fragment):
    with pytest.raises(OneLoggerError) as info:
        Attribute("my_attr", value)
    assert "'my_attr'" in str(info.value)
    assert fragment in str(info.value)
    with pytest.raises(OneLoggerError, match="'other'"):
        Attributes({"other": value})
    with pytest.raises(OneLoggerError, match="'third'"):
        Attributes().add("third", value)


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_blank_names_rejected(name):
    with pytest.raises(OneLoggerError, match="blank"):
        Attribute(name, 1)


@pytest.mark.parametrize("name", [None, 1, b"x"])
def test_non_string_names_rejected(name):
    with pytest.raises(OneLoggerError, match="must be a string"):
        Attribute(name, 1)


def test_add_is_chainable_and_add_attribute_returns_it():
    attributes = Attributes()
    assert attributes.add("a", 1).add("b", "x") is attributes
    added = attributes.add_attribute(Attribute("c", 2.5))
    assert added == Attribute("c", 2.5)
    assert attributes.to_json() == {"a": 1, "b": "x", "c": 2.5}
    with pytest.raises(OneLoggerError):
        attributes.add_attribute("not an attribute")  # type: ignore[arg-type]


def test_constructor_and_setitem_validate():
    attributes = Attributes({"a": 1, "b": Attribute("b", "x")})
    assert attributes["a"] == Attribute("a", 1)
    attributes["c"] = [1, 2]
    assert attributes["c"] == Attribute("c", [1, 2])
    attributes["renamed"] = Attribute("other", 5)
    assert attributes["renamed"] == Attribute("renamed", 5)
    with pytest.raises(OneLoggerError, match="'d'"):
        attributes["d"] = None  # type: ignore[assignment]
    with pytest.raises(OneLoggerError):
        Attributes(["a", 1])  # type: ignore[arg-type]


def test_add_attributes_other_wins():
    base = Attributes({"a": 1, "b": 2})
    base.add_attributes(Attributes({"b": 3, "c": 4}))
    assert base.to_json() == {"a": 1, "b": 3, "c": 4}


def test_to_json_returns_copies_of_lists():
    attributes = Attributes({"l": [1, 2]})
    data = attributes.to_json()
    data["l"].append(3)  # type: ignore[union-attr,arg-type]
    assert attributes.to_json() == {"l": [1, 2]}


def test_from_json_round_trip_keeps_subclass():
    original = TrainingAttributes.create(7).add("names", ["a"]).add("ok", True).add("lr", 0.1)
    restored = TrainingAttributes.from_json(original.to_json())
    assert type(restored) is TrainingAttributes
    assert restored == original
    assert Attributes.from_json(None) == Attributes()
    with pytest.raises(OneLoggerError, match="object"):
        Attributes.from_json([1])
    with pytest.raises(OneLoggerError, match="'bad'"):
        Attributes.from_json({"bad": {"nested": 1}})


def test_merge_other_wins_and_returns_calling_class():
    left = Attributes({"a": 1, "b": 2})
    right = TrainingAttributes.create(5).add("b", 20)
    merged = TrainingAttributes.merge(left, right)
    assert type(merged) is TrainingAttributes
    assert merged.to_json() == {"a": 1, "b": 20, "step": 5}
    assert left.to_json() == {"a": 1, "b": 2}  # inputs untouched
    assert type(Attributes.merge(right, None)) is Attributes
    assert Attributes.merge() == Attributes()


def test_typed_getters():
    attributes = Attributes({"b": True, "i": 3, "f": 1.5, "s": "x", "l": [1]})
    assert attributes.get_bool_value("b") is True
    assert attributes.get_int_value("i") == 3
    assert attributes.get_float_value("f") == 1.5
    assert attributes.get_float_value("i") == 3.0 and type(attributes.get_float_value("i")) is float
    assert attributes.get_str_value("s") == "x"
    for getter in ("get_bool_value", "get_int_value", "get_float_value", "get_str_value"):
        assert getattr(attributes, getter)("missing") is None


@pytest.mark.parametrize(
    ("getter", "name"),
    [
        ("get_bool_value", "i"),
        ("get_int_value", "b"),  # bool is not an int here
        ("get_int_value", "f"),
        ("get_float_value", "b"),
        ("get_float_value", "s"),
        ("get_str_value", "i"),
        ("get_str_value", "l"),
    ],
)
def test_typed_getters_reject_wrong_type(getter, name):
    attributes = Attributes({"b": True, "i": 3, "f": 1.5, "s": "x", "l": [1]})
    expected = {"get_bool_value": "a boolean", "get_int_value": "an integer", "get_float_value": "a float"}
    expected["get_str_value"] = "a string"
    with pytest.raises(OneLoggerError, match=f"^Attribute {name} must be {expected[getter]}"):
        getattr(attributes, getter)(name)
