"""Ints too long for ``str()``: one conversion rule for every exporter, so one poison value costs one value.

Python refuses to turn an ``int`` of more than ``sys.get_int_max_str_digits()`` decimal digits (4,300 by default)
into text: ``str``, ``json.dumps`` and the OTLP encoder raise ``ValueError``. An attribute holding such an int
(a hash, a product of many numbers) must not cost its record, its batch or its file. Such an int is written as a
string of its hexadecimal form (``"0x..."``: exact, and linear to compute, unlike decimal), cut to
``MAX_HEX_DIGITS`` digits with ``"...(<bits> bits)"`` when longer. Every conversion is counted
(``converted_count``) and the first one is logged (one WARNING per process).
"""

from __future__ import annotations

import sys
from typing import Any

from nv_one_logger.core.internal.logging import get_logger

MAX_HEX_DIGITS = 8192
"""Longest hexadecimal form written; longer ones are cut (a value that long is not readable anyway)."""

_logger = get_logger(__name__)
_converted = 0
_get_limit = getattr(sys, "get_int_max_str_digits", None)  # Python < 3.11 (and old patch releases): no limit
# Ints of fewer bits always have fewer than 640 decimal digits, the lowest limit Python lets a program set.
_ALWAYS_SAFE_BITS = 2100


def converted_count() -> int:
    """Return how many ints this process wrote in hexadecimal form because ``str()`` refuses them."""
    return _converted


def fits_str(value: int) -> bool:
    """Tell whether ``str(value)`` works (cheap: a bit-length check, a conversion only near the limit)."""
    if _get_limit is None or value.bit_length() < _ALWAYS_SAFE_BITS:
        return True
    try:
        str(value)
    except ValueError:
        return False
    return True


def int_text(value: int) -> str:
    """Return ``str(value)``, or the hexadecimal form of the module docstring when ``str()`` refuses it."""
    if fits_str(value):
        return int.__repr__(value)
    global _converted
    _converted += 1
    digits = format(abs(value), "x")
    sign = "-" if value < 0 else ""
    if len(digits) > MAX_HEX_DIGITS:
        text = f"{sign}0x{digits[:MAX_HEX_DIGITS]}...({value.bit_length()} bits)"
    else:
        text = f"{sign}0x{digits}"
    if _converted == 1:
        _logger.warning(
            "an int of %d bits is too long for str() (more than %d decimal digits); it is written as the string "
            "%.40s... (further such ints are converted the same way and counted, not logged)",
            value.bit_length(),
            _get_limit() if _get_limit is not None else 0,
            text,
        )
    return text


def replace_long_ints(value: Any) -> Any:
    """Return ``value`` with every int ``str()`` refuses (also nested in dicts, lists, tuples) as ``int_text``."""
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        return value if fits_str(value) else int_text(value)
    if isinstance(value, dict):
        return {key: replace_long_ints(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [replace_long_ints(item) for item in value]
    return value
