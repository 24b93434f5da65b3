"""A metaclass for process-wide singletons reached through ``X.instance()``."""

from __future__ import annotations

from typing import Any, Dict, Generic, Type, TypeVar

from nv_one_logger.core.internal.locks import fork_safe_lock

T = TypeVar("T")
_C = TypeVar("_C")


class SingletonMeta(type, Generic[T]):
    """Metaclass that makes a class a lazily created, process-wide singleton.

    ``X.instance()`` returns the one instance, creating it (thread-safely, with no arguments) on first use.
    Calling ``X()`` raises ``TypeError``, so that no code path can accidentally make a second, unconfigured
    instance. Each class (including each subclass) has its own instance.

    The metaclass is generic so that a domain library can name the instance type for type checkers:
    ``class Provider(metaclass=SingletonMeta["Provider"])`` makes ``Provider.instance()`` typed as
    ``Provider``. ``metaclass=SingletonMeta`` works as well.

    Tests drop an instance with ``X.reset_instance()`` (equivalently ``SingletonMeta.reset_instance(X)``); the
    next ``X.instance()`` builds a fresh one. Suites that clear ``SingletonMeta._instances`` directly get the
    same effect for every singleton at once.
    """

    _instances: Dict[type, Any] = {}
    """The instance of every singleton class created so far (class -> instance)."""
    _lock = fork_safe_lock()
    """Re-entrant: a singleton's ``__init__`` may itself use another singleton."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        """Refuse direct construction: singletons are reached through ``instance()``."""
        raise TypeError(f"{cls.__name__} cannot be instantiated directly. Use {cls.__name__}.instance() instead.")

    def instance(cls: Type[_C]) -> _C:
        """Return the single instance of ``cls``, creating it on first use."""
        try:
            return SingletonMeta._instances[cls]
        except KeyError:
            pass
        with SingletonMeta._lock:
            if cls not in SingletonMeta._instances:
                SingletonMeta._instances[cls] = super().__call__()  # type: ignore[misc]
            return SingletonMeta._instances[cls]

    def reset_instance(cls) -> None:
        """Forget the instance of ``cls`` (for tests); the next ``instance()`` call creates a new one."""
        with SingletonMeta._lock:
            SingletonMeta._instances.pop(cls, None)
