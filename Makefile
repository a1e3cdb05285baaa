# The everyday commands: `make run`, `make demo`, `make test`, `make admin`, `make flower`.
# Each sets up the virtualenv first. The commands that start the app run it in development
# (APP_ENV=development, on 127.0.0.1) unless APP_ENV says otherwise.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Runs Procfile lines side by side, with the virtualenv first on PATH; Ctrl-C stops them cleanly.
PROCFILE := $(BIN)/python scripts/procfile.py

.PHONY: run demo flower admin test clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Development choices, unless the environment or .env (which the app reads) makes them.
ifeq ($(shell grep -s '^APP_ENV=' .env),)
run demo flower admin: export APP_ENV ?= development
endif
ifeq ($(shell grep -s '^PUBLIC_URL=' .env),)
run demo: export PUBLIC_URL ?= http://127.0.0.1:$(PORT)
endif
run: export BIND_HOST ?= 127.0.0.1

run: $(BIN)/.installed  ## migrate, then API + workers + beat on embedded defaults, on 127.0.0.1
	$(BIN)/flask --app wsgi db upgrade
	@echo ""
	@echo "  OpenAPI:        http://$(BIND_HOST):$(PORT)/api/openapi.json"
	@echo "  Swagger UI:     http://$(BIND_HOST):$(PORT)/docs"
	@echo "  The demo:       make demo   (in another terminal, once the workers are ready)"
	@echo ""
	@$(PROCFILE) web worker worker_quick beat

demo: $(BIN)/.installed  ## with `make run` running: a customer, a sandbox payment, a song and its video, then the links
	@$(BIN)/flask --app wsgi demo

flower: export FLOWER_BASIC_AUTH ?= admin:admin
flower: $(BIN)/.installed  ## Flower (Celery's monitoring UI) on http://127.0.0.1:5555, FLOWER_BASIC_AUTH or admin:admin
	@$(PROCFILE) flower

admin: $(BIN)/.installed  ## create or promote an admin: make admin EMAIL=you@example.com PASSWORD='…'
	@test -n "$$EMAIL" -a -n "$$PASSWORD" || { echo "usage: make admin EMAIL=you@example.com PASSWORD='8 to 128 characters'" >&2; exit 2; }
	@$(BIN)/flask --app wsgi db upgrade
	@$(BIN)/flask --app wsgi create-admin "$$EMAIL" --password "$$PASSWORD"

test: $(BIN)/.installed  ## the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL answer)
	$(BIN)/pytest --timeout=600 -ra -p no:cacheprovider -W ignore::DeprecationWarning tests

clean:
	rm -rf $(VENV) instance .pytest_cache
