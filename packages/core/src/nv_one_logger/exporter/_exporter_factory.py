"""Turning an :class:`ExporterConfig` into an exporter object, safely.

Internal to :mod:`nv_one_logger.exporter.export_config_manager`. The safety rule: a config file must not be a
way to run code. Resolving ``class_name`` has to import its module (that cannot be avoided, and importing an
installed module is what any plugin system does), but the resolved object is only ever *called* after it has
been checked to be a concrete subclass of :class:`Exporter` and the keyword arguments have been checked
against its constructor. ``subprocess.Popen``, ``os.system``, modules and plain functions are refused before
anything is called.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Type

from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.exporter.exporter import Exporter
from nv_one_logger.exporter.exporter_config import ExporterConfig, ExporterConfigError

#: Name of the constructor parameter that receives the OneLoggerConfig, when the exporter declares it.
ONE_LOGGER_CONFIG_PARAM = "one_logger_config"


def resolve_exporter_class(class_name: str) -> Type[Exporter]:
    """Import the object named by ``class_name`` and return it if it is a concrete :class:`Exporter` subclass.

    ``class_name`` is ``"pkg.module.Class"`` or ``"pkg.module:Class"`` (nested attributes allowed after the
    colon). Nothing is called besides the module import.

    Raises:
        ExporterConfigError: the module cannot be imported, the attribute does not exist, or the object is not
            a concrete Exporter subclass (the message names ``class_name`` and what it resolved to).
    """
    obj = _import_object(class_name.strip())
    if not inspect.isclass(obj) or not issubclass(obj, Exporter):
        raise ExporterConfigError(
            f"refusing exporter class_name {class_name!r}: it resolves to {_describe(obj)}, which is not a "
            f"subclass of {Exporter.__module__}.{Exporter.__qualname__}; only Exporter subclasses can be "
            "created from configuration"
        )
    if inspect.isabstract(obj):
        missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
        raise ExporterConfigError(
            f"refusing exporter class_name {class_name!r}: {obj.__qualname__} is abstract (missing: {missing})"
        )
    return obj


def prepare_kwargs(
    exporter_class: Type[Exporter], exporter_config: ExporterConfig, one_logger_config: Optional[Any] = None
) -> Dict[str, Any]:
    """Build and check the constructor keyword arguments for ``exporter_class`` without calling it.

    A ``file_path`` string becomes a :class:`~pathlib.Path`; ``one_logger_config`` is added only when the
    constructor declares a parameter of that name (and the configuration did not set it).

    Raises:
        ExporterConfigError: an argument the constructor does not accept (named), or a required argument
            that the configuration does not give.
    """
    kwargs: Dict[str, Any] = dict(exporter_config.config)
    if isinstance(kwargs.get("file_path"), str):
        kwargs["file_path"] = Path(kwargs["file_path"]).expanduser()
    try:
        signature = inspect.signature(exporter_class)
    except (TypeError, ValueError):
        # No introspectable signature (rare, e.g. C extensions): let the constructor check its arguments.
        return kwargs
    parameters = signature.parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    by_keyword = {
        name
        for name, p in parameters.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    if one_logger_config is not None and ONE_LOGGER_CONFIG_PARAM in by_keyword:
        kwargs.setdefault(ONE_LOGGER_CONFIG_PARAM, one_logger_config)
    if not accepts_any:
        unknown = sorted(key for key in kwargs if key not in by_keyword)
        if unknown:
            accepted = ", ".join(sorted(by_keyword)) or "none"
            raise ExporterConfigError(
                f"exporter {exporter_config.class_name!r} does not accept the argument(s) "
                f"{', '.join(repr(k) for k in unknown)} (it accepts: {accepted})"
            )
    missing = [
        name
        for name, p in parameters.items()
        if p.default is inspect.Parameter.empty
        and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        and name not in kwargs
    ]
    if missing:
        raise ExporterConfigError(
            f"exporter {exporter_config.class_name!r} needs the argument(s) {', '.join(repr(m) for m in missing)} "
            "in its 'config'"
        )
    return kwargs


def check_exporter_config(
    exporter_config: ExporterConfig, one_logger_config: Optional[Any] = None
) -> Tuple[Type[Exporter], Dict[str, Any]]:
    """Resolve the class and check the arguments of one entry; nothing is instantiated (used by the doctor)."""
    exporter_class = resolve_exporter_class(exporter_config.class_name)
    return exporter_class, prepare_kwargs(exporter_class, exporter_config, one_logger_config)


def build_exporter(exporter_config: ExporterConfig, one_logger_config: Optional[Any] = None) -> Exporter:
    """Create the exporter described by ``exporter_config``.

    Raises:
        ExporterConfigError: the class is refused or cannot be resolved, the arguments do not fit, or the
            constructor raised (the original exception is chained).
    """
    exporter_class, kwargs = check_exporter_config(exporter_config, one_logger_config)
    try:
        return exporter_class(**kwargs)
    except Exception as e:
        raise ExporterConfigError(
            f"exporter {exporter_config.class_name!r} raised in its constructor: {describe_exception(e)}"
        ) from e


def _import_object(class_name: str) -> Any:
    if ":" in class_name:
        module_name, _, attribute_path = class_name.partition(":")
        module = _import_module(class_name, module_name)
        return _get_attribute(class_name, module, attribute_path)
    parts = class_name.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        raise ExporterConfigError(
            f"exporter class_name {class_name!r} must be a dotted path like 'package.module.ClassName' "
            "or 'package.module:ClassName'"
        )
    # Try the longest importable module prefix first, so both "pkg.mod.Class" and "pkg.mod.Outer.Inner" work.
    not_found: Optional[ModuleNotFoundError] = None
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name is not None and (module_name == e.name or module_name.startswith(e.name + ".")):
                not_found = not_found or e
                continue  # this prefix is not a module; try a shorter one
            raise _import_failed(class_name, module_name, e) from e
        except Exception as e:
            raise _import_failed(class_name, module_name, e) from e
        try:
            return _get_attribute(class_name, module, ".".join(parts[split:]))
        except ExporterConfigError:
            # In a package a missing name is most likely a missing submodule: report that, not the attribute.
            if not_found is None or not hasattr(module, "__path__"):
                raise
            break
    raise ExporterConfigError(
        f"cannot import exporter class {class_name!r}: no module named {not_found.name if not_found else parts[0]!r}"
        " (is the distribution that provides it installed?)"
    )


def _import_module(class_name: str, module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except Exception as e:
        raise _import_failed(class_name, module_name, e) from e


def _import_failed(class_name: str, module_name: str, error: Exception) -> ExporterConfigError:
    """Return the error for a module that exists but raised while it was imported (its own error described)."""
    return ExporterConfigError(
        f"cannot import exporter class {class_name!r}: module {module_name!r} failed to import: "
        f"{describe_exception(error)}"
    )


def _get_attribute(class_name: str, module: Any, attribute_path: str) -> Any:
    obj = module
    for attribute in attribute_path.split("."):
        # Reading a module or class attribute does not call the object we are about to check.
        if not attribute.isidentifier() or not hasattr(obj, attribute):
            raise ExporterConfigError(
                f"cannot import exporter class {class_name!r}: {module.__name__!r} has no attribute {attribute_path!r}"
            )
        obj = getattr(obj, attribute)
    return obj


def _describe(obj: Any) -> str:
    if inspect.ismodule(obj):
        return f"the module {obj.__name__}"
    if inspect.isclass(obj):
        return f"the class {obj.__module__}.{obj.__qualname__}"
    if callable(obj):
        return f"the {type(obj).__name__} {getattr(obj, '__qualname__', repr(obj))}"
    return f"a {type(obj).__name__} value"
