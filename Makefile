# Quick start:  make demo   (set up .venv, install the kernel, run the reactive demo)
#               make test   (the whole test suite)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The JupyterLab plugin's sources: the editable install builds them with Node (npm).
PLUGIN_SOURCES := labextension/package.json labextension/package-lock.json labextension/tsconfig.json \
	$(wildcard labextension/src/*.ts) $(wildcard labextension/style/*)

.PHONY: install demo test lint bench bench-quick clean

# A develop link makes the installed extension folder the build folder: the last install's copy
# of install.json lands there, and the next wheel would hold it twice; it is removed first.
$(STAMP): pyproject.toml $(PLUGIN_SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	rm -f reactive_kernel/labextension/install.json
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m reactive_kernel install --sys-prefix
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter labextension develop --overwrite .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy --python-executable $(BIN)/python

$(VENV)/.bench: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[bench]"
	touch $(VENV)/.bench

# the peers (ipyflow, marimo) get their own environment, .venv-peers
.venv-peers/bin/python: $(VENV)/.bench
	$(BIN)/python -m bench --setup-peers

# results go to build/bench/; PUBLISH=1 updates the committed docs/performance.md and plot
bench: .venv-peers/bin/python
	$(BIN)/python -m bench $(if $(PUBLISH),--publish)

bench-quick: .venv-peers/bin/python
	$(BIN)/python -m bench --quick $(if $(PUBLISH),--publish)

clean:
	rm -rf $(VENV) .venv-peers build *.egg-info tests/artifacts \
		labextension/node_modules labextension/lib labextension/tsconfig.tsbuildinfo reactive_kernel/labextension
