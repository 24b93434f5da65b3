import logging
import os
import threading
import uuid

import pytest

from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.internal.logging import StderrUnlessConfiguredHandler, get_logger
from nv_one_logger.core.internal.singleton import SingletonMeta
from nv_one_logger.core.internal.utils import evaluate_value, patch_method, temporarily_modify_env
from nv_one_logger.core.internal.version import get_version


def test_evaluate_value():
    assert evaluate_value(3) == 3
    assert evaluate_value(lambda: 4) == 4
    assert evaluate_value("s") == "s"


def test_temporarily_modify_env_sets_and_restores():
    name = f"ONE_LOGGER_TEST_{uuid.uuid4().hex}"
    with temporarily_modify_env(name, "v"):
        assert os.environ[name] == "v"
    assert name not in os.environ
    os.environ[name] = "old"
    try:
        with temporarily_modify_env(name, None):
            assert name not in os.environ
        assert os.environ[name] == "old"
        with pytest.raises(RuntimeError), temporarily_modify_env(name, "new"):
            raise RuntimeError
        assert os.environ[name] == "old"
    finally:
        del os.environ[name]


class Greeter:
    def hello(self) -> str:
        return "hello"

    @staticmethod
    def static() -> str:
        return "static"


class LoudGreeter(Greeter):
    pass


def test_patch_method_on_class_and_restore():
    patch = patch_method(Greeter, "hello", lambda self: "patched")
    assert Greeter().hello() == "patched"
    patch.restore()
    patch.restore()  # idempotent
    assert Greeter().hello() == "hello"


def test_patch_method_context_manager_and_original():
    greeter = Greeter()
    with patch_method(greeter, "hello", lambda: "instance") as patch:
        assert greeter.hello() == "instance"
        assert patch.original() == "hello"
        assert Greeter().hello() == "hello"
    assert greeter.hello() == "hello"
    assert "hello" not in vars(greeter)


def test_patch_inherited_method_restores_inheritance():
    with patch_method(LoudGreeter, "hello", lambda self: "loud"):
        assert LoudGreeter().hello() == "loud" and Greeter().hello() == "hello"
    assert "hello" not in vars(LoudGreeter)
    assert LoudGreeter().hello() == "hello"


def test_patch_staticmethod_restores_descriptor():
    with patch_method(Greeter, "static", staticmethod(lambda: "new")):
        assert Greeter.static() == "new"
    assert Greeter().static() == "static"
    assert isinstance(vars(Greeter)["static"], staticmethod)


def test_patch_method_errors():
    with pytest.raises(OneLoggerError, match="no attribute 'missing'"):
        patch_method(Greeter, "missing", lambda: None)
    with pytest.raises(OneLoggerError, match="callable"):
        patch_method(Greeter, "hello", 5)  # type: ignore[arg-type]


class Counter(metaclass=SingletonMeta):
    created = 0

    def __init__(self) -> None:
        Counter.created += 1


class SubCounter(Counter):
    pass


class Typed(metaclass=SingletonMeta["Typed"]):
    """Declared the way domain libraries declare their providers (a subscripted, generic metaclass)."""

    def __init__(self) -> None:
        self.value = 7


def test_singleton_metaclass_is_subscriptable_and_generic():
    assert type(Typed) is SingletonMeta
    first = Typed.instance()
    assert isinstance(first, Typed) and first.value == 7 and Typed.instance() is first
    assert SingletonMeta._instances[Typed] is first
    with pytest.raises(TypeError, match=r"^Typed cannot be instantiated directly\. Use Typed\.instance\(\) instead\.$"):
        Typed()
    assert isinstance(SingletonMeta._lock, type(threading.RLock()))


def test_singleton_dropped_from_instances_is_created_again():
    first = Typed.instance()
    del SingletonMeta._instances[Typed]
    assert Typed.instance() is not first


def test_singleton_creation_is_reentrant():
    class Outer(metaclass=SingletonMeta["Outer"]):
        def __init__(self) -> None:
            self.inner = Typed.instance()  # another singleton built while the lock is held

    Typed.reset_instance()
    assert Outer.instance().inner is Typed.instance()


def test_singleton_instance_and_direct_call():
    Counter.reset_instance()
    first = Counter.instance()
    assert Counter.instance() is first
    with pytest.raises(TypeError, match=r"Counter cannot be instantiated directly. Use Counter.instance\(\)"):
        Counter()
    assert SubCounter.instance() is not first and isinstance(SubCounter.instance(), SubCounter)


def test_singleton_reset_creates_new_instance():
    first = Counter.instance()
    SingletonMeta.reset_instance(Counter)
    second = Counter.instance()
    assert second is not first
    Counter.reset_instance()
    assert Counter.instance() is not second


def test_singleton_is_created_once_across_threads():
    Counter.reset_instance()
    before = Counter.created
    barrier = threading.Barrier(16)
    seen = []

    def worker():
        barrier.wait()
        seen.append(Counter.instance())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter.created == before + 1
    assert all(instance is seen[0] for instance in seen)


def test_get_logger_is_child_of_library_logger():
    assert get_logger("x").name == "nv_one_logger.x"
    assert get_logger("nv_one_logger.recorder").name == "nv_one_logger.recorder"
    assert get_logger("nv_one_logger").name == "nv_one_logger"
    root = logging.getLogger("nv_one_logger")
    assert any(isinstance(h, StderrUnlessConfiguredHandler) for h in root.handlers)


def test_library_stderr_handler_is_silent_when_the_root_logger_has_a_handler(capsys):
    # pytest's logging plugin puts a handler on the root logger, as an application that configured logging
    # would; the stderr case is tested in a subprocess (tests/api/test_warnings_once.py).
    assert logging.getLogger().handlers
    get_logger("quiet").warning("goes to the application's handlers only")
    assert capsys.readouterr().err == ""


def test_get_version():
    assert get_version("pytest") == pytest.__version__
    assert get_version("nv-one-logger-core") != "unknown"
    assert get_version("definitely-not-installed-" + uuid.uuid4().hex) == "unknown"
