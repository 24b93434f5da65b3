"""How a ``one-logger`` command reports a failure: ``one-logger COMMAND: error: MESSAGE`` on stderr.

Scripts match that line, so it is built in one place. It lives here rather than with the commands
(``nv_one_logger.cli``) because ``one-logger replay`` runs in nv-one-logger-otel, which reports its failures
the same way and may only import core's public modules.
"""

from __future__ import annotations

import sys
from typing import Optional, TextIO


def print_error(command: str, message: str, stream: Optional[TextIO] = None) -> None:
    """Print ``one-logger COMMAND: error: MESSAGE`` on ``stream`` (default: the current ``sys.stderr``)."""
    print(f"one-logger {command}: error: {message}", file=stream if stream is not None else sys.stderr)
