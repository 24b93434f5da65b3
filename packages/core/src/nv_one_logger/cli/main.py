"""Entry point of the ``one-logger`` console script.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``, which adds
its parser and sets ``func`` (``Callable[[argparse.Namespace], int]``) as the parser default. Keeping one
module per subcommand means a subcommand that needs an optional extra (``replay`` needs the ``otel`` extra)
can import it lazily inside its handler and explain what to install when it is missing.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

SUBCOMMAND_MODULES = (
    "nv_one_logger.cli.doctor",
    "nv_one_logger.cli.summary",
    "nv_one_logger.cli.chrome_trace",
    "nv_one_logger.cli.replay",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="one-logger", description="Inspect and ship OneLogger telemetry.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI and return its exit status (also used by ``python -m nv_one_logger.cli``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    return int(func(args))


if __name__ == "__main__":
    sys.exit(main())
