"""Recognise a torn record: the beginning of a JSON object whose end was never written.

A writer that dies in the middle of ``write()`` (SIGKILL, power loss, a full disk) leaves a prefix of a record.
When that writer (or its restarted successor, appending to the same file) writes again, it first ends the torn
fragment with a newline, so the fragment becomes a line of its own. The reader must tell such a fragment (an
expected consequence of a crash: skip it with a warning) from real corruption (garbage, a foreign format, a
line edited by hand: refuse it). This module answers exactly one question: "is this text a proper prefix of a
JSON object?". It accepts Python's ``NaN``/``Infinity`` extensions because ``json.loads`` accepts them too.
"""

from __future__ import annotations

import re
from typing import List

_WHITESPACE = " \t\n\r"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NUMBER_PREFIX = re.compile(r"-?(?:(?:0|[1-9]\d*)(?:\.\d*)?(?:(?<=\d)[eE][+-]?\d*)?)?")
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")
_TOKEN_CHARS = frozenset("+-.0123456789eEtrufalsnNIiyb")
_ESCAPES = frozenset('"\\/bfnrt')
_HEX = frozenset("0123456789abcdefABCDEF")

_TRUNCATED = -1
_INVALID = -2


def _scan_string(text: str, i: int) -> int:
    """Scan a string body starting after its opening quote; index after the closing quote, or a status."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return i + 1
        if c == "\\":
            if i + 1 >= n:
                return _TRUNCATED
            escape = text[i + 1]
            if escape in _ESCAPES:
                i += 2
                continue
            if escape != "u":
                return _INVALID
            digits = text[i + 2 : i + 6]
            if not all(d in _HEX for d in digits):
                return _INVALID
            if len(digits) < 4:
                return _TRUNCATED
            i += 6
            continue
        if ord(c) < 0x20:
            return _INVALID
        i += 1
    return _TRUNCATED


def _token_is_prefix(token: str) -> bool:
    if _NUMBER_PREFIX.fullmatch(token):
        return True
    return any(literal.startswith(token) for literal in _LITERALS)


def _token_is_complete(token: str) -> bool:
    return bool(_NUMBER.fullmatch(token)) or token in _LITERALS


def is_truncated_json_object(text: str) -> bool:
    """Return True when ``text`` is a proper prefix of a JSON object (its beginning, but not all of it).

    A complete object, an empty string, or anything that cannot be continued into a JSON object is False.
    """
    n = len(text)
    i = 0
    while i < n and text[i] in _WHITESPACE:
        i += 1
    if i >= n or text[i] != "{":
        return False
    # Each open container is [kind, expectation]; kind is "o" (object) or "a" (array).
    stack: List[List[str]] = [["o", "key_or_close"]]
    i += 1
    while True:
        while i < n and text[i] in _WHITESPACE:
            i += 1
        if not stack:
            return False  # the object is complete; trailing text makes it corrupt, nothing makes it complete
        if i >= n:
            return True
        top = stack[-1]
        kind, expect = top
        c = text[i]
        if expect in ("key_or_close", "key"):
            if c == "}" and expect == "key_or_close":
                stack.pop()
                i += 1
                continue
            if c != '"':
                return False
            j = _scan_string(text, i + 1)
            if j == _TRUNCATED:
                return True
            if j == _INVALID:
                return False
            top[1] = "colon"
            i = j
        elif expect == "colon":
            if c != ":":
                return False
            top[1] = "value"
            i += 1
        elif expect == "comma_or_close":
            if c == ",":
                top[1] = "key" if kind == "o" else "value"
            elif (c == "}" and kind == "o") or (c == "]" and kind == "a"):
                stack.pop()
            else:
                return False
            i += 1
        else:  # "value" or "value_or_close"
            if c == "]" and expect == "value_or_close":
                stack.pop()
                i += 1
                continue
            top[1] = "comma_or_close"
            if c == "{":
                stack.append(["o", "key_or_close"])
                i += 1
            elif c == "[":
                stack.append(["a", "value_or_close"])
                i += 1
            elif c == '"':
                j = _scan_string(text, i + 1)
                if j == _TRUNCATED:
                    return True
                if j == _INVALID:
                    return False
                i = j
            else:
                j = i
                while j < n and text[j] in _TOKEN_CHARS:
                    j += 1
                token = text[i:j]
                if not token:
                    return False
                if j >= n:
                    return _token_is_prefix(token)
                if not _token_is_complete(token):
                    return False
                i = j
