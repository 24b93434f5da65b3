"""Test harness: build the three distributions once per test run and install them into fresh virtual envs.

Why: "pip install works" is only proven by installing the built wheels the way a user does, into an environment
that has nothing from this checkout on its path (not the editable installs of .venv). Building and downloading
is the slow part, so it happens once per run, shared by all xdist workers (a file lock; the first worker
builds, the others wait and reuse), and every later install runs with ``--no-index`` from a local wheelhouse.
pip's own download cache (~/.cache/pip) is used as usual, so the wheelhouse is filled from disk after the
first run on a machine.

API
- ``build_distributions(out_dir) -> BuiltDistributions``: builds wheels and sdists of the three distributions
  into ``out_dir/dist`` (each wheel from its sdist, as ``make dist`` does), and fills ``out_dir/wheelhouse`` with
  our wheels plus every third-party wheel they need (all extras). Call it once; the fixture below does.
- ``BuiltDistributions``: ``dist_dir`` (our wheels + sdists only), ``wheelhouse`` (everything, for
  ``--no-index``), ``wheel(distribution_name)`` (path of our wheel), ``version``.
- ``download_wheels(dest, *requirements)``: wheels from the index into a folder (e.g. an older release);
  ``download_into_wheelhouse(built, *requirements)``: the same into the wheelhouse, our dist dir as a source too.
- ``FreshVenv.create(path, with_pip=False)``: a new venv of the interpreter running the tests. Without pip
  (the default; much faster), pip runs from the test environment with ``--python`` pointed at the venv.
  ``install(*requirements, wheelhouse=...)`` installs with ``--no-index --find-links wheelhouse``;
  ``pip(*args)`` runs any pip command for the venv; ``python(*args)`` and ``run_script(name, *args)`` (a console
  script such as ``one-logger``) run inside it; ``pip_check()`` asserts ``pip check`` is clean;
  ``env(**extra)`` is the clean environment used for those runs (no OTEL_*/ONE_LOGGER_* leaking in from the
  test process, no PYTHONPATH, the venv's bin first on PATH).
- Fixtures (``built_distributions`` session-scoped, ``fresh_venv`` factory) live in tests/support/fixtures.py.

Every subprocess runs through ``tests.support.processes.run_command`` (a generous timeout, thread stacks on a
hang); a failed command raises ``AssertionError`` with its output.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from tests.support.environment import LIBRARY_ENV_PREFIXES
from tests.support.processes import run_command

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIRS: Dict[str, Path] = {
    "nv-one-logger-core": ROOT / "packages" / "core",
    "nv-one-logger-file": ROOT / "packages" / "file-exporter",
    "nv-one-logger-otel": ROOT / "packages" / "otel-exporter",
}
#: Variables of the test process that must not reach a fresh venv's programs (they would change what they do).
_LEAKY_PREFIXES = (*LIBRARY_ENV_PREFIXES, "PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV", "COV_CORE")


@dataclass(frozen=True)
class BuiltDistributions:
    """Where the built files are; see the module docstring."""

    dist_dir: Path
    wheelhouse: Path
    version: str

    def wheel(self, distribution: str) -> Path:
        """Path of our built wheel of ``distribution`` (e.g. ``"nv-one-logger-core"``)."""
        stem = distribution.replace("-", "_")
        (found,) = self.dist_dir.glob(f"{stem}-{self.version}-*.whl")
        return found


def _source_version() -> str:
    namespace: Dict[str, object] = {}
    version_module = PACKAGE_DIRS["nv-one-logger-core"] / "src/nv_one_logger/core/internal/version.py"
    exec(compile(version_module.read_text(encoding="utf-8"), str(version_module), "exec"), namespace)
    return str(namespace["__version__"])


def build_distributions(out_dir: Path) -> BuiltDistributions:
    """Build the three distributions into ``out_dir/dist`` and fill ``out_dir/wheelhouse`` (see module doc)."""
    dist_dir, wheelhouse = out_dir / "dist", out_dir / "wheelhouse"
    shutil.rmtree(dist_dir, ignore_errors=True)
    for package_dir in PACKAGE_DIRS.values():
        # --no-isolation: the pinned hatchling of requirements/dist.txt, no per-build download.
        run_command([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist_dir, package_dir])
    built = BuiltDistributions(dist_dir=dist_dir, wheelhouse=wheelhouse, version=_source_version())
    wheelhouse.mkdir(parents=True, exist_ok=True)
    for wheel in dist_dir.glob("*.whl"):
        shutil.copy2(wheel, wheelhouse)
    download_into_wheelhouse(built, "nv-one-logger-core[otel,file,yaml]")
    return built


def download_wheels(dest: Path, *requirements: str, find_links: Optional[Path] = None) -> None:
    """Download ``requirements`` and their dependencies as wheels into ``dest`` (from the index, and ``find_links``)."""
    links = ["--find-links", str(find_links)] if find_links is not None else []
    run_command(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary=:all:",
            *links,
            "--dest",
            dest,
            *requirements,
        ]
    )


def download_into_wheelhouse(built: BuiltDistributions, *requirements: str) -> None:
    """Download ``requirements`` and their dependencies as wheels into the wheelhouse (index + our dist dir)."""
    download_wheels(built.wheelhouse, *requirements, find_links=built.dist_dir)


def shared_build(base_dir: Path) -> BuiltDistributions:
    """Build once under ``base_dir`` for every process that calls this with the same directory (file lock)."""
    base_dir.mkdir(parents=True, exist_ok=True)
    done_marker = base_dir / "built.ok"
    with open(base_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if done_marker.exists():
                return BuiltDistributions(base_dir / "dist", base_dir / "wheelhouse", _source_version())
            built = build_distributions(base_dir)
            done_marker.touch()
            return built
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class FreshVenv:
    """A virtual environment created for one test; see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bin_dir = path / "bin"
        self.python_path = self.bin_dir / "python"

    @classmethod
    def create(cls, path: Path, with_pip: bool = False) -> FreshVenv:
        """Create the venv from the interpreter running the tests (its base Python, not .venv's packages)."""
        args = [sys.executable, "-m", "venv", path]
        if not with_pip:
            args.insert(3, "--without-pip")
        run_command(args)
        return cls(path)

    @property
    def has_own_pip(self) -> bool:
        return (self.bin_dir / "pip").exists()

    def env(self, **extra: str) -> Dict[str, str]:
        """Environment for programs of this venv: the test process's, less leaky variables, plus ``extra``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY_PREFIXES)}
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.path)
        env.update(extra)
        return env

    def pip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``pip *args`` for this venv (its own pip if it has one, else ours with ``--python``)."""
        if self.has_own_pip:
            command = [str(self.python_path), "-m", "pip"]
        else:
            command = [sys.executable, "-m", "pip", "--python", str(self.python_path)]
        return run_command([*command, *args], env=self.env(), check=check)

    def install(self, *requirements: str, wheelhouse: Path) -> subprocess.CompletedProcess:
        """``pip install --no-index --find-links wheelhouse *requirements``."""
        return self.pip("install", "--quiet", "--no-index", "--find-links", str(wheelhouse), *requirements)

    def pip_check(self) -> None:
        """Assert that ``pip check`` finds no broken or missing requirement."""
        done = self.pip("check", check=False)
        assert done.returncode == 0, f"pip check failed:\n{done.stdout}{done.stderr}"

    def installed(self) -> Dict[str, str]:
        """``{normalized distribution name: version}`` of everything installed in the venv."""
        import json

        listing = json.loads(self.pip("list", "--format=json").stdout)
        return {item["name"].lower().replace("_", "-"): item["version"] for item in listing}

    def python(
        self, *args: str, cwd: Optional[Path] = None, check: bool = True, extra_env: Optional[Mapping[str, str]] = None
    ) -> subprocess.CompletedProcess:
        """Run the venv's Python with ``args``."""
        return run_command([self.python_path, *args], env=self.env(**dict(extra_env or {})), cwd=cwd, check=check)

    def run_script(
        self,
        name: str,
        *args: str,
        cwd: Optional[Path] = None,
        check: bool = True,
        extra_env: Optional[Mapping[str, str]] = None,
    ) -> subprocess.CompletedProcess:
        """Run the console script ``name`` installed in the venv (e.g. ``one-logger``)."""
        return run_command([self.bin_dir / name, *args], env=self.env(**dict(extra_env or {})), cwd=cwd, check=check)


def missing_modules(venv: FreshVenv, modules: List[str]) -> List[str]:
    """Return those of ``modules`` that the venv's Python cannot import."""
    code = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        print(name)\n"
    )
    out = venv.python("-c", code, *modules).stdout
    return [line for line in out.splitlines() if line]
