"""Small general-purpose helpers."""

from __future__ import annotations

import os
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Callable, Iterator, Optional, Type, TypeVar, Union, overload

from nv_one_logger.core.exceptions import OneLoggerError

T = TypeVar("T")


@overload
def evaluate_value(value_or_callable: Callable[[], T]) -> T: ...


@overload
def evaluate_value(value_or_callable: T) -> T: ...


def evaluate_value(value_or_callable: Union[T, Callable[[], T]]) -> T:
    """Return ``value_or_callable()`` if it is callable, else the value itself.

    Configuration fields such as ``world_size_or_fn`` accept either, because some values (the world size, a
    session tag) are only known after the framework has initialized, long after the config was built.
    """
    if callable(value_or_callable):
        return value_or_callable()
    return value_or_callable


@contextmanager
def temporarily_modify_env(var_name: str, new_var: Optional[str] = None) -> Iterator[None]:
    """Set (or, with ``new_var=None``, remove) the environment variable ``var_name`` inside the block.

    The previous state is restored on exit, including "was not set". Not thread-safe: the environment is
    process-wide, so use it in tests and single-threaded set-up code only.
    """
    previous = os.environ.get(var_name)
    try:
        if new_var is None:
            os.environ.pop(var_name, None)
        else:
            os.environ[var_name] = new_var
        yield
    finally:
        if previous is None:
            os.environ.pop(var_name, None)
        else:
            os.environ[var_name] = previous


class MethodPatch:
    """A method replaced by :func:`patch_method`; undo it with :meth:`restore` or by leaving a ``with`` block.

    Attributes:
        owner: the class or object that was patched.
        method_name: the attribute that was replaced.
        original: the original method as looked up on ``owner`` before patching (bound for instances), handy
            for a replacement that wraps it.
    """

    __slots__ = ("_had_own", "_raw_original", "_restored", "method_name", "original", "owner")

    def __init__(self, owner: Any, method_name: str, replacement: Callable[..., Any]) -> None:
        if not hasattr(owner, method_name):
            raise OneLoggerError(f"Cannot patch {owner!r}: it has no attribute {method_name!r}.")
        # staticmethod/classmethod objects are descriptors, not callables, before Python 3.10.
        if not callable(replacement) and not isinstance(replacement, (staticmethod, classmethod)):
            raise OneLoggerError(f"The replacement for {method_name!r} must be callable.")
        self.owner = owner
        self.method_name = method_name
        self.original: Callable[..., Any] = getattr(owner, method_name)
        own_dict = getattr(owner, "__dict__", {})
        self._had_own = method_name in own_dict
        # The raw dict entry keeps staticmethod/classmethod wrappers intact for restore().
        self._raw_original = own_dict.get(method_name)
        self._restored = False
        setattr(owner, method_name, replacement)

    def restore(self) -> None:
        """Put the original back (idempotent). An inherited method is restored by deleting the override."""
        if self._restored:
            return
        self._restored = True
        if self._had_own:
            setattr(self.owner, self.method_name, self._raw_original)
        else:
            delattr(self.owner, self.method_name)

    def __enter__(self) -> MethodPatch:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.restore()


def patch_method(owner: Any, method_name: str, replacement: Callable[..., Any]) -> MethodPatch:
    """Replace ``owner.method_name`` (on a class or a single object) with ``replacement``.

    Domain libraries use this to wrap framework methods (for example a checkpoint ``save``) in spans without
    subclassing. The returned :class:`MethodPatch` restores the original with ``.restore()`` or as a context
    manager::

        patch = patch_method(Trainer, "save", lambda self, *a, **k: traced(original_save, self, *a, **k))
        ...
        patch.restore()

        with patch_method(obj, "step", fake_step):
            ...

    ``replacement`` is set as is: on a class a plain function becomes a method (it receives ``self``); on an
    instance it is called without ``self``. ``patch.original`` holds the method before patching.

    Raises:
        OneLoggerError: ``owner`` has no such attribute or ``replacement`` is not callable.
    """
    return MethodPatch(owner, method_name, replacement)
