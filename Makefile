# SafeYard - the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The PostgreSQL the suite also runs against (a fresh database is created from it per run).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run demo serve test test-fast test-deps test-sqlite test-postgres lint typecheck imports check bench bench-large bench-queues bench-reports bench-ingest-reports bench-workers bench-photos clean

$(BIN)/.installed: pyproject.toml
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## make run: install, migrate, load the Almaty demo data, serve on http://127.0.0.1:8000 (SQLite)
run: demo serve

demo: install
	$(BIN)/safeyard demo

serve: install
	$(BIN)/safeyard serve --host 127.0.0.1 --port 8000

## make test: install, then the whole suite on SQLite and on PostgreSQL
test: test-sqlite test-postgres

test-deps: install
	bash scripts/test-deps.sh

test-sqlite: test-deps
	$(BIN)/python -m pytest

## make test-fast: the everyday subset on SQLite, under 2 minutes: no tests marked slow
## (a real browser, killed servers, Docker, backups, fuzzing, large data; tests/conftest.py)
test-fast: test-deps
	$(BIN)/python -m pytest -m "not slow" --hypothesis-profile=fast

test-postgres: test-deps
	bash scripts/ensure-postgres.sh
	SAFEYARD_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check app tests bench alembic
	$(BIN)/ruff format --check app tests bench alembic

typecheck: install
	$(BIN)/mypy app

imports: install
	$(BIN)/lint-imports

## make check: lint, types, the import contract, migrations in step with models, the tests
check: lint typecheck imports test

## make bench: the ingest benchmark against a fresh SQLite database (see docs/PERFORMANCE.md)
bench: install
	$(BIN)/python -m bench.ingest

## make bench-large: map API latency and ingest at 1,000,000 submissions over 20,000 yards
## (SQLite; the built database is kept under var/bench/; see docs/PERFORMANCE.md)
bench-large: install
	$(BIN)/python -m bench.large

## make bench-queues: /inspector/queue and /my-yards p95 at the bench-large scale, against a
## bare GET through the same server (builds the large database if needed; docs/PERFORMANCE.md)
bench-queues: install
	$(BIN)/python -m bench.queues

## make bench-reports: a warm yard PDF report against WeasyPrint's one-page floor, one core
bench-reports: install
	$(BIN)/python -m bench.reports

## make bench-ingest-reports: ingest alone and while two clients download cold yard PDFs,
## with the PDFs rendered in the web process and in a separate niced process (docs/PERFORMANCE.md)
bench-ingest-reports: install
	$(BIN)/python -m bench.ingest_reports

## make bench-workers: ingest with one and with two uvicorn workers, alternated, on SQLite
## (DATABASE=postgresql for PostgreSQL; docs/PERFORMANCE.md, "Two workers")
bench-workers: install
	$(BIN)/python -m bench.workers --database $(or $(DATABASE),sqlite)

## make bench-photos: server RSS while 8 worst-case photos of each format are uploaded at once,
## against a bare upload endpoint (see docs/PERFORMANCE.md)
bench-photos: install
	$(BIN)/python -m bench.photo_memory

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
