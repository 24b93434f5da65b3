"""The test environment is what a user of the library gets, plus the test tools: no PyTorch in it.

A user installs OneLogger without torch, so the suite must pass without it; a requirement that pulls torch into
``.venv`` (directly or through another package) would hide an accidental import of it. Programs that use torch run
in the training-job environment instead (``.venv-torch``, see ``tests/support/training_job.py``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys


def test_torch_is_not_installed_in_the_test_environment() -> None:
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        version = None
    assert version is None and importlib.util.find_spec("torch") is None, (
        f"torch {version} is installed in the test environment ({sys.prefix}); requirements/test.txt must not "
        "bring it (it belongs to .venv-torch, requirements/torch.txt). `make test` removes it before installing the "
        "test requirements, so after that install it came back with one of them."
    )
