# Everything a fresh Debian machine with Python 3.11 needs: `make demo`, `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME := $(CURDIR)/.dagster
export NOTES_PIPELINE_HOME ?= $(CURDIR)/out

DBT_PROJECT := notes_pipeline/dbt_reporting
MANIFEST := $(DBT_PROJECT)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_PROJECT) -path $(DBT_PROJECT)/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)

.PHONY: install demo dev test lint bench corpus clean browser ocr redis

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

install: $(STAMP) $(MANIFEST)

# The dbt manifest Dagster loads the report assets from: `dbt parse` works offline, no database.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	DBT_SEND_ANONYMOUS_USAGE_STATS=false $(BIN)/dbt parse --quiet --project-dir $(DBT_PROJECT) --profiles-dir $(DBT_PROJECT)

demo: install
	$(BIN)/notes-pipeline demo

dev: install
	@echo "Dagster UI on http://127.0.0.1:3000 ; drop .md/.txt notes into $(NOTES_PIPELINE_HOME)/bucket/inbox/"
	$(BIN)/notes-pipeline dev --host 127.0.0.1 --port 3000

# The suite as two pytest processes side by side, one per core: the end-to-end suites (marker `slow`) and the
# rest, each in its own temporary folder so neither cleans up the other's; the slow half's report follows.
test: install browser ocr redis lint
	@rm -rf .pytest && mkdir -p .pytest
	@$(BIN)/python -m pytest -p no:cacheprovider -m slow --basetemp=$(CURDIR)/.pytest/slow > .pytest/slow.log 2>&1 & \
	slow=$$!; \
	$(BIN)/python -m pytest -p no:cacheprovider -m "not slow" --basetemp=$(CURDIR)/.pytest/rest; rest=$$?; \
	wait $$slow; slow_status=$$?; \
	echo "---- the slow half (marker slow), run beside the rest ----"; cat .pytest/slow.log; \
	exit $$(( rest || slow_status ))

# Ruff: the agreed rules (pyproject.toml [tool.ruff]) and the formatting, checked, never rewritten here.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's Chromium screenshots the reports dashboard in the tests; where it cannot be installed they skip.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing chromium (the reports dashboard test takes a screenshot with it)"; \
	  { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium >/dev/null; } || \
	  echo "could not install chromium: the dashboard screenshot tests will be skipped"; }

# Debian's Tesseract reads the code cards back in the tests; where it cannot be installed those checks skip.
ocr:
	@command -v tesseract >/dev/null 2>&1 || { \
	  echo "installing tesseract-ocr (the code card test reads the card's text back with it)"; \
	  { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq tesseract-ocr >/dev/null; } || \
	  echo "could not install tesseract-ocr: the code card OCR test will be skipped"; }

# Debian's redis-server is the Celery broker of the worker tests (and of `notes-pipeline worker` on one machine);
# where it cannot be installed those tests skip.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing redis-server (the Celery worker tests start one as their broker)"; \
	  { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq redis-server >/dev/null; } || \
	  echo "could not install redis-server: the Celery worker tests will be skipped"; }

bench: install
	$(BIN)/python -m benchmarks.run

# Every document of benchmarks/corpus/ rendered offline through the real job and measured (not part of `make test`;
# long: each full render is also timed against the plain FFmpeg floor). E.g. CORPUS_ARGS="--no-floor --only a.md,b.md"
corpus: install
	$(BIN)/python -m benchmarks.corpus $(CORPUS_ARGS)

clean:
	rm -rf $(VENV) .dagster .pgdata .pgdata.supervisor.log .pgserver-run out .pytest .pytest_cache $(DBT_PROJECT)/target $(DBT_PROJECT)/logs
