"""Keeping secrets out of what OneLogger prints: OTLP header values and credentials in endpoint URLs.

Why it lives in core: both the ``one-logger doctor`` command (core, which never imports OpenTelemetry) and the
otel package describe the OTLP set-up in logs and output, and a leak fixed in one copy of this logic must not
survive in another. Pure string functions, no I/O.

``redact_text`` is the one step every string leaving the library passes: the library's log records (a filter
on every library logger, see ``core.internal.logging``), ``OneLoggerError`` messages, exporter statistics and
the doctor's output. Text the library did not write itself (an SDK or gRPC failure reason quoting the endpoint
``user:password@host``) cannot be trusted to be clean, so besides redacting URL credentials by their shape,
every secret the library has seen (the credentials of a URL passed to ``redact_url``, the values of an OTLP
headers variable passed to ``header_names``) is remembered and replaced wherever it appears.
"""

from __future__ import annotations

import re
from typing import FrozenSet, List, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from nv_one_logger.core.internal.locks import fork_safe_lock

REDACTED = "<redacted>"
MALFORMED_HEADER = "<malformed entry, not shown>"

MIN_SECRET_LENGTH = 4
"""Shorter values are not remembered as secrets (they would redact ordinary words); the URL shape still is."""

_secrets: FrozenSet[str] = frozenset()
_secrets_lock = fork_safe_lock()  # writers only; readers take the current frozenset (one atomic read)

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
# "user:password@" without a scheme (how gRPC quotes its target): up to the "@", no spaces, slashes or quotes.
_USERINFO = re.compile(r"[^\s/@'\"<>()\[\]]+:[^\s/@'\"<>()\[\]]*@(?=[A-Za-z0-9\[])")
_URL_TRAILING = ".,;:)]}"


def remember_secret(value: str) -> None:
    """Remember ``value`` (and its percent-encoded and -decoded forms) as a secret for ``redact_text``."""
    global _secrets
    forms = {value.strip(), unquote(value).strip(), quote(value, safe="").strip()}
    new = {form for form in forms if len(form) >= MIN_SECRET_LENGTH} - _secrets
    if new:
        with _secrets_lock:
            _secrets = _secrets | new


def redact_text(text: str) -> str:
    """Return ``text`` with remembered secrets, URL credentials and URL query strings replaced by ``<redacted>``."""
    if not isinstance(text, str):
        return text
    if "://" in text:
        text = _URL.sub(_redact_url_match, text)
    if "@" in text:
        text = _USERINFO.sub(REDACTED + "@", text)
    known = _secrets
    if known:
        for secret in sorted((s for s in known if s in text), key=len, reverse=True):
            text = text.replace(secret, REDACTED)
    return text


def _redact_url_match(match: re.Match[str]) -> str:
    url = match.group(0)
    stripped = url.rstrip(_URL_TRAILING)
    return _redact_url_only(stripped) + url[len(stripped) :]


# An HTTP header name (RFC 9110 token). Anything else before the "=" of an entry is not shown: it may be a token.
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


def redact_url(url: str) -> str:
    """Return ``url`` with credentials (``user:pw@``) and any query string replaced by ``<redacted>``.

    Query strings are a common place for access tokens, so they are never shown. The credentials and query
    values are remembered (``remember_secret``), so ``redact_text`` also removes them from text that quotes
    them in another shape.
    """
    try:
        parts = urlsplit(url)
        # The password; a user name only when it stands alone (``https://<token>@host``): it is the token then.
        secret = parts.password if parts.password is not None else parts.username
        if secret:
            remember_secret(secret)
        for _, value in parse_qsl(parts.query, keep_blank_values=False):
            remember_secret(value)
    except ValueError:
        return REDACTED
    return _redact_url_only(url)


def _redact_url_only(url: str) -> str:
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
        name, sep, value = item.partition("=")
        _remember_header_value(value if sep else item)
        name = unquote(name.strip())  # the SDK percent-decodes names before it checks them
        names.append(name.lower() if sep and _HEADER_NAME.fullmatch(name) else MALFORMED_HEADER)
    return tuple(names)


def _remember_header_value(value: str) -> None:
    """Remember a header value (or a malformed entry) and its longer words (``Bearer <token>``) as secrets."""
    remember_secret(value)
    for word in unquote(value).replace(":", " ").split():
        if len(word) >= 8:
            remember_secret(word.strip("\"'"))


def redact_header_entry(entry: str) -> str:
    """Return one ``name=value`` header entry with its value (or, if malformed, all of it) redacted."""
    name, sep, _ = entry.partition("=")
    name = name.strip()
    return f"{name}={REDACTED}" if sep and _HEADER_NAME.fullmatch(name) else REDACTED
