"""No distribution imports another distribution's underscore (private) module.

The three wheels are versioned and installed separately, so a sibling may meet a newer or older core than the one
it was built with. An underscore module may change or vanish in any release; what siblings share lives in public
modules of core (``nv_one_logger.core.internal``, ``nv_one_logger.exporter.json_line``) whose paths are kept.
The check reads the source trees (no install needed): every ``import``/``from ... import`` (relative ones
resolved) and every string that names a module (``importlib.import_module("...")``) is attributed to the
distribution that ships the module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

PACKAGES_DIR = Path(__file__).resolve().parent.parent / "packages"
DISTRIBUTIONS = ("core", "file-exporter", "otel-exporter")
_MODULE_NAME = re.compile(r"nv_one_logger(\.[A-Za-z_][A-Za-z0-9_]*)+")


def _module_name(src: Path, path: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_owners() -> Dict[str, str]:
    """Dotted module name -> the distribution whose source tree holds it."""
    owners: Dict[str, str] = {}
    for distribution in DISTRIBUTIONS:
        src = PACKAGES_DIR / distribution / "src"
        for path in src.rglob("*.py"):
            owners[_module_name(src, path)] = distribution
    return owners


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def imported_modules(source: str, module: str, is_package: bool) -> Iterator[Tuple[int, str]]:
    """(line, dotted name) of every module ``source`` imports, or may import (``from m import n``: ``m.n`` too)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _MODULE_NAME.fullmatch(node.value):
            yield node.lineno, node.value


def foreign_private_imports(
    distribution: str, module: str, is_package: bool, source: str, owners: Dict[str, str]
) -> List[str]:
    """Each import in ``source`` of an underscore module that another distribution ships, as ``line: name``."""
    found = []
    for line, name in imported_modules(source, module, is_package):
        owner = owners.get(name)
        if owner is not None and owner != distribution and _is_private(name):
            found.append(f"{line}: {name} (shipped by {owner})")
    return found


def test_no_distribution_imports_another_distributions_private_module() -> None:
    owners = module_owners()
    problems = []
    for distribution in DISTRIBUTIONS:
        src = PACKAGES_DIR / distribution / "src"
        for path in sorted(src.rglob("*.py")):
            module = _module_name(src, path)
            found = foreign_private_imports(
                distribution, module, path.name == "__init__.py", path.read_text(encoding="utf-8"), owners
            )
            problems += [f"{path.relative_to(PACKAGES_DIR)}:{item}" for item in found]
    assert problems == []


def test_the_scan_sees_every_form_of_import() -> None:
    # The scan must catch what the first test forbids, or that test could never fail.
    owners = {
        "nv_one_logger.exporter._hidden": "core",
        "nv_one_logger.exporter.public": "core",
        "nv_one_logger.exporter._own": "file-exporter",
    }
    source = "\n".join(
        [
            "from nv_one_logger.exporter._hidden import thing",
            "import nv_one_logger.exporter._hidden",
            "from nv_one_logger.exporter import _hidden",
            "from . import _hidden",
            "import importlib; importlib.import_module('nv_one_logger.exporter._hidden')",
            "from nv_one_logger.exporter.public import _name",
            "from nv_one_logger.exporter import _own",
        ]
    )
    found = foreign_private_imports("file-exporter", "nv_one_logger.exporter.mine", False, source, owners)
    assert [item.split(":")[0] for item in found] == ["1", "2", "3", "4", "5"]
