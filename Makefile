# The two set-up commands for a fresh machine are `make demo` and `make test` (see README.md).
# Everything the project needs is installed here, into .venv; nothing is expected to be installed by hand.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := -e packages/core[yaml] -e packages/file-exporter -e packages/otel-exporter
STAMP := $(VENV)/.installed-packages
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=
DIST_STAMP := $(VENV)/.installed-dist
DIST_DIRS := packages/core packages/file-exporter packages/otel-exporter

.PHONY: demo test lint typecheck pytest bench install dist clean

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

$(TEST_STAMP): $(STAMP) requirements/test.txt requirements/dist.txt
	$(PY) -m pip install --quiet -r requirements/test.txt
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/training_demo.py

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(TEST_STAMP)
	$(VENV)/bin/mypy packages/core/src/nv_one_logger packages/file-exporter/src/nv_one_logger packages/otel-exporter/src/nv_one_logger

pytest: $(TEST_STAMP)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

# Wheels and sdists of the three distributions into dist/ (each wheel is built from its sdist, as pip would from
# an sdist download), then twine checks their metadata and README rendering.
dist: $(DIST_STAMP)
	rm -rf dist
	for pkg in $(DIST_DIRS); do $(PY) -m build --no-isolation --outdir dist $$pkg || exit 1; done
	$(VENV)/bin/twine check --strict dist/*

bench: $(TEST_STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache dist
