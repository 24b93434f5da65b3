"""Trace and span ids for OneLogger spans: random (the default) or derived from OneLogger span uuids.

Why two schemes: a live run needs nothing more than unique ids, but a replay of a recorded JSONL file must be able
to produce the *same* ids as the live run (so a backend deduplicates instead of showing the run twice), and a
re-run of the same replay must be stable. OneLogger spans already carry a uuid, so the deterministic scheme
derives the OTel ids from it:

- ``span_id``  = the first 8 bytes of ``blake2b(b"one_logger.span:" + uuid.bytes)`` as an int (never 0);
- ``trace_id`` = the first 16 bytes of ``blake2b(b"one_logger.trace:" + uuid.bytes)`` of the *first root span*
  the exporter sees (the first span without an exported parent, normally the ``application`` span) (never 0).

Hashing instead of slicing the uuid matters because uuid4 has fixed version/variant bits, and because two
different OneLogger spans must not collide in the 64-bit span id space more often than random ids would.

Marker spans (see ``nv_one_logger.otel.live_markers``) always get random ids: they are not part of the recorded data
and a replay does not produce them.
"""

from __future__ import annotations

import hashlib
import os
import random
import uuid

_SPAN_SALT = b"one_logger.span:"
_TRACE_SALT = b"one_logger.trace:"
_SESSION_SALT = b"one_logger.session:"


def span_id_from_uuid(span_uuid: uuid.UUID) -> int:
    """Deterministic 64-bit OTel span id for a OneLogger span uuid."""
    digest = hashlib.blake2b(_SPAN_SALT + span_uuid.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


def trace_id_from_uuid(root_span_uuid: uuid.UUID) -> int:
    """Deterministic 128-bit OTel trace id for the run whose first root span has this uuid."""
    digest = hashlib.blake2b(_TRACE_SALT + root_span_uuid.bytes, digest_size=16).digest()
    return int.from_bytes(digest, "big") or 1


def trace_id_from_session(application: str, session_tag: str) -> int:
    """Deterministic 128-bit trace id shared by every process of one job (``trace_per_session``).

    Derived from the application name and the session tag, so every rank computes the same id without talking
    to the others; a session tag reused by another run lands in the same trace (docs/otel.md, "Traces").
    """
    data = (
        _SESSION_SALT
        + application.encode("utf-8", "surrogatepass")
        + b"\0"
        + session_tag.encode("utf-8", "surrogatepass")
    )
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "big") or 1


class _Randomness:
    """One private ``random.Random`` for the process, seeded from ``os.urandom`` and re-seeded in forked children.

    Not the ``random`` module's shared generator: training scripts seed it identically on every rank (and forked
    workers inherit its state), which would give every rank the same "random" ids. Not ``os.urandom`` per id
    either: a system call per span is measurable on the export thread. ``getrandbits`` is one C call, atomic
    under the GIL, so one generator serves every thread; ``os.register_at_fork`` re-seeds it in a child so a
    forked data-loader worker does not repeat its parent's sequence.
    """

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.generator = random.Random(os.urandom(32))
        self.getrandbits = self.generator.getrandbits


_RANDOMNESS = _Randomness()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_RANDOMNESS.reseed)


def random_span_id() -> int:
    """Return a random non-zero 64-bit span id (see ``_Randomness`` for why not the ``random`` module)."""
    return _RANDOMNESS.getrandbits(64) or 1


def random_trace_id() -> int:
    """Return a random non-zero 128-bit trace id."""
    return _RANDOMNESS.getrandbits(128) or 1


class IdScheme:
    """Chooses the OTel ids of OneLogger spans; ``deterministic=True`` uses the uuid-derived ids above."""

    def __init__(self, deterministic: bool = False) -> None:
        self.deterministic = deterministic

    def span_id(self, span_uuid: uuid.UUID) -> int:
        """Return the OTel span id of the OneLogger span with this uuid."""
        return span_id_from_uuid(span_uuid) if self.deterministic else random_span_id()

    def trace_id(self, first_root_uuid: uuid.UUID) -> int:
        """Return the trace id of a run whose first root span has this uuid."""
        return trace_id_from_uuid(first_root_uuid) if self.deterministic else random_trace_id()
