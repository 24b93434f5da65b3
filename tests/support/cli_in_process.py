"""``run_cli``: run the summary and chrome-trace subcommands in this process, through their own ``register``."""

from __future__ import annotations

import argparse
from typing import List

from nv_one_logger.cli import chrome_trace, summary


def run_cli(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="one-logger")
    subparsers = parser.add_subparsers(dest="command")
    summary.register(subparsers)
    chrome_trace.register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args))
