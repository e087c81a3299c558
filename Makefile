# Chatdeck: `make dev` runs the service locally, `make test` runs every test.
PY ?= python3.13
export PYENV_VERSION ?= 3.13.0
VENV := .venv
TOOLS := .venv-tools
LINT := .venv-lint
AUDIT := .venv-audit
REGION ?= us-east-1
PIP_INSTALL = bin/pip install -q --disable-pip-version-check

.PHONY: dev signin-link test unit integration property lint audit validate build bench mutate deploy clean

# Each environment is made the first time a target needs it, and again when its requirements
# change (the .installed stamp is older than them), so a fresh clone installs everything itself.
$(VENV)/.installed: requirements-dev.txt requirements-browser.txt layers/deps/requirements.txt pyproject.toml
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/$(PIP_INSTALL) -r requirements-dev.txt -r requirements-browser.txt
	touch $@

# aws-sam-cli pins its own boto3 and pydantic.
$(TOOLS)/.installed: requirements-tools.txt
	test -x $(TOOLS)/bin/python || $(PY) -m venv $(TOOLS)
	$(TOOLS)/$(PIP_INSTALL) -r requirements-tools.txt
	touch $@

# checkov pins boto3, networkx and packaging to versions the dev environment cannot have.
$(LINT)/.installed: requirements-lint.txt
	test -x $(LINT)/bin/python || $(PY) -m venv $(LINT)
	$(LINT)/$(PIP_INSTALL) -r requirements-lint.txt
	touch $@

$(AUDIT)/.installed: requirements-audit.txt
	test -x $(AUDIT)/bin/python || $(PY) -m venv $(AUDIT)
	$(AUDIT)/$(PIP_INSTALL) -r requirements-audit.txt
	touch $@

dev: $(VENV)/.installed
	$(VENV)/bin/python -m devstack

# A sign-in link for a member of the running local stack, without email: only the link on
# standard output; a non-member, or no stack running, exits non-zero with nothing there. EMAIL is
# read from the environment (make passes command-line variables on), never pasted into the shell
# line. No prerequisite: `make dev` made the environment, and nothing may be echoed on stdout.
signin-link:
	@$(VENV)/bin/python -m devstack.signin_link "$$EMAIL"

test: lint validate
	$(VENV)/bin/python -m pytest

unit: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -n auto tests/unit

integration: $(VENV)/.installed
	$(VENV)/bin/python -m pytest tests/contract tests/integration tests/e2e

# The property suite (tests/property) searching longer than in `make test`: random seeds, 10,000
# runs of 60 steps (PROPERTY_EXAMPLES=n for more or fewer). A failure is kept in .hypothesis/ and
# tried first next time; docs/reliability.md says what the suite checks.
PROPERTY_EXAMPLES ?= 10000
property: $(VENV)/.installed
	CHATDECK_PROPERTY_PROFILE=search CHATDECK_PROPERTY_EXAMPLES=$(PROPERTY_EXAMPLES) \
		$(VENV)/bin/python -m pytest tests/property -q

# Python: style, types (strict on shared/, and on tests/fakes/, whose `_fakes_are_ports` checks
# each fake against its port), security. template.yaml: cfn-lint with AWS's serverless rules,
# and checkov. Every finding is fixed or suppressed with a written reason
# (docs/security.md lists the suppressions). checkov --skip-download: it asks Prisma Cloud
# for nothing (guidelines, custom policies); the checks themselves are all in the package.
lint: $(VENV)/.installed $(LINT)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict tests/fakes
	$(VENV)/bin/bandit -q -c pyproject.toml -r shared functions devstack
	$(VENV)/bin/cfn-lint template.yaml --append-rules cfn_lint_serverless.rules
	$(LINT)/bin/checkov -f template.yaml --framework cloudformation --quiet --compact --skip-download

# Known vulnerabilities in what is deployed (the deps layer and everything it pulls in), from
# PyPI's advisory data (PyPI's JSON API). Needs the network, so it is not part of `make test`.
# --strict: a package the service cannot answer for fails the audit instead of being skipped,
# so "No known vulnerabilities found" always means every package was checked.
audit: $(AUDIT)/.installed
	$(AUDIT)/bin/pip-audit --requirement layers/deps/requirements.txt --strict --desc on \
		--progress-spinner off

validate: $(TOOLS)/.installed
	$(TOOLS)/bin/sam validate --lint --region $(REGION)

build: $(TOOLS)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(TOOLS)/bin/sam build

# Every benchmark, then bench/RESULTS.md and docs/costs.md rewritten from the results (under 10
# minutes on a clean clone). The artefact sizes come from a `sam build` of its own, made again
# only when the template, the layers' files or the code changed since the last one.
BENCH_BUILD := .aws-sam/bench-build/template.yaml
bench: $(VENV)/.installed $(BENCH_BUILD)
	$(VENV)/bin/python -m bench

$(BENCH_BUILD): $(TOOLS)/.installed template.yaml $(wildcard layers/*/*) \
		$(shell find shared functions -name '*.py' -not -path '*/__pycache__/*')
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(TOOLS)/bin/sam build --build-dir .aws-sam/bench-build \
		--region $(REGION)

bench-build: $(VENV)/.installed
	rm -f $(BENCH_BUILD)
	$(MAKE) $(BENCH_BUILD)
	$(VENV)/bin/python -m bench artefacts

# Mutation testing of the core with mutmut (bench/mutation.py; files and tests in pyproject.toml's
# [tool.mutmut]): one worker under nice, about 40 minutes here. Not part of `make test`. The score
# goes to bench/results/mutation.json; it fails while a survivor is neither killed nor explained in
# bench/mutation_equivalents.py. TARGETS="posts same_origin" runs only those.
TARGETS ?=
mutate: $(VENV)/.installed
	$(VENV)/bin/python -m bench.mutation $(TARGETS)

deploy: build
	$(TOOLS)/bin/sam deploy --guided

clean:
	rm -rf .aws-sam .devstack .pytest_cache .mypy_cache .ruff_cache
