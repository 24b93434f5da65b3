"""docs/configuration.md lists every environment variable the packages read (one table for operators)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A full variable name in a string literal: ONE_LOGGER_* / OTEL_* (prefixes such as "OTEL_EXPORTER_OTLP_" end
# with "_" and are not names), plus the non-prefixed variables read through constants.
NAME = re.compile(r"""["']((?:ONE_LOGGER|OTEL)_[A-Z0-9_]*[A-Z0-9])["']""")
OTHER_VARIABLES = {"RANK"}


def _variables_read_by_the_packages() -> set[str]:
    names: set[str] = set()
    for source in ROOT.glob("packages/*/src/**/*.py"):
        names.update(NAME.findall(source.read_text(encoding="utf-8")))
    return names | OTHER_VARIABLES


def _environment_table() -> str:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    return text.split("\n## Environment variables\n", 1)[1].split("\n## ", 1)[0]


def test_every_variable_read_is_in_the_configuration_table():
    table = _environment_table()
    variables = _variables_read_by_the_packages()
    assert {"ONE_LOGGER_EXIT_TIMEOUT_SECONDS", "OTEL_BSP_EXPORT_TIMEOUT", "RANK"} <= variables
    missing = sorted(name for name in variables if f"`{name}`" not in table)
    assert missing == []
