"""The benchmark report prints a table only for a section that measured something (``--only SECTION``)."""

from __future__ import annotations

from benchmarks.harness.report import render

MACHINE = {"cpu": "test cpu", "nproc": 2, "python": "3.11"}


def _doc(**sections: object) -> dict:
    return {"started": "2026-01-01 00:00:00", "mode": "quick", "machine": MACHINE, "timing": {}, **sections}


def test_sections_without_rows_print_no_table():
    text = render(_doc(memory={}, **{"import": {}}))
    assert "op " not in text and "memory: one open span" not in text and "import (fresh interpreter)" not in text
    assert "-" * 10 not in text


def test_a_section_with_rows_prints_its_header_rule_and_rows():
    row = {"events": 1000, "rss_growth_mb": 1.5, "peak_growth_mb": 2.0, "seconds": 0.01, "target": 4}
    lines = render(_doc(memory={"memory.file": row})).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("memory: one open span"))
    header, rule, body = lines[start : start + 3]
    assert set(rule) == {"-"} and len(rule) == len(header)
    assert body.split() == ["memory.file", "1,000", "1.5", "2.0", "10.00", "<=4", "MB", "ok"]
