"""Extracts the fenced Python and shell examples of README.md and docs/*.md, with their file and line.

Why: every example a user can copy must run as written, so the test suite runs them all
(``tests/docs/test_examples.py``). This module only reads markdown; running is ``tests/support/doc_runner.py``.

What counts as an example is decided by the fence's language tag: ``python``/``py`` are Python,
``bash``/``sh``/``shell`` are shell. Any other tag (``text``, ``json``, ``yaml``...) or no tag is not run.

A directive in an HTML comment (invisible in rendered markdown) on the line(s) right above a fence changes
how that one block is run. Directives (one per comment; several comments may stand on consecutive lines):

- ``<!-- docs-test: skip: <reason> -->``: not run. Only for commands that cannot run in a test (they install
  from the network or run this repository's whole test or benchmark suite); the reason is mandatory.
- ``<!-- docs-test: collector -->``: a real OTLP collector (rotel) is started for the block; the placeholder
  endpoints ``http://collector:4317`` (gRPC) and ``http://collector:4318`` (HTTP) written in the block are
  pointed at it, its gRPC endpoint is put in ``OTEL_EXPORTER_OTLP_ENDPOINT`` unless the block sets that
  variable itself, and the block passes only if the collector received at least one span.
- ``<!-- docs-test: pytest -->``: the Python block is a test file; it is run with ``python -m pytest``.
- ``<!-- docs-test: file <name> -->``: besides being run, the block is saved as ``<name>`` in the working
  directory of every example (so the ``train.py`` that shell examples run is the README's ten lines).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]

LANGUAGES: Dict[str, str] = {"python": "python", "py": "python", "bash": "shell", "sh": "shell", "shell": "shell"}
DIRECTIVE = re.compile(r"^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$")
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<tag>[^\s`]*)[^`]*$")
KNOWN_DIRECTIVES = ("skip", "collector", "pytest", "file")


class DocsMarkupError(ValueError):
    """A malformed directive or an unclosed fence; the message names the file and line."""


@dataclass
class Block:
    """One fenced example: where it is, its language (``python`` or ``shell``), its code and its directives."""

    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    skip_reason: Optional[str] = None
    collector: bool = False
    pytest: bool = False
    save_as: Optional[str] = None
    directives: List[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        """``docs/otel.md:247``: the place to open to fix the example."""
        try:
            shown = self.path.relative_to(REPO_ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}"


def doc_files(root: Path = REPO_ROOT) -> List[Path]:
    """README.md and every markdown page under docs/, in a stable order."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def _directives_above(lines: List[str], fence_index: int) -> List[str]:
    found: List[str] = []
    index = fence_index - 1
    while index >= 0:
        match = DIRECTIVE.match(lines[index])
        if not match:
            break
        found.insert(0, match.group(1).strip())
        index -= 1
    return found


def _apply(block: Block, directive: str) -> None:
    name, _, argument = directive.partition(" ")
    name = name.rstrip(":")
    if directive.startswith("skip:"):
        name, argument = "skip", directive[len("skip:") :]
    argument = argument.strip()
    if name not in KNOWN_DIRECTIVES:
        raise DocsMarkupError(f"{block.where}: unknown docs-test directive {directive!r} (known: {KNOWN_DIRECTIVES})")
    if name == "skip":
        if not argument:
            raise DocsMarkupError(f"{block.where}: 'docs-test: skip' needs a reason ('skip: <why it cannot run>')")
        block.skip_reason = argument
    elif name == "collector":
        block.collector = True
    elif name == "pytest":
        block.pytest = True
    elif name == "file":
        if not argument or "/" in argument:
            raise DocsMarkupError(f"{block.where}: 'docs-test: file' needs a plain file name, got {argument!r}")
        block.save_as = argument
    block.directives.append(directive)


def extract(path: Path) -> List[Block]:
    """Every Python and shell block of one markdown file, in document order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: List[Block] = []
    index = 0
    while index < len(lines):
        opening = _OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, tag = opening.group("indent"), opening.group("fence"), opening.group("tag").lower()
        start = index
        index += 1
        body: List[str] = []
        while index < len(lines):
            stripped = lines[index].strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                break
            body.append(lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index])
            index += 1
        else:
            raise DocsMarkupError(f"{path}:{start + 1}: fence {fence!r} is never closed")
        index += 1
        directives = _directives_above(lines, start)
        language = LANGUAGES.get(tag)
        if language is None:
            if directives:
                raise DocsMarkupError(f"{path}:{start + 1}: docs-test directive on a block that is not run ({tag!r})")
            continue
        block = Block(path=path, line=start + 1, language=language, code=textwrap.dedent("\n".join(body)) + "\n")
        for directive in directives:
            _apply(block, directive)
        blocks.append(block)
    return blocks


def all_blocks(root: Path = REPO_ROOT) -> List[Block]:
    """The examples of README.md and docs/, file by file."""
    return [block for path in doc_files(root) if path.exists() for block in extract(path)]
