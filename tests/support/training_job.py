"""The training-job environment: a second virtual environment, with PyTorch, that programs using torch run in.

Why a second environment: the test environment (``.venv``) must hold what a user of the library gets plus the
test tools, and a user of OneLogger does not get torch. A PyTorch training job is a separate, real environment:
``make torch-env`` builds ``.venv-torch`` (Python 3.11, the pinned CPU wheel of ``requirements/torch.txt`` and
the three distributions of this checkout, installed editable as a user installs them). ``make pytest`` (hence
``make test``) and ``make bench`` build it first and name its interpreter in ``TRAINING_JOB_PYTHON``.

Who runs there: the DataLoader fork test's application (``tests/reliability/apps/dataloader_app.py``) and the
PyTorch training-loop row of the benchmarks (``benchmarks/workloads/training.py``). Both run with this checkout on
``PYTHONPATH``, so they import ``tests.*`` / ``benchmarks.*`` from the source tree.

- ``training_job_python()``: the interpreter to use, or None when it is neither built nor asked for.
  When ``TRAINING_JOB_PYTHON`` is set (make sets it) and names no interpreter, ``TrainingJobMissing`` is
  raised: a make run never quietly goes without the environment.
- ``missing_reason()``: the sentence naming the missing environment and the make target that builds it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The variable through which make names the training-job interpreter.
TRAINING_JOB_PYTHON_VARIABLE = "TRAINING_JOB_PYTHON"
#: Where ``make torch-env`` builds it (used when the variable is not set, e.g. pytest run by hand).
DEFAULT_TRAINING_JOB_PYTHON = REPO_ROOT / ".venv-torch" / "bin" / "python"
MAKE_TARGET = "make torch-env"


class TrainingJobMissing(RuntimeError):
    """``TRAINING_JOB_PYTHON`` names an interpreter that does not exist."""


def missing_reason(path: Path = DEFAULT_TRAINING_JOB_PYTHON) -> str:
    return (
        f"the PyTorch training-job environment is missing: no interpreter at {path} "
        f"(`{MAKE_TARGET}` builds .venv-torch with torch and this checkout; `make test` builds it itself)"
    )


def training_job_python() -> Optional[Path]:
    """The training-job interpreter (see the module docstring); absolute, not resolved (a venv's python is a
    symlink whose target is the base interpreter, which lacks the venv's packages)."""
    named = os.environ.get(TRAINING_JOB_PYTHON_VARIABLE)
    if named:
        path = Path(named).absolute()
        if not os.access(path, os.X_OK):
            raise TrainingJobMissing(f"{TRAINING_JOB_PYTHON_VARIABLE}={named}: {missing_reason(path)}")
        return path
    return DEFAULT_TRAINING_JOB_PYTHON if os.access(DEFAULT_TRAINING_JOB_PYTHON, os.X_OK) else None
