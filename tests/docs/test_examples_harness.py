"""The docs example harness itself (tests/support/doc_blocks.py, doc_runner.py): it finds blocks with their lines,
honours directives and names failing blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.doc_blocks import DocsMarkupError, all_blocks, extract
from tests.support.doc_runner import example_environment, run_block

PAGE = """# Page

```python
print("ok")
```

1. A step:

   ```bash
   echo indented && test -n "$PATH"
   ```

<!-- docs-test: skip: installs from the network, which tests cannot do -->
```bash
pip install something-from-the-network
```

```text
not run
```

```python
raise SystemExit("broken example")
```
"""


def test_blocks_are_found_with_language_line_and_directives(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    blocks = extract(page)
    assert [(b.language, b.line) for b in blocks] == [("python", 3), ("shell", 9), ("shell", 14), ("python", 22)]
    assert blocks[1].code == 'echo indented && test -n "$PATH"\n'
    assert blocks[2].skip_reason == "installs from the network, which tests cannot do"


def test_a_failing_block_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    outcomes = [run_block(b, work, example_environment()) for b in extract(page) if b.skip_reason is None]
    assert [o.problem for o in outcomes[:2]] == [None, None]
    report = outcomes[2].report()
    assert report.startswith(f"{page}:22: python example failed: exit status 1")
    assert "broken example" in report


def test_a_traceback_printed_by_a_passing_example_fails_it(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nimport traceback\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    traceback.print_exc()\n```\n"
    )
    outcome = run_block(extract(page)[0], tmp_path, example_environment())
    assert outcome.returncode == 0
    assert outcome.problem is not None and "Traceback" in outcome.problem


@pytest.mark.parametrize(
    "directive, message",
    [("skip", "needs a reason"), ("skip:", "needs a reason"), ("colector", "unknown docs-test directive")],
)
def test_malformed_directives_are_refused(tmp_path: Path, directive: str, message: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"<!-- docs-test: {directive} -->\n```bash\ntrue\n```\n", encoding="utf-8")
    with pytest.raises(DocsMarkupError, match=message):
        extract(page)


def test_the_repository_docs_have_examples_and_parse() -> None:
    blocks = all_blocks()
    assert len(blocks) >= 20
    assert any(block.collector for block in blocks)
    assert any(block.save_as == "train.py" for block in blocks)
