"""Hypothesis strategies for the API fuzzer: names and attribute values, valid, odd and plainly wrong.

"Valid" is what an attribute may hold (str, bool, int, float, list of one primitive type), including values that break
naive serialisers: NaN and infinities, integers beyond int64, lone UTF-16 surrogates (a Python str that cannot
be encoded as UTF-8), control characters and huge strings. "Invalid" is every other JSON type (null, objects),
mixed and nested (deep) lists, bytes and arbitrary objects: the library must reject those through its
error-handling strategy, never with a stray exception.

Valid values dominate the mix on purpose: under DISABLE_QUIETLY_AND_REPORT_METRIC_ERROR the first invalid value
switches the library off, and a fuzzer that mostly feeds a disabled library finds nothing.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

# Any code point, including the surrogate range (Cs) that hypothesis leaves out by default.
ANY_CHAR = st.characters(exclude_categories=[])

names = st.one_of(
    st.text(max_size=12),
    st.text(ANY_CHAR, max_size=20),
    st.sampled_from(["application", "train", "step", "span_start", "error", "", " ", "a.b.c", "\ud800", "名前"]),
)

# Lone surrogates are 2,048 of 1.1 million code points: drawn uniformly they would almost never appear.
surrogate_texts = st.sampled_from(["\ud800", "a\udfffb", "\udc80\udc81", "name\ud83d"])
texts = st.one_of(st.text(max_size=20), st.text(ANY_CHAR, max_size=40), surrogate_texts)
huge_texts = st.integers(min_value=50_000, max_value=200_000).map(lambda n: "\u00e9\U0001f600x" * (n // 3))
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, math.inf, -math.inf]))
ints = st.one_of(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.integers())

valid_scalars = st.one_of(st.booleans(), ints, floats, texts)
valid_lists = st.one_of(
    st.lists(st.booleans(), max_size=5),
    st.lists(ints, max_size=5),
    st.lists(floats, max_size=5),
    st.lists(texts, max_size=5),
)
valid_values = st.one_of(valid_scalars, valid_lists)

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), ints, floats, texts),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(texts, children, max_size=3)),
    max_leaves=12,
)


def _deep_list(depth: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(depth):
        value = [value]
    return value


invalid_values = st.one_of(
    st.none(),
    st.dictionaries(texts, json_values, max_size=3),
    st.lists(st.one_of(st.integers(), st.text(max_size=3)), min_size=2, max_size=4).filter(
        lambda items: len({type(i) for i in items}) > 1
    ),
    st.integers(min_value=2, max_value=200).map(_deep_list),
    st.binary(max_size=8),
    st.builds(object),
    st.just({1, 2}),
)


def _weighted(roll: int) -> st.SearchStrategy[Any]:
    # Hypothesis favours the ends of a range and shrinks towards 0, so the rare kinds sit in the middle and the
    # shrunk (simplest) form of any value is a valid one.
    if roll == 21:
        return huge_texts
    if roll in (7, 14, 28):
        return invalid_values
    return valid_values


# Out of 40 draws: 1 huge string, 3 invalid values, 36 valid (odd) values.
attribute_values = st.integers(min_value=0, max_value=39).flatmap(_weighted)
attribute_dicts = st.dictionaries(names, attribute_values, max_size=4)
