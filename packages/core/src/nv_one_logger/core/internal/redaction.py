"""Keeping secrets out of what OneLogger prints: OTLP header values and credentials in endpoint URLs.

Why it lives in core: both the ``one-logger doctor`` command (core, which never imports OpenTelemetry) and the
otel package describe the OTLP set-up in logs and output, and a leak fixed in one copy of this logic must not
survive in another. Pure string functions, no I/O.
"""

from __future__ import annotations

import re
from typing import List, Tuple
from urllib.parse import unquote, urlsplit, urlunsplit

REDACTED = "<redacted>"
MALFORMED_HEADER = "<malformed entry, not shown>"

# An HTTP header name (RFC 9110 token). Anything else before the "=" of an entry is not shown: it may be a token.
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


def redact_url(url: str) -> str:
    """Return ``url`` with credentials (``user:pw@``) and any query string replaced by ``<redacted>``.

    Query strings are a common place for access tokens, so they are never shown.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = REDACTED if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def header_names(raw: str) -> Tuple[str, ...]:
    """Names of the ``name=value`` entries of an OTLP headers variable; values are never kept.

    An entry of any other shape is shown as ``MALFORMED_HEADER``. Malformed entries are common
    (``Authorization: Bearer <token>`` with a colon, or a token that contains a comma, which splits it into a
    second "entry" that is all token), and in them the text before an ``=`` is not a name but may be the secret.
    A percent-encoded name is shown decoded, as the SDK sends it; one that decodes to no valid header name (the
    SDK drops it) is shown as malformed.
    """
    names: List[str] = []
    for item in raw.split(","):
        if not item.strip():
            continue
        name, sep, _ = item.partition("=")
        name = unquote(name.strip())  # the SDK percent-decodes names before it checks them
        names.append(name.lower() if sep and _HEADER_NAME.fullmatch(name) else MALFORMED_HEADER)
    return tuple(names)


def redact_header_entry(entry: str) -> str:
    """Return one ``name=value`` header entry with its value (or, if malformed, all of it) redacted."""
    name, sep, _ = entry.partition("=")
    name = name.strip()
    return f"{name}={REDACTED}" if sep and _HEADER_NAME.fullmatch(name) else REDACTED
