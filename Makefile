# The two set-up commands of the README. Each installs what it needs first.
PYTHON ?= python3
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install-demo install-test install-browser lint

install-demo:
	$(PIP) -e ".[demo]"

install-test:
	$(PIP) -e ".[test,bench]"

# Debian's chromium drives the browser tests (never `playwright install`: it
# downloads a browser). Without root or sudo the browser tests skip, saying so.
install-browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; } && \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium not installed: browser tests will skip (apt-get install chromium)"

## make demo: install everything, open JupyterLab on the quickstart notebook
demo: install-demo
	$(PYTHON) -m jupyter lab notebooks/01_quickstart.ipynb

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

## make test: install everything (chromium too), lint, run the whole test suite
test: install-test install-browser lint
	$(PYTHON) -m pytest
