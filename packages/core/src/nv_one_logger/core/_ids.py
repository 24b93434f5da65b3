"""Span ids: random version-4 UUIDs, generated cheaply.

``uuid.uuid4()`` costs ~1.8 us (an ``os.urandom`` system call and ``UUID.__init__``'s checks), a visible part
of a span that otherwise costs a few microseconds. Span ids only need to be unique, not secret, so they come
from a private ``random.Random`` seeded from ``os.urandom``: ~0.1 us. A private generator is not affected by
training scripts that seed the global ``random`` module identically on every rank (which would give every rank
the same ids), and it is reseeded in a forked child, so that data-loader workers do not repeat their parent's
ids. The value is kept as an int; the ``uuid.UUID`` object is only built when someone reads ``span.id``.
"""

from __future__ import annotations

import os
import random
import uuid

_rng = random.Random(os.urandom(32))
_getrandbits = _rng.getrandbits

# uuid4 layout: version nibble 4 at bits 76-79, variant bits 10 at bits 62-63.
_CLEAR_MASK = ~((0xF000 << 64) | (0xC000 << 48))
_SET_BITS = (0x4000 << 64) | (0x8000 << 48)


def _reseed() -> None:
    _rng.seed(os.urandom(32))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


def new_span_id_int() -> int:
    """Return a fresh random version-4 UUID as a 128-bit int."""
    return (_getrandbits(128) & _CLEAR_MASK) | _SET_BITS


def new_span_uuid() -> uuid.UUID:
    """Return a fresh random version-4 ``uuid.UUID``."""
    return uuid.UUID(int=new_span_id_int())


def uuid_str(value: int) -> str:
    """Return ``str(uuid.UUID(int=value))`` without building the UUID."""
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
