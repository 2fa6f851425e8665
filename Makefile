# The two set-up commands of the README. Both install what they need first.
PYTHON ?= python3
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt

.PHONY: demo test install-demo install-test lint

install-demo:
	$(PIP) -e ".[demo]"

install-test:
	$(PIP) -e ".[test]"

## make demo: install everything, open JupyterLab on the quickstart notebook
demo: install-demo
	$(PYTHON) -m jupyter lab notebooks/01_quickstart.ipynb

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

## make test: install everything, lint, then run the whole test suite
test: install-test lint
	$(PYTHON) -m pytest
