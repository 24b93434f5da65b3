"""Property tests: every valid attribute value survives a JSON round trip with its exact type."""

import json

from hypothesis import given
from hypothesis import strategies as st

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.core.time import TracingTimestamp

floats = st.floats(allow_nan=False)
scalars = st.one_of(st.text(), st.booleans(), st.integers(), floats)
values = st.one_of(
    scalars,
    st.lists(st.text(), max_size=5),
    st.lists(st.booleans(), max_size=5),
    st.lists(st.integers(), max_size=5),
    st.lists(floats, max_size=5),
)
names = st.text(min_size=1).filter(lambda name: name.strip() != "")


@given(st.dictionaries(names, values, max_size=8))
def test_attributes_json_round_trip_is_type_exact(data):
    attributes = Attributes(data)
    restored = Attributes.from_json(json.loads(json.dumps(attributes.to_json())))
    assert restored == attributes
    for name, attribute in restored.items():
        original = attributes[name].value
        assert type(attribute.value) is type(original)
        if isinstance(original, list):
            assert [type(v) for v in attribute.value] == [type(v) for v in original]  # type: ignore[union-attr]


@given(st.dictionaries(names, values, max_size=4), st.floats(1e9, 2e9), st.floats(0, 1e6))
def test_event_json_round_trip(data, seconds, perf):
    event = Event("e", TracingTimestamp(seconds, perf), Attributes(data))
    assert Event.from_json(json.loads(json.dumps(event.to_json()))) == event
