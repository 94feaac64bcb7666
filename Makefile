# The project's whole vocabulary: make demo | make test | make lint | make bench [ONLY=name]
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The demo city's size: a tenth of Shanghai's network and 20,000 residents loads in well under
# a minute; `learningcity seed-demo --scale 1 --learners 1000000` builds the full city.
DEMO_SCALE ?= 0.1
DEMO_LEARNERS ?= 20000
DEMO_SEED ?= 1
STAMP := $(VENV)/.installed
# The demo, the tests and the benchmarks run with the development keys (see core/checks.py).
export LEARNINGCITY_DEV_KEYS_OK ?= true

.PHONY: demo test lint check-migrations pytest pytest-sqlite pytest-postgres bench system-deps \
        messages clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

system-deps:
	@scripts/system-deps.sh

demo: $(STAMP)
	@mkdir -p var
	$(BIN)/learningcity migrate --noinput -v0
	$(BIN)/learningcity collectstatic --noinput -v0
	$(BIN)/learningcity seed-demo --if-empty --scale $(DEMO_SCALE) --learners $(DEMO_LEARNERS) --seed $(DEMO_SEED)
	@echo "Serving on http://127.0.0.1:$(PORT)/  (API docs: http://127.0.0.1:$(PORT)/api/docs)"
	@# The task worker (waiting-list promotion, offer expiry) runs beside the web server and
	@# stops with it.
	$(BIN)/learningcity db_worker --no-startup-delay >> var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn learningcity.wsgi:application --bind 127.0.0.1:$(PORT) \
	    --workers 2 --threads 4 --access-logfile - --timeout 60

lint: $(STAMP)
	@mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/learningcity makemigrations --check --dry-run -v1
	@scripts/check-messages.sh

pytest-sqlite: $(STAMP)
	$(BIN)/pytest -n 2 -q

pytest-postgres: $(STAMP)
	scripts/with-postgres.sh $(BIN)/pytest -n 2 -q

test: $(STAMP) system-deps lint pytest-sqlite pytest-postgres

bench: $(STAMP)
	@scripts/run-bench.sh $(ONLY)

messages: $(STAMP)
	cd learningcity && ../$(BIN)/learningcity makemessages -l zh_Hans --no-obsolete --no-location
	cd learningcity && ../$(BIN)/learningcity compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var build *.egg-info
