# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := recordings/bird_dog_sim.xdf

.PHONY: demo demo-headless test bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Replay the bundled bird-dog session. (Until the desktop app lands this prints its analysis.)
demo: $(STAMP)
	$(BIN)/emgcoach analyze $(DEMO)

## The same session's analysis as text, for machines without a screen.
demo-headless: $(STAMP)
	$(BIN)/emgcoach analyze $(DEMO)

## The whole test suite, headless.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

## Benchmarks (installs NeuroKit2 as the reference implementation).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/dsp_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
