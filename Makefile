# sagemaker-platform: the commands the README documents. Everything installs into ./.venv and ./node_modules.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CONFIG ?= config/default.yaml
# Node 22 and the pinned CDK CLI from node_modules come first; the venv's python is the one cdk.json runs.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: setup synth test lint schema bench diagram clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	rm -rf cdk.out
	cdk synth --quiet -c config=$(CONFIG)
	$(PY) -m sagemaker_platform.report cdk.out

test: setup
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

schema: setup
	$(PY) -m sagemaker_platform.config > config/schema.json

bench: setup
	$(PY) benchmarks/synth.py
	$(PY) benchmarks/teardown.py

diagram: setup
	$(PY) docs/diagram.py

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './node_modules/*' -not -path './.venv/*' -exec rm -rf {} +
