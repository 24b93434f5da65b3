import asyncio
import inspect

import pytest

from nv_one_logger.api import decorators
from nv_one_logger.api.timed_span import timed, timed_span
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import PROPAGATE, configure_recorder


@pytest.fixture
def exporter():
    exporter = InMemoryExporter()
    configure_recorder(PROPAGATE, exporter)
    return exporter


@timed
def add(a: int, b: int = 2, *, scale: float = 1.0) -> float:
    """Add two numbers."""
    return (a + b) * scale


@timed("custom_name", span_attributes={"kind": "io"})
def load(path: str) -> str:
    """Load something."""
    with timed_span("inside_load"):
        return path.upper()


@timed()
async def fetch(delay: float) -> str:
    """Fetch asynchronously."""
    await asyncio.sleep(delay)
    with timed_span("inside_fetch"):
        return "fetched"


@timed
def numbers(limit: int):
    """Yield numbers."""
    for number in range(limit):
        with timed_span(f"produce{number}"):
            pass
        yield number


@timed
async def async_numbers(limit: int):
    """Yield numbers asynchronously."""
    for number in range(limit):
        await asyncio.sleep(0)
        with timed_span(f"aproduce{number}"):
            pass
        yield number


class Trainer:
    """A class with decorated methods."""

    def __init__(self) -> None:
        self.steps = 0

    @timed
    def train_step(self, batch: list) -> int:
        """One step."""
        self.steps += 1
        return len(batch)

    @timed
    @classmethod
    def build(cls, name: str) -> "Trainer":
        """Build one."""
        return cls()

    @timed
    @staticmethod
    def helper(x: int) -> int:
        """Static helper."""
        return x * 2

    @timed("Trainer.evaluate", span_attributes={"split": "val"})
    async def evaluate(self) -> float:
        """Evaluate."""
        return 0.5


def _undecorated_add(a: int, b: int = 2, *, scale: float = 1.0) -> float: ...


def test_introspection_is_preserved():
    assert add.__name__ == "add"
    assert add.__qualname__ == "add"
    assert add.__doc__ == "Add two numbers."
    assert inspect.signature(add) == inspect.signature(_undecorated_add)
    assert inspect.signature(Trainer.train_step) == inspect.signature(Trainer.train_step.__wrapped__)
    assert inspect.signature(Trainer().train_step).parameters.keys() == {"batch"}
    assert fetch.__name__ == "fetch" and fetch.__doc__ == "Fetch asynchronously."
    assert inspect.iscoroutinefunction(fetch)
    assert inspect.iscoroutinefunction(Trainer.evaluate)
    assert inspect.isgeneratorfunction(numbers)
    assert inspect.isasyncgenfunction(async_numbers)
    assert not inspect.iscoroutinefunction(add)
    assert Trainer.train_step.__name__ == "train_step"
    assert Trainer.train_step.__doc__ == "One step."


def test_sync_function(exporter):
    assert add(1, scale=2.0) == 6.0
    assert exporter.span_names() == ["add"]
    assert exporter.stopped_spans[0].name_str == "add"


def test_custom_name_attributes_and_nested_spans(exporter):
    assert load("x") == "X"
    assert load("y") == "Y"
    outer = [s for s in exporter.stopped_spans if s.name_str == "custom_name"]
    inner = [s for s in exporter.stopped_spans if s.name_str == "inside_load"]
    assert len(outer) == 2 and len(inner) == 2
    assert outer[0].attributes.get_str_value("kind") == "io"
    assert inner[0].parent_span is outer[0] and inner[1].parent_span is outer[1]


def test_async_function(exporter):
    async def main():
        with timed_span("main") as main_span:
            results = await asyncio.gather(fetch(0), fetch(0.001), fetch(0))
        return main_span, results

    main_span, results = asyncio.run(main())
    assert results == ["fetched"] * 3
    fetches = [s for s in exporter.stopped_spans if s.name_str == "fetch"]
    assert len(fetches) == 3 and all(s.parent_span is main_span for s in fetches)
    for inner in (s for s in exporter.stopped_spans if s.name_str == "inside_fetch"):
        assert inner.parent_span in fetches


def test_generator_span_covers_the_iteration_and_is_not_current_for_the_consumer(exporter):
    with timed_span("consumer") as consumer:
        seen = []
        for number in numbers(3):
            with timed_span(f"consume{number}") as consume:
                seen.append((number, consume))
    assert [n for n, _ in seen] == [0, 1, 2]
    gen_span = exporter.find_span("numbers")
    assert gen_span.parent_span is consumer
    assert all(consume.parent_span is consumer for _, consume in seen)  # not the generator's span
    produced = [s for s in exporter.stopped_spans if s.name_str.startswith("produce")]
    assert len(produced) == 3 and all(s.parent_span is gen_span for s in produced)
    assert not gen_span.active
    assert exporter.stopped_spans.index(gen_span) < exporter.stopped_spans.index(consumer)


def test_generator_closed_early_stops_its_span(exporter):
    gen = numbers(10)
    assert next(gen) == 0
    gen.close()
    span = exporter.find_span("numbers")
    assert not span.active and exporter.errors == []


def test_generator_exception_is_recorded_and_reraised(exporter):
    @timed
    def failing():
        yield 1
        raise ValueError("broken generator")

    with pytest.raises(ValueError, match="broken generator"):
        list(failing())
    assert len(exporter.errors) == 1
    assert exporter.errors[0][1].name_str.endswith("failing")


def test_generator_send_and_return_value_are_forwarded(exporter):
    @timed
    def accumulator():
        total = 0
        while True:
            value = yield total
            if value is None:
                return total
            total += value

    gen = accumulator()
    assert next(gen) == 0
    assert gen.send(5) == 5
    assert gen.send(2) == 7
    with pytest.raises(StopIteration) as info:
        gen.send(None)
    assert info.value.value == 7
    assert not exporter.find_span(accumulator.__qualname__).active


def test_generator_throw_is_forwarded(exporter):
    @timed
    def resilient():
        while True:
            try:
                yield "ok"
            except KeyError:
                yield "recovered"

    gen = resilient()
    assert next(gen) == "ok"
    assert gen.throw(KeyError("x")) == "recovered"
    gen.close()
    assert exporter.errors == []


def test_async_generator(exporter):
    async def main():
        with timed_span("consumer") as consumer:
            items = []
            async for _number in async_numbers(3):
                with timed_span("consume") as consume:
                    items.append(consume)
        return consumer, items

    consumer, consumes = asyncio.run(main())
    agen_span = exporter.find_span("async_numbers")
    assert agen_span.parent_span is consumer and not agen_span.active
    assert all(c.parent_span is consumer for c in consumes)
    produced = [s for s in exporter.stopped_spans if s.name_str.startswith("aproduce")]
    assert len(produced) == 3 and all(s.parent_span is agen_span for s in produced)


def test_async_generator_exception_and_aclose(exporter):
    @timed
    async def failing():
        yield 1
        raise RuntimeError("async gen failed")

    async def consume_all():
        return [x async for x in failing()]

    with pytest.raises(RuntimeError, match="async gen failed"):
        asyncio.run(consume_all())
    assert len(exporter.errors) == 1

    async def close_early():
        agen = async_numbers(5)
        assert await agen.__anext__() == 0
        await agen.aclose()

    asyncio.run(close_early())
    spans = [s for s in exporter.started_spans if s.name_str == "async_numbers"]
    assert len(spans) == 1 and not spans[0].active


def test_methods(exporter):
    trainer = Trainer.build("t")
    assert isinstance(trainer, Trainer)
    assert trainer.train_step([1, 2, 3]) == 3
    assert Trainer.helper(4) == 8
    assert asyncio.run(trainer.evaluate()) == 0.5
    assert trainer.steps == 1
    assert exporter.span_names() == ["Trainer.build", "Trainer.train_step", "Trainer.helper", "Trainer.evaluate"]
    evaluate = exporter.find_span("Trainer.evaluate")
    assert evaluate.attributes.get_str_value("split") == "val"


def test_exception_in_decorated_function_is_reraised_unchanged(exporter):
    error = LookupError("missing")

    @timed
    def broken():
        raise error

    with pytest.raises(LookupError) as info:
        broken()
    assert info.value is error
    assert exporter.errors[0][0].exception_type == "LookupError"
    assert len(exporter.stopped_spans) == 1


def test_decorated_functions_run_normally_when_not_configured():
    assert add(1) == 3.0
    assert list(numbers(2)) == [0, 1]
    assert asyncio.run(fetch(0)) == "fetched"

    async def collect():
        return [x async for x in async_numbers(2)]

    assert asyncio.run(collect()) == [0, 1]


@pytest.mark.parametrize("bad_name", ["", "   ", 12])
def test_invalid_name_is_rejected_at_decoration(bad_name):
    with pytest.raises(OneLoggerError):
        timed(bad_name)


def test_invalid_attributes_are_rejected_at_decoration():
    with pytest.raises(OneLoggerError, match="weights"):
        timed("name", span_attributes={"weights": None})
    with pytest.raises(OneLoggerError, match="shape"):
        timed(start_event_attributes={"shape": (1, 2)})


def test_decorating_a_non_callable_raises_type_error():
    with pytest.raises(TypeError):
        timed("name")(42)


def test_timed_is_re_exported_from_timed_span_module():
    from nv_one_logger.api import timed_span as timed_span_module

    assert timed_span_module.timed is decorators.timed
