"""Says how a second configuration differs from the one in use, field by field.

Configuring twice is common in real code (a library and the application both call ``configure_one_logger``, a
notebook cell runs again). An equal configuration is a no-op; a different one is refused, and the refusal is
only useful if it says *what* differs, because the two calls are usually far apart in the code.
"""

from __future__ import annotations

from typing import Any, List

from pydantic import BaseModel

_MAX_VALUE_CHARS = 60


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


def describe_differences(in_use: BaseModel, given: BaseModel, prefix: str = "") -> List[str]:
    """One ``"<field> (<value in use> in use, <value given> given)"`` per differing field, nested with dots.

    Values are compared with ``==``: two equal configurations built separately do not differ, while two
    different callables (``world_size_or_fn=lambda: ...`` built twice) do.
    """
    if type(in_use) is not type(given):
        return [f"{prefix or 'config'} (a {type(in_use).__name__} in use, a {type(given).__name__} given)"]
    differences: List[str] = []
    for name in type(in_use).model_fields:
        old, new = getattr(in_use, name), getattr(given, name)
        if old == new:
            continue
        if isinstance(old, BaseModel) and isinstance(new, BaseModel) and type(old) is type(new):
            differences.extend(describe_differences(old, new, f"{prefix}{name}."))
        else:
            differences.append(f"{prefix}{name} ({_short(old)} in use, {_short(new)} given)")
    return differences
