"""A string enum base class that behaves identically on every supported Python version.

``enum.StrEnum`` only exists from Python 3.11, and the classic ``class X(str, Enum)`` recipe differs from it in
two ways that matter for telemetry: ``str(member)`` is ``"X.MEMBER"`` instead of the value, and the member hashes
by its *name*, so ``{"span_start": 1}[StandardEventName.SPAN_START]`` would fail. Names of spans and events are
used as dictionary keys and written to JSON, so members must be interchangeable with their string values.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, List


class StrEnum(str, Enum):
    """An enum whose members are strings.

    A member compares and hashes equal to its value, ``str(member)`` and ``format(member)`` are the value, and
    ``json.dumps`` writes the value. ``auto()`` produces the lower-cased member name.
    """

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(str.__str__(self), format_spec)

    # Enum defines __hash__ from the member name; a string member must hash like its value.
    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return str.__ne__(self, other)

    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last_values: List[Any]) -> str:
        return name.lower()
