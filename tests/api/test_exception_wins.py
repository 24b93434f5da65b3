"""The application's exception always wins, even when it cannot be described.

An exception whose ``__str__`` raises or recurses for ever leaves a ``timed_span`` block, a ``@timed`` function,
generator, ``async def`` function or async generator. Under both error-handling strategies it must reach the
caller unchanged (the same object, not a ``RuntimeError``/``RecursionError`` of the library), the span must be
stopped with the error recorded on it, and the library must stay enabled.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any, Callable, List, Type

import pytest

from nv_one_logger.api.config import OneLoggerErrorHandlingStrategy
from nv_one_logger.api.timed_span import timed, timed_span
from nv_one_logger.core.internal.describe import describe_exception, exception_message, exception_traceback
from nv_one_logger.core.internal.safe_execution import GUARD_STATE
from nv_one_logger.testing import InMemoryExporter
from tests.support.config import DISABLE, PROPAGATE, configure_recorder


class StrRaises(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken")

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ is broken")


class StrRecurses(Exception):
    def __str__(self) -> str:
        return str(self)


class StrNotAString(Exception):
    def __str__(self) -> Any:
        return 42


HOSTILE: List[Type[Exception]] = [StrRaises, StrRecurses, StrNotAString]


def _in_block(exc: Exception) -> None:
    with timed_span("block"):
        raise exc


@timed("sync")
def _sync(exc: Exception) -> None:
    raise exc


@timed("gen")
def _gen(exc: Exception) -> Any:
    yield 1
    raise exc


def _drive_gen(exc: Exception) -> None:
    for _ in _gen(exc):
        pass


@timed("async")
async def _async(exc: Exception) -> None:
    await asyncio.sleep(0)
    raise exc


def _run(coroutine: Any) -> None:
    # Not asyncio.run(): on Python 3.11 it may repr the task, hence the exception (whose __repr__ raises here),
    # while restoring its SIGINT handler; that is asyncio's business, not what these tests are about.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(coroutine)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _drive_async(exc: Exception) -> None:
    _run(_async(exc))


@timed("agen")
async def _agen(exc: Exception) -> Any:
    yield 1
    raise exc


def _drive_agen(exc: Exception) -> None:
    async def consume() -> None:
        async for _ in _agen(exc):
            pass

    _run(consume())


SHAPES: List[Callable[[Exception], None]] = [_in_block, _sync, _drive_gen, _drive_async, _drive_agen]
SPAN_NAMES = {_in_block: "block", _sync: "sync", _drive_gen: "gen", _drive_async: "async", _drive_agen: "agen"}


@pytest.mark.parametrize("strategy", [PROPAGATE, DISABLE], ids=["propagate", "disable"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda f: SPAN_NAMES[f])
@pytest.mark.parametrize("exc_type", HOSTILE, ids=lambda t: t.__name__)
def test_the_application_exception_propagates_unchanged_and_the_span_is_stopped(
    strategy: OneLoggerErrorHandlingStrategy, shape: Callable[[Exception], None], exc_type: Type[Exception]
) -> None:
    exporter = InMemoryExporter()
    configure_recorder(strategy, exporter)
    original = exc_type()
    with pytest.raises(exc_type) as raised:
        shape(original)
    assert raised.value is original
    name = SPAN_NAMES[shape]
    stopped = [span for span in exporter.stopped_spans if span.name_str == name]
    assert len(stopped) == 1 and not stopped[0].active
    errors = [event for event, span in exporter.errors if span.name_str == name]
    assert len(errors) == 1
    assert errors[0].exception_type == exc_type.__name__
    assert exc_type.__name__ in errors[0].error_message
    assert not GUARD_STATE.disabled


@pytest.mark.parametrize("exc_type", HOSTILE, ids=lambda t: t.__name__)
def test_describing_an_exception_never_fails(exc_type: Type[Exception]) -> None:
    try:
        raise exc_type()
    except exc_type as caught:
        exc = caught
    assert exc_type.__name__ in describe_exception(exc)
    assert isinstance(exception_message(exc), str)
    assert exc_type.__name__ in exception_traceback(exc)


def test_describe_exception_reads_like_str_for_ordinary_exceptions() -> None:
    assert describe_exception(ValueError("bad value")) == "ValueError: bad value"
    assert describe_exception(KeyError("k")) == "KeyError: 'k'"
    assert describe_exception(RuntimeError()) == "RuntimeError"


def _unsafe_descriptions(source: str) -> List[int]:
    """Lines where an exception bound by ``except ... as name`` is turned into text without the safe helper."""
    tree = ast.parse(source)
    lines = []
    for handler in ast.walk(tree):
        if not (isinstance(handler, ast.ExceptHandler) and handler.name):
            continue
        for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
            if isinstance(node, ast.FormattedValue) and isinstance(node.value, ast.Name):
                if node.value.id == handler.name:
                    lines.append(node.lineno)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("str", "repr")
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == handler.name
            ):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_unsafe_descriptions() -> None:
    source = "try:\n    pass\nexcept Exception as exc:\n    a = f'{exc}'\n    b = str(exc)\n    c = f'{exc!r}'\n"
    assert _unsafe_descriptions(source) == [4, 5, 6]


def test_package_code_describes_caught_exceptions_with_the_safe_helper() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = [
        f"{path.relative_to(root)}:{line}"
        for path in sorted(root.glob("packages/*/src/**/*.py"))
        for line in _unsafe_descriptions(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "use nv_one_logger.core.internal.describe for: " + ", ".join(offenders)
