"""How one ``OTEL_*`` variable is read: the rules every setting of the trace exporter shares.

Why this module exists: the OpenTelemetry specification reads all of its variables the same way. A blank value
counts as unset, ``OTEL_EXPORTER_OTLP_TRACES_*`` wins over ``OTEL_EXPORTER_OTLP_*``, and an invalid value is
ignored with a warning while the default applies. The transport settings (``env``) and the endpoint rules
(``env_endpoint``) both need these rules, and both need to say where a value came from (``Setting.origin``,
printed by ``one-logger doctor``). Keeping the rules here, below both, means a value is never read one way
for one setting and another way for the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Mapping, Optional

TRACES_PREFIX = "OTEL_EXPORTER_OTLP_TRACES_"
GENERIC_PREFIX = "OTEL_EXPORTER_OTLP_"


@dataclass(frozen=True)
class Setting:
    """One resolved value and where it came from (a variable name, ``--endpoint``, or ``"default"``)."""

    value: str
    origin: str

    def __str__(self) -> str:
        return f"{self.value}  ({self.origin})"


def pick(env: Mapping[str, str], suffix: str) -> Optional[Setting]:
    """Return the traces-specific variable, else the generic one (non-blank), with its name."""
    for name in (TRACES_PREFIX + suffix, GENERIC_PREFIX + suffix):
        value = (env.get(name) or "").strip()
        if value:
            return Setting(value, name)
    return None


def positive_number(setting: Optional[Setting], default: float, unit: str, problems: List[str]) -> float:
    """Return the setting as a finite positive number, else ``default`` (and a problem naming the variable)."""
    if setting is None:
        return default
    try:
        value = float(setting.value)
        if value > 0 and value == value and value != float("inf"):
            return value
    except ValueError:
        pass
    problem = f"{setting.origin}={setting.value!r} is not a positive number of {unit}; ignored, {default:g} applies."
    problems.append(problem)
    return default


def is_float(text: str) -> bool:
    """Tell whether ``float()`` accepts ``text`` (what the SDK's own parsing of a variable would need)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def int_setting(env: Mapping[str, str], name: str, default: int, problems: List[str]) -> int:
    """Return the variable ``name`` as a positive integer, else ``default`` (and a problem naming it)."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        problems.append(f"{name}={raw!r} is not a positive integer; ignored, {default} applies.")
        return default
    return value
