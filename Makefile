# Developer entry points. Each target creates .venv on first use (python3.11).
PYTHON ?= python3.11
VENV := .venv
# Marks a finished `pip install -e`; redone when pyproject.toml changes.
STAMP := $(VENV)/.installed

.PHONY: setup run test test-all lint mutate mutate-security fuzz

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -e '.[test]'
	touch $@

# SQLite in ./scim.db; config.yaml (with a random password) is written on first use.
run: $(STAMP)
	$(VENV)/bin/python scripts/dev-config.py config.yaml
	$(VENV)/bin/scim-service --config config.yaml serve

# The default tier (no PostgreSQL, no live server, nothing slow), on every core (pytest-xdist,
# see addopts in pyproject.toml); `make test ARGS="-n 0 -x"` runs it in one process.
test: $(STAMP)
	$(VENV)/bin/pytest $(ARGS)

# Every tier, on every core; the pg tier needs SCIM_TEST_DATABASE_URL (.ci/run sets it up).
test-all: $(STAMP)
	$(VENV)/bin/pytest -m '' $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict domain
	$(VENV)/bin/mypy adapters app wsgi.py

# Mutation testing of domain/ and the security adapters ([tool.mutmut] in pyproject.toml) with
# its report (docs/testing.md); about 40 minutes on 2 cores. `mutate-security` is CI's subset.
mutate: $(STAMP)
	$(VENV)/bin/python scripts/mutation.py full

mutate-security: $(STAMP)
	$(VENV)/bin/python scripts/mutation.py security

# Coverage-guided fuzzing of the filter and PATCH path parsers (atheris, scripts/fuzz.py) for a
# minute; libFuzzer flags pass through, e.g. `make fuzz ARGS="-max_total_time=600"`. A crash is
# written to ./crash-<hash>; `make fuzz ARGS=crash-<hash>` replays it.
fuzz: $(STAMP)
	$(VENV)/bin/pip install -q -e '.[test,fuzz]'
	$(VENV)/bin/python scripts/fuzz.py -max_total_time=60 $(ARGS)
