"""A metaclass for process-wide singletons reached through ``X.instance()``."""

from __future__ import annotations

import threading
from typing import Any, Dict


class SingletonMeta(type):
    """Metaclass that makes a class a lazily created, process-wide singleton.

    ``X.instance()`` returns the one instance, creating it (thread-safely, with no arguments) on first use.
    Calling ``X()`` raises ``TypeError``, so that no code path can accidentally make a second, unconfigured
    instance. Each class (including each subclass) has its own instance.

    Tests drop an instance with ``X.reset_instance()`` (equivalently ``SingletonMeta.reset_instance(X)``); the
    next ``X.instance()`` builds a fresh one.
    """

    _instances: Dict[type, Any] = {}
    _lock = threading.RLock()  # re-entrant: a singleton's __init__ may use another singleton

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        """Refuse direct construction: singletons are reached through ``instance()``."""
        raise TypeError(f"{cls.__name__} is a singleton: use {cls.__name__}.instance() instead of calling it.")

    def instance(cls) -> Any:
        """Return the single instance of ``cls``, creating it on first use."""
        try:
            return SingletonMeta._instances[cls]
        except KeyError:
            pass
        with SingletonMeta._lock:
            if cls not in SingletonMeta._instances:
                SingletonMeta._instances[cls] = super().__call__()
            return SingletonMeta._instances[cls]

    def reset_instance(cls) -> None:
        """Forget the instance of ``cls`` (for tests); the next ``instance()`` call creates a new one."""
        with SingletonMeta._lock:
            SingletonMeta._instances.pop(cls, None)
