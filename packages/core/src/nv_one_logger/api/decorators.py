"""``@timed``: record every call of a function as a span.

Usable as ``@timed``, ``@timed()``, ``@timed("name")`` or ``@timed("name", span_attributes=...)`` on plain
functions, methods (also class and static methods), ``async def`` functions, generators and async generators.
Built on ``wrapt`` so the decorated object keeps its name, docstring, signature and kind:
``inspect.signature``, ``inspect.iscoroutinefunction`` and friends give the same answers as for the original.

The span name defaults to the function's ``__qualname__`` (``"Trainer.train_step"``). The span semantics are
those of :func:`~nv_one_logger.api.timed_span.timed_span`: the exception of a failing call is recorded on the
span and re-raised unchanged, and the span is stopped in every case.

Generators: when recording is on at call time, the span covers the whole iteration, from the first ``next()``
until the generator is exhausted, closed or fails. The generator's body runs in its own copy of the context
(taken at the first ``next()``), so spans opened inside the body are children of the generator's span, while
the consumer's code between two items is *not* (the generator span is not "current" outside the generator).
``send``, ``throw`` and ``close`` are forwarded.
"""

from __future__ import annotations

import contextvars
import inspect
import sys
from enum import Enum
from typing import (
    Any,
    AsyncGenerator,
    Callable,
    ContextManager,
    Dict,
    Generator,
    Optional,
    Tuple,
    TypeVar,
    Union,
    cast,
    overload,
)

from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import name_to_str
from nv_one_logger.core.span import Span, SpanName

# ``Any`` below is the decorated function's own arguments, results and generator values: the application's
# values, passed through untouched (never span, event or attribute data).
F = TypeVar("F", bound=Callable[..., Any])

_Args = Tuple[Any, ...]
_Kwargs = Dict[str, Any]


class _SpanSpec:
    """What to record for each call: the span name and its attributes."""

    __slots__ = ("name", "span_attributes", "start_event_attributes", "timed_span")

    def __init__(
        self,
        name: SpanName,
        span_attributes: Optional[Attributes],
        start_event_attributes: Optional[Attributes],
    ) -> None:
        # Imported here: api.timed_span re-exports this module's ``timed``.
        from nv_one_logger.api.timed_span import timed_span

        self.name = name
        self.span_attributes = span_attributes
        self.start_event_attributes = start_event_attributes
        self.timed_span = timed_span

    def span(self) -> ContextManager[Optional[Span]]:
        return self.timed_span(self.name, self.span_attributes, self.start_event_attributes)


def _recording() -> bool:
    from nv_one_logger.api.one_logger_provider import OneLoggerProvider

    return OneLoggerProvider.instance().one_logger_enabled


def _drive_in_context(gen: Generator[Any, Any, Any], ctx: contextvars.Context) -> Generator[Any, Any, Any]:
    """Equivalent to ``yield from gen``, except that every step of ``gen`` runs inside ``ctx``."""
    send_value: Any = None
    pending: Optional[BaseException] = None
    while True:
        try:
            if pending is None:
                item = ctx.run(gen.send, send_value)
            else:
                exc, pending = pending, None
                item = ctx.run(gen.throw, exc)
        except StopIteration as stop:
            return stop.value
        try:
            send_value = yield item
        except GeneratorExit:
            ctx.run(gen.close)
            raise
        except BaseException as exc:
            pending = exc


def _timed_generator(gen: Generator[Any, Any, Any], spec: _SpanSpec) -> Generator[Any, Any, Any]:
    ctx = contextvars.copy_context()
    scope = spec.span()
    ctx.run(scope.__enter__)
    try:
        result = yield from _drive_in_context(gen, ctx)
    except BaseException:
        if not ctx.run(scope.__exit__, *sys.exc_info()):
            raise
        return None
    ctx.run(scope.__exit__, None, None, None)
    return result


class _InContext:
    """An awaitable that runs the awaitable ``step`` (e.g. ``agen.asend(x)``) inside ``ctx``, step by step."""

    __slots__ = ("ctx", "step")

    def __init__(self, step: Any, ctx: contextvars.Context) -> None:
        self.step = step
        self.ctx = ctx

    def __await__(self) -> Generator[Any, Any, Any]:
        # An awaitable's iterator has the generator protocol (send/throw/close), so the same stepping applies.
        return (yield from _drive_in_context(self.step, self.ctx))


async def _timed_async_generator(agen: AsyncGenerator[Any, Any], spec: _SpanSpec) -> AsyncGenerator[Any, Any]:
    ctx = contextvars.copy_context()
    scope = spec.span()
    ctx.run(scope.__enter__)
    try:
        send_value: Any = None
        pending: Optional[BaseException] = None
        while True:
            try:
                if pending is None:
                    item = await _InContext(agen.asend(send_value), ctx)
                else:
                    exc, pending = pending, None
                    item = await _InContext(agen.athrow(exc), ctx)
            except StopAsyncIteration:
                break
            try:
                send_value = yield item
            except GeneratorExit:
                await _InContext(agen.aclose(), ctx)
                raise
            except BaseException as exc:
                pending = exc
    except BaseException:
        if not ctx.run(scope.__exit__, *sys.exc_info()):
            raise
        return
    ctx.run(scope.__exit__, None, None, None)


def _make_wrapper(func: Callable[..., Any], spec: _SpanSpec) -> Callable[[Any, Any, _Args, _Kwargs], Any]:
    target = getattr(func, "__func__", func)  # classmethod / staticmethod objects
    if inspect.isasyncgenfunction(target):

        def async_gen_wrapper(wrapped: Any, instance: Any, args: _Args, kwargs: _Kwargs) -> Any:
            agen = wrapped(*args, **kwargs)
            return _timed_async_generator(agen, spec) if _recording() else agen

        return async_gen_wrapper
    if inspect.iscoroutinefunction(target):

        async def async_wrapper(wrapped: Any, instance: Any, args: _Args, kwargs: _Kwargs) -> Any:
            with spec.span():
                return await wrapped(*args, **kwargs)

        return async_wrapper
    if inspect.isgeneratorfunction(target):

        def gen_wrapper(wrapped: Any, instance: Any, args: _Args, kwargs: _Kwargs) -> Any:
            gen = wrapped(*args, **kwargs)
            return _timed_generator(gen, spec) if _recording() else gen

        return gen_wrapper

    def sync_wrapper(wrapped: Any, instance: Any, args: _Args, kwargs: _Kwargs) -> Any:
        with spec.span():
            return wrapped(*args, **kwargs)

    return sync_wrapper


def _decorate(
    func: F,
    name: Optional[SpanName],
    span_attributes: Optional[Attributes],
    start_event_attributes: Optional[Attributes],
) -> F:
    target = getattr(func, "__func__", func)
    if not callable(target):
        raise TypeError(f"@timed can only decorate functions and methods, got {type(func).__name__}.")
    if name is None:
        name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or repr(target)
    spec = _SpanSpec(name, span_attributes, start_event_attributes)
    import wrapt  # loaded at the first decoration, not with the API (it costs as much as the rest of the import)

    return cast(F, wrapt.FunctionWrapper(func, _make_wrapper(func, spec)))


@overload
def timed(name: F) -> F: ...


@overload
def timed(
    name: Optional[SpanName] = None,
    *,
    span_attributes: Optional[Attributes] = None,
    start_event_attributes: Optional[Attributes] = None,
) -> Callable[[F], F]: ...


def timed(
    name: Union[SpanName, Callable[..., Any], None] = None,
    *,
    span_attributes: Optional[Attributes] = None,
    start_event_attributes: Optional[Attributes] = None,
) -> Any:
    """Record each call of the decorated function as a span (see the module docstring).

    Args:
        name: the span name (default: the function's ``__qualname__``); when ``@timed`` is used without
            parentheses this is the decorated function itself.
        span_attributes: attributes of every span (copied per call).
        start_event_attributes: attributes of every span's start event.

    Raises:
        OneLoggerError: ``name`` is blank or not a str/enum member, or an attribute value is invalid (at
            decoration time: a programming error that should surface when the module is imported, whatever the
            error-handling strategy).
    """
    if isinstance(name, (classmethod, staticmethod)) or (callable(name) and not isinstance(name, (str, Enum))):
        return _decorate(name, None, None, None)  # bare @timed
    if name is not None:
        name_to_str(name, "@timed span name")
    for attributes in (span_attributes, start_event_attributes):
        if attributes is not None and not isinstance(attributes, Attributes):
            Attributes(attributes)  # validate now: a bad attribute is a bug to see at import time

    def decorator(func: F) -> F:
        return _decorate(func, name, span_attributes, start_event_attributes)

    return decorator
