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
BENCH_STAMP := $(VENV)/.installed-bench
PYTEST_ARGS ?=
DIST_STAMP := $(VENV)/.installed-dist
DIST_DIRS := packages/core packages/file-exporter packages/otel-exporter

.PHONY: demo test lint typecheck pytest pyversions bench install dist clean browser

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

$(TEST_STAMP): $(STAMP) requirements/test.txt requirements/dist.txt requirements/torch.txt requirements/compat.txt
	$(PY) -m pip install --quiet -r requirements/test.txt
	# tests/compat: the 2.3.1 training-telemetry library on top of this core (--no-deps: never the older core).
	$(PY) -m pip install --quiet --no-deps -r requirements/compat.txt
	touch $@

install: $(STAMP)

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

pytest: $(TEST_STAMP) browser
	mkdir -p $(TEST_TMP)
	PYTEST_DEBUG_TEMPROOT=$(TEST_TMP) $(PY) -m pytest -n 2 $(PYTEST_ARGS)

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

# torch (requirements/torch.txt, through test.txt and bench.txt) serves the training-loop row and the DataLoader test.
$(BENCH_STAMP): $(TEST_STAMP) requirements/bench.txt
	$(PY) -m pip install --quiet -r requirements/bench.txt
	touch $@

bench: $(BENCH_STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .tox dist
