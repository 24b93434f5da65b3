"""Bounds on the shape of an exporter config file, checked before the file's content is used.

A config file is small, hand-written data. A hostile or broken one must cost one warning naming the file, not
the application: a document nested thousands deep makes the parsers (and anything that later walks the
value, such as ``repr`` or pydantic) raise ``RecursionError``, and a YAML "alias bomb" (anchors that refer to
anchors, each ten times) is a few hundred bytes that expand to billions of nodes. YAML is therefore checked on
PyYAML's event stream (its parser is not recursive) before anything is built: nesting depth and the number of
nodes the document would have with every alias expanded. JSON has no aliases; its depth is checked on the
parsed value, without recursion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from nv_one_logger.exporter.exporter_config import ExporterConfigError

MAX_NESTING = 64
"""Deepest nesting of mappings/lists accepted in a config file (real files use fewer than ten levels)."""

MAX_EXPANDED_NODES = 100_000
"""Most YAML nodes a config file may stand for once every alias is expanded."""


def too_deep(path: Path) -> ExporterConfigError:
    """Return the error for a document nested deeper than ``MAX_NESTING``."""
    return ExporterConfigError(
        f"exporter config file {path} is nested more than {MAX_NESTING} levels deep; refusing to use it"
    )


def check_json_depth(path: Path, document: Any) -> None:
    """Raise ``ExporterConfigError`` naming ``path`` when ``document`` is nested deeper than ``MAX_NESTING``."""
    pending: List[Any] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_NESTING:
            raise too_deep(path)
        pending.extend((child, depth + 1) for child in children)


def check_yaml_shape(path: Path, text: str) -> None:
    """Refuse a YAML document that is nested too deeply or whose aliases expand to too many nodes.

    Raises ``ExporterConfigError`` naming ``path`` (and yaml's own errors for syntax problems, which the
    caller reports with their line). Linear in the length of ``text``.
    """
    import yaml

    anchor_sizes: Dict[str, int] = {}
    stack: List[List[Any]] = []  # per open collection: [anchor, expanded node count so far]
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_NESTING:
                raise too_deep(path)
            stack.append([event.anchor, 1])
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, anchor_sizes.get(event.anchor or "", 1)
        else:
            continue
        if anchor is not None:
            anchor_sizes[anchor] = size
        if stack:
            stack[-1][1] += size
        else:
            total += size
        expanded = total + sum(frame[1] for frame in stack)
        if expanded > MAX_EXPANDED_NODES:
            raise ExporterConfigError(
                f"exporter config file {path}: its YAML aliases expand to more than {MAX_EXPANDED_NODES:,} "
                "values; refusing to use it"
            )
