# Common commands. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format venv messages bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Set up, migrate, create the demo organization when the database is empty, serve with
## gunicorn and the supervised worker, DEBUG off (DEBUG=1 make run turns it on; for
## Django's runserver use `revisit serve --dev`).
run: $(STAMP)
	$(BIN)/revisit migrate --noinput
	$(BIN)/revisit demo --if-empty
	$(BIN)/revisit collectstatic --noinput --verbosity 0
	$(BIN)/revisit serve

## Set up and run the whole test suite (DATABASE_URL picks the database; SQLite by default),
## one pytest-xdist worker per core: each worker has its own test database (pytest-django
## names it after the worker) and state folder (tests/conftest.py); loadgroup keeps the
## tests that share a costly session fixture (xdist_group) on one worker.
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## Refresh the translation catalogue after changing user-facing strings.
messages: $(STAMP)
	cd src/revisit && ../../$(BIN)/revisit makemessages -l zh_Hans --no-obsolete
	cd src/revisit && ../../$(BIN)/revisit compilemessages

## Every benchmark, one after the other (run them on an otherwise idle machine).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/import_orders.py
	$(BIN)/python bench/engine_rfm.py
	$(BIN)/python bench/inventory_db.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/calendar.py
	$(BIN)/python bench/journeys.py
	$(BIN)/python bench/messages.py
	$(BIN)/python bench/points_import.py

clean:
	rm -rf $(VENV) var
