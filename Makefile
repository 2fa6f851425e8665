# The set-up commands of the README. Each installs what it needs first.
PYTHON ?= python3

# Which torch build pip may pick. requirements/constraints.txt pins torch==2.13.0.
# Default (empty): only the registries pip is configured with. On the team's
# machines the 2.13.0 CPU wheel is already installed, so nothing is fetched; on a
# fresh machine with the public index, 2.13.0 is the CUDA build (several GB with
# its nvidia packages). `make demo TORCH_INDEX=cpu` (or `export TORCH_INDEX=cpu`)
# adds PyTorch's CPU wheel index, as binder/requirements.txt does, and pip then
# installs 2.13.0+cpu. Any other value is used as the extra index URL itself.
TORCH_INDEX ?=
ifeq ($(TORCH_INDEX),cpu)
TORCH_INDEX_URL = https://download.pytorch.org/whl/cpu
else
TORCH_INDEX_URL = $(TORCH_INDEX)
endif
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check \
	-c requirements/constraints.txt $(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL))
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Jupyter refuses to start as root without --allow-root (the usual container case)
ALLOW_ROOT = $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
DOCS_OUT ?= build/docs
# extra options for `make demo`, e.g. JUPYTER_ARGS="--no-browser --port 8890"
JUPYTER_ARGS ?=

.PHONY: demo test docs install-demo install-test install-docs install-browser lint typecheck

install-demo:
	$(PIP) -e ".[demo]"

install-test:
	$(PIP) -e ".[test,bench,docs,dask,ebm]"

install-docs:
	$(PIP) -e ".[docs]"

# Debian's chromium drives the browser tests (never `playwright install`: it
# downloads a browser). Without root or sudo the browser tests skip, saying so.
install-browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; } && \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium not installed: browser tests will skip (apt-get install chromium)"

## make demo: install everything, open JupyterLab (rooted at the repository) on the quickstart
demo: install-demo
	$(PYTHON) -m jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=. $(JUPYTER_ARGS) notebooks/01_quickstart.ipynb

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

# mypy over the package (configured in pyproject.toml); the layer contract and the
# protocol are checked by tests/test_layers.py in the suite
typecheck:
	$(PYTHON) -m mypy namwidgets

## make docs: build the HTML documentation into build/docs (executes the notebooks)
docs: install-docs
	$(PYTHON) -m sphinx -W --keep-going -b html docs $(DOCS_OUT)

## make test: install everything (chromium too), lint, run the whole test suite
test: install-test install-browser lint typecheck
	$(PYTHON) -m pytest
