"""Entry point of the ``one-logger`` console script.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``, which adds
its parser and sets ``func`` (``Callable[[argparse.Namespace], int]``) as the parser default. Keeping one
module per subcommand means a subcommand that needs an optional extra (``replay`` needs the ``otel`` extra)
can import it lazily inside its handler and explain what to install when it is missing.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from typing import Any, List, Optional, Sequence, Union

SUBCOMMAND_MODULES = (
    "nv_one_logger.cli.doctor",
    "nv_one_logger.cli.summary",
    "nv_one_logger.cli.chrome_trace",
    "nv_one_logger.cli.report",
    "nv_one_logger.cli.replay",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="one-logger", description="Inspect and ship OneLogger telemetry.")
    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the versions of the OneLogger distributions and of the OpenTelemetry SDK, and exit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def version_report() -> str:
    """Return the ``--version`` text: this release, then each OneLogger distribution and the OpenTelemetry SDK.

    Installed versions come from the environment's package metadata, so a user can see at once whether the
    three distributions match (pip keeps them in step through exact pins) and whether the SDK is there at all.
    """
    from nv_one_logger.core.internal.version import __version__, installed_versions

    lines = [f"one-logger {__version__} (Python {platform.python_version()})"]
    versions = installed_versions()
    width = max(len(name) for name, _ in versions)
    lines.extend(f"  {name:<{width}}  {version or 'not installed'}" for name, version in versions)
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    """``--version``: like argparse's own version action, but the report is computed only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: Optional[str] = None) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Union[str, Sequence[Any], None],
        option_string: Optional[str] = None,
    ) -> None:
        print(version_report())
        parser.exit(0)


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
