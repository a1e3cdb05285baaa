# The two commands: `make run` and `make test`. Both set up the virtualenv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

run: $(BIN)/.installed  ## migrate and start API + Celery worker + beat on embedded defaults
	$(BIN)/flask --app wsgi db upgrade
	@echo ""
	@echo "  SongCraft API:  http://localhost:$(PORT)/api/v1"
	@echo "  Swagger UI:     http://localhost:$(PORT)/docs"
	@echo ""
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start web worker beat

test: $(BIN)/.installed  ## the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL answer)
	$(BIN)/pytest --timeout=600 -ra -p no:cacheprovider -W ignore::DeprecationWarning tests

clean:
	rm -rf $(VENV) instance .pytest_cache
