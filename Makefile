# The two commands a new user needs (see README):
#   make demo   set everything up, then run the main job on built-in data
#   make test   set everything up, then run the test suite
# make test-slow runs the tests marked slow (left out of `make test`; CI runs them on the default stack).
# STACK=giotto runs either one on the giotto-tda stack (.venv-giotto).
STACK ?= default
VENV := $(if $(filter giotto,$(STACK)),.venv-giotto,.venv)
PYTEST_ARGS ?=

.PHONY: setup demo test test-slow lint docs
setup:
	@scripts/setup.sh $(STACK)

demo: setup
	$(VENV)/bin/tda-nn run pipelines/quick.yaml --out runs/quick

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-slow: setup
	$(VENV)/bin/python -m pytest -m slow $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check tda_nn tests benchmarks scripts

docs: setup
	$(VENV)/bin/python scripts/api_docs.py
