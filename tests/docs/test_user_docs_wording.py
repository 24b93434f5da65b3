"""User docs speak about the product only: no notes about how they or the code were written.

The phrases below are the ones such notes used (a project's internal documents, reviews and who reported
what); citing the OpenTelemetry specification is fine and not matched.
"""

from __future__ import annotations

import re

from tests.support.doc_blocks import REPO_ROOT, doc_files

INTERNAL_NOTES = re.compile(
    r"(?-i:\bSPEC\b)|SPEC\.md|\bcontract\b|\bcontract's\b|\bthe issue\b|\bissue's\b|\bissue \d+|\bthe lead\b"
    r"|\bengineers?\b|\bsandbox\b|these docs were written|\bin (?:one|the same) session\b|\bfinding \d",
    re.IGNORECASE,
)


def test_user_docs_contain_no_internal_or_process_notes() -> None:
    found = []
    for path in doc_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in INTERNAL_NOTES.finditer(line):
                found.append(f"{path.relative_to(REPO_ROOT)}:{number}: {match.group(0)!r} in: {line.strip()}")
    assert not found, "internal notes in user docs:\n" + "\n".join(found)
