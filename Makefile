# The two set-up commands for a fresh machine are `make demo` and `make test` (see README.md).
# Everything the project needs is installed here, into .venv; nothing is expected to be installed by hand.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := -e packages/core[yaml,report] -e packages/file-exporter -e packages/otel-exporter
# The headless browser the report tests drive (Debian's chromium + chromedriver); installed once, then a no-op.
BROWSER_BINARIES := /usr/bin/chromium /usr/bin/chromedriver
STAMP := $(VENV)/.installed-packages
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=
DIST_STAMP := $(VENV)/.installed-dist
DIST_DIRS := packages/core packages/file-exporter packages/otel-exporter

.PHONY: demo test lint typecheck pytest pyversions bench install dist clean browser torch-env

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The release number lives in the core's version module (read by every pyproject): a change re-installs.
VERSION_MODULE := packages/core/src/nv_one_logger/core/internal/version.py

$(STAMP): $(PY) $(VERSION_MODULE) packages/core/pyproject.toml packages/file-exporter/pyproject.toml packages/otel-exporter/pyproject.toml
	$(PY) -m pip install --quiet $(PACKAGES)
	touch $@

$(DIST_STAMP): $(PY) requirements/dist.txt
	$(PY) -m pip install --quiet -r requirements/dist.txt
	touch $@

$(TEST_STAMP): $(STAMP) requirements/test.txt requirements/dist.txt requirements/compat.txt requirements/otel-stack.txt
	# torch belongs to .venv-torch; an environment built before it moved there loses it here (pip never removes
	# a package on its own). Removed before the install, so a requirement that brings it back still shows up.
	$(PY) -m pip uninstall --quiet --yes torch
	$(PY) -m pip install --quiet -r requirements/test.txt
	# tests/compat: the 2.3.1 training-telemetry library on top of this core (--no-deps: never the older core).
	$(PY) -m pip install --quiet --no-deps -r requirements/compat.txt
	touch $@

install: $(STAMP)

# The PyTorch training-job environment: a second venv, because the test environment above holds only what a user
# of the library gets (plus test tools) and a user does not get torch. It holds what a training job using OneLogger
# has: torch (requirements/torch.txt, a CPU wheel for Python 3.11) and the three distributions of this checkout
# (editable). The DataLoader fork test runs its application in it and `make bench` its training-loop row; both are
# told its interpreter in TRAINING_JOB_PYTHON (tests/support/training_job.py). pyenv's versions go on PATH so
# that python3.11 is found.
TORCH_BASE_PYTHON ?= python3.11
TORCH_VENV := .venv-torch
TORCH_PY := $(TORCH_VENV)/bin/python
TORCH_STAMP := $(TORCH_VENV)/.installed
TRAINING_JOB_ENV := TRAINING_JOB_PYTHON=$(CURDIR)/$(TORCH_PY)

$(TORCH_PY):
	@PATH="$(PYENV_PATH):$$PATH"; command -v $(TORCH_BASE_PYTHON) >/dev/null || { echo "$(TORCH_VENV) needs \
	$(TORCH_BASE_PYTHON) (the pinned torch wheel is for Python 3.11): install it (e.g. pyenv) or set TORCH_BASE_PYTHON"; exit 1; }
	PATH="$(PYENV_PATH):$$PATH" $(TORCH_BASE_PYTHON) -m venv $(TORCH_VENV)

$(TORCH_STAMP): $(TORCH_PY) requirements/torch.txt requirements/otel-stack.txt $(VERSION_MODULE) packages/core/pyproject.toml packages/file-exporter/pyproject.toml packages/otel-exporter/pyproject.toml
	$(TORCH_PY) -m pip install --quiet -r requirements/torch.txt -e packages/core -e packages/file-exporter -e packages/otel-exporter
	touch $@

torch-env: $(TORCH_STAMP)

demo: $(STAMP)
	$(PY) examples/training_demo.py

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(TEST_STAMP)
	$(VENV)/bin/mypy packages/core/src/nv_one_logger packages/file-exporter/src/nv_one_logger packages/otel-exporter/src/nv_one_logger

browser:
	@for binary in $(BROWSER_BINARIES); do [ -x "$$binary" ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian's chromium and chromium-driver for the report tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
	fi

# Each checkout keeps its pytest temporary directories in a folder of its own (named by a checksum of its path):
# pytest prunes all but the newest three per user, so two runs side by side in one /tmp (two clones, or CI beside
# a developer) would delete each other's. Outside the checkout, so that test paths stay absolute.
TEST_TMP := $(or $(TMPDIR),/tmp)/one-logger-pytest-$(shell printf %s "$(CURDIR)" | cksum | cut -d' ' -f1)

pytest: $(TEST_STAMP) $(TORCH_STAMP) browser
	mkdir -p $(TEST_TMP)
	PYTEST_DEBUG_TEMPROOT=$(TEST_TMP) $(TRAINING_JOB_ENV) $(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The core, file and otel suites (tox.ini) on Python 3.9 and 3.13, and on 3.11 too unless .venv, where the whole
# suite runs, is 3.11 already. pyenv's installed versions go on PATH so tox finds python3.9 and python3.13; a
# version that is not installed fails the run. The collector binary of .venv's rotel is lent to the runs (rotel
# has no wheel for every version). The two environments run in parallel: most of their time is waiting.
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PYENV_PATH := $(subst $(eval) ,:,$(strip $(wildcard $(PYENV_ROOT)/versions/3.*/bin)))
TOX_ARGS ?=

# tox does not notice a changed pyproject behind its editable installs (entry points, dependencies): when one
# is newer than the environments, they are recreated (marked fresh only by a run of every environment).
TOX_INSTALLED_FROM := .tox/.installed-from
PACKAGE_METADATA := $(VERSION_MODULE) packages/core/pyproject.toml packages/file-exporter/pyproject.toml packages/otel-exporter/pyproject.toml requirements/pyversions.txt

pyversions: $(TEST_STAMP)
	@envs=py39,py313; \
	if ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then envs=py39,py311,py313; fi; \
	recreate=; \
	if [ ! -e $(TOX_INSTALLED_FROM) ] || [ -n "$$(find $(PACKAGE_METADATA) -newer $(TOX_INSTALLED_FROM))" ]; then recreate=--recreate; fi; \
	echo "Python versions: .venv has $$($(PY) -c 'import platform; print(platform.python_version())') (whole suite); tox runs $$envs $$recreate"; \
	mkdir -p .tox && touch $(TOX_INSTALLED_FROM).new; \
	PATH="$(PYENV_PATH):$$PATH" \
	TESTS_ROTEL_AGENT="$$($(PY) -c 'from tests.support.collector import rotel_binary; print(rotel_binary())')" \
	$(VENV)/bin/tox run-parallel --parallel 2 --parallel-live -e $$envs $$recreate $(TOX_ARGS); \
	status=$$?; if [ -z "$(TOX_ARGS)" ]; then mv $(TOX_INSTALLED_FROM).new $(TOX_INSTALLED_FROM); else rm -f $(TOX_INSTALLED_FROM).new; fi; exit $$status

test: lint typecheck pytest pyversions

# Wheels and sdists of the three distributions into dist/ (each wheel is built from its sdist, as pip would from
# an sdist download), then twine checks their metadata and README rendering.
dist: $(DIST_STAMP)
	rm -rf dist
	for pkg in $(DIST_DIRS); do $(PY) -m build --no-isolation --outdir dist $$pkg || exit 1; done
	$(VENV)/bin/twine check --strict dist/*

# The benchmarks run from .venv; the PyTorch training-loop row runs in the training-job environment (torch-env).
bench: $(TEST_STAMP) $(TORCH_STAMP)
	$(TRAINING_JOB_ENV) $(PY) -m benchmarks

clean:
	rm -rf $(VENV) $(TORCH_VENV) .mypy_cache .ruff_cache .pytest_cache .tox dist
