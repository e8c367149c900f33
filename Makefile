# Everything a fresh Debian machine with Python 3.11 needs: `make demo`, `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME := $(CURDIR)/.dagster
export NOTES_PIPELINE_HOME ?= $(CURDIR)/out

.PHONY: install demo dev test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing python3-venv (Debian ships venv separately)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -q && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@# Pillow's wheel shapes Hindi/Urdu with raqm but loads FriBiDi from the system.
	@$(BIN)/python -c 'from PIL import features; assert features.check("raqm")' 2>/dev/null || { \
	  echo "installing libfribidi0 (Pillow needs it to shape Hindi and Urdu text)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -q && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q libfribidi0; }
	@touch $@

install: $(STAMP)

demo: install
	$(BIN)/notes-pipeline demo

dev: install
	@echo "Dagster UI on http://127.0.0.1:3000 ; drop .md/.txt notes into $(NOTES_PIPELINE_HOME)/bucket/inbox/"
	$(BIN)/notes-pipeline dev --host 127.0.0.1 --port 3000

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .dagster .pgdata .pgserver-run out .pytest_cache
