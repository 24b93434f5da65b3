"""Print the figures of the last reliability run (from pytest's cache) as a markdown table.

Usage: `.venv/bin/python -m tests.reliability.figures` after `pytest tests/reliability`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    cache_dir = Path(".pytest_cache") / "v" / "reliability" / "figures"
    if not cache_dir.is_dir():
        print("no figures yet: run `pytest tests/reliability` first", file=sys.stderr)
        return 1
    print("| test | figure | value |")
    print("|---|---|---|")
    for entry in sorted(cache_dir.iterdir()):
        data = json.loads(entry.read_text())
        for name, value in data["figures"].items():
            print(f"| `{data['test']}` | {name} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
