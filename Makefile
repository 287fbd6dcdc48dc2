# The two commands: `make run` (set up and serve the demo) and `make test` (set up and pass the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# Two pytest workers, each file on one worker (the bench harness and cache tests share one server set-up per file).
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: run test lint format install install-dev migrate demo serve soak bench bench-ci bench-scale

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo_data

run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production serving: DEBUG off, migrations applied, hashed and compressed static files, gunicorn.
# Needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL (README.md, "Deploying").
serve: export DJANGO_DEBUG = false
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	exec $(BIN)/gunicorn --config archive/gunicorn.conf.py

# Load and faults (bench/soak.py): a fixed load on gunicorn and PostgreSQL while PostgreSQL
# restarts, then an audit of every write; results in bench/SOAK.md. It restarts the server named
# by SOAK_PGDATA or SOAK_CLUSTER, else the Debian cluster on SOAK_DATABASE_URL's port
# (default postgres://postgres@127.0.0.1:5432/ra_soak): never a server that others are using.
soak: install
	$(BIN)/python bench/soak.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Performance (bench/run.py, README "Performance"): the synthetic archive served by gunicorn in
# production settings and by Datasette, driven by wrk; results in bench/RESULTS.md.
bench: install-dev
	$(BIN)/python bench/run.py

# The harness in its small configuration (a few thousand rows, two seconds per scenario).
bench-ci: install-dev
	$(BIN)/python bench/run.py --small

# Status as of a day at 1,000,000 recognitions against 100,000 (bench/RESULTS-scale.md).
bench-scale: install-dev
	$(BIN)/python bench/run.py --scale 10
