# Two commands do all set-up on a fresh Debian/Ubuntu machine with Python 3.10+:
#   make demo   run the tour notebook on embedded defaults (SQLite, scripted model without a key)
#   make test   run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lab bench doctor setup clean

$(STAMP): pyproject.toml scripts/setup.sh
	@PYTHON="$(PYTHON)" scripts/setup.sh

setup: $(STAMP)
	@scripts/setup.sh --runtime

demo: setup
	$(BIN)/workbench demo

test: setup
	@scripts/setup.sh --browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lab: setup
	$(BIN)/python -m workbench.notebook.jupyterlab notebooks

doctor: setup
	$(BIN)/workbench doctor

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf build .pytest_cache
