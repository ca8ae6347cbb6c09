# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := recordings/drills/bird_dog.xdf

.PHONY: demo demo-headless test lint bench screenshots recordings install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[gui,test,cluster]'
	$(BIN)/python -c 'import emgcoach.dsp.compiled'  # compile the DSP loops once, into numba's disk cache
	touch $(STAMP)

install: $(STAMP)

## Open the app replaying the bundled bird-dog session: calibration, then a coached set of 8 reps
## (without a screen: its analysis instead).
demo: $(STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/emgcoach replay $(DEMO); \
	else \
		echo "No screen found: printing the session's analysis (make demo-headless)."; \
		$(BIN)/emgcoach analyze $(DEMO); \
	fi

## The same session's analysis as text, for machines without a screen.
demo-headless: $(STAMP)
	$(BIN)/emgcoach analyze $(DEMO)

## The whole test suite, headless.
test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

## ruff (pyproject.toml's [tool.ruff]): unused or undefined names, type hints on functions, no noqa that silences nothing.
lint: $(STAMP)
	$(BIN)/ruff check emgcoach tests benchmarks

## Benchmarks (installs NeuroKit2 as the reference implementation).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[gui,test,cluster,bench]'
	$(BIN)/python benchmarks/dsp_throughput.py
	$(BIN)/python benchmarks/recording.py
	$(BIN)/python benchmarks/clock_alignment.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/progress_report.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/ui_frame.py

## Regenerate the simulated session of every drill in recordings/drills/ (deterministic: seed 7).
recordings: $(STAMP)
	mkdir -p recordings/drills
	for d in $$($(BIN)/python -c "from emgcoach.coach.drills import load_library; print(' '.join(load_library(include_user=False)))"); do \
		$(BIN)/python -m emgcoach.cli simulate --drill $$d --rate 1000 --seed 7 -o recordings/drills/$$d.xdf || exit 1; done

## Render the main views to docs/screenshots/*.png (offscreen).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m emgcoach.ui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
