# Chatdeck: `make dev` runs the service locally, `make test` runs every test.
PY ?= python3.13
export PYENV_VERSION ?= 3.13.0
VENV := .venv
TOOLS := .venv-tools
REGION ?= us-east-1

.PHONY: dev test unit integration lint validate build bench deploy clean

$(VENV)/.installed: requirements-dev.txt layers/deps/requirements.txt pyproject.toml
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(TOOLS)/.installed: requirements-tools.txt
	test -x $(TOOLS)/bin/python || $(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check -r requirements-tools.txt
	touch $@

dev: $(VENV)/.installed
	$(VENV)/bin/python -m devstack

test: lint validate
	$(VENV)/bin/python -m pytest

unit: $(VENV)/.installed
	$(VENV)/bin/python -m pytest tests/unit

integration: $(VENV)/.installed
	$(VENV)/bin/python -m pytest tests/integration tests/e2e

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

validate: $(TOOLS)/.installed
	$(TOOLS)/bin/sam validate --lint --region $(REGION)

build: $(TOOLS)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(TOOLS)/bin/sam build

bench: $(VENV)/.installed
	$(VENV)/bin/python -m bench

deploy: build
	$(TOOLS)/bin/sam deploy --guided

clean:
	rm -rf .aws-sam .devstack .pytest_cache .mypy_cache .ruff_cache
