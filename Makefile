# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the demo session is package data, so a wheel and the bundle carry it (emgcoach.data.demo_recording)
DEMO   := emgcoach/data/demo/bird_dog.xdf

.PHONY: demo demo-headless test lint bench screenshots recordings icons bundle install clean

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
	$(BIN)/python -m emgcoach.demo

## The same session's analysis as text, for machines without a screen.
demo-headless: $(STAMP)
	$(BIN)/emgcoach analyze $(DEMO)

## The whole test suite, headless: in parallel (pytest-xdist, two workers a core: much of the suite
## waits on real time, live sensors and replays; PYTEST_WORKERS=0 for one process), then the
## tests marked `serial` alone (real time that another worker's load would break up; only the files that mark
## some are collected again), with `make lint` run
## beside them (its output after pytest's). Any of the three failing fails the target.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')
# Bytecode is written (PYTHONDONTWRITEBYTECODE cleared): each worker otherwise compiles the package and
# rewrites the asserts of every test module for itself, 7 CPU-s a worker before its first test.
PYTEST := PYTHONDONTWRITEBYTECODE= QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest
test: $(STAMP)
	@$(MAKE) --no-print-directory lint > $(VENV)/lint.log 2>&1 & lint=$$!; \
	$(PYTEST) -n $(PYTEST_WORKERS) --dist worksteal -m 'not serial'; parallel=$$?; \
	wait $$lint; linted=$$?; cat $(VENV)/lint.log; \
	$(PYTEST) -m serial $$(grep -rlE 'mark\.serial' tests --include='*.py'); serial=$$?; \
	if [ $$linted -ne 0 ]; then echo "make test: lint failed"; fi; \
	[ $$parallel -eq 0 ] && [ $$serial -eq 0 ] && [ $$linted -eq 0 ]

## ruff (pyproject.toml's [tool.ruff]): unused or undefined names, type hints on functions, no noqa that silences nothing;
## then mypy ([tool.mypy]): the package's types, and no type: ignore that silences nothing.
lint: $(STAMP)
	$(BIN)/ruff check emgcoach tests benchmarks tools packaging
	$(BIN)/python -m mypy

## Benchmarks (installs NeuroKit2 as the reference implementation).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[gui,test,cluster,bench]'
	$(BIN)/python benchmarks/dsp_throughput.py
	$(BIN)/python benchmarks/recording.py
	$(BIN)/python benchmarks/clock_alignment.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/progress_report.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/ui_frame.py
	$(BIN)/python benchmarks/app_session.py  # a real window when DISPLAY is set, offscreen otherwise

## Regenerate the simulated session of every drill in recordings/drills/ (deterministic: seed 7); the
## bird-dog's is the demo, written into the package.
recordings: $(STAMP)
	mkdir -p recordings/drills
	for d in $$($(BIN)/python -c "from emgcoach.coach.drills import load_library; print(' '.join(load_library(include_user=False)))"); do \
		out=recordings/drills/$$d.xdf; if [ $$d = bird_dog ]; then out=$(DEMO); fi; \
		$(BIN)/python -m emgcoach.cli simulate --drill $$d --rate 1000 --seed 7 -o $$out || exit 1; done

## Render the app's icon (emgcoach/resources/icons/emgcoach.svg) to its PNG sizes beside it (offscreen).
icons: $(STAMP)
	$(BIN)/python tools/render_icons.py

## The desktop app frozen into one folder, dist/emgcoach/ (PyInstaller: packaging/emgcoach.spec), built from an
## install of the package in its own venv (the gui and bundle extras only), then its smoke test run as a user
## would: no venv on PATH, no PYTHONPATH, no display.
BUNDLE_VENV := build/bundle-venv
bundle:
	test -x $(BUNDLE_VENV)/bin/python || $(PYTHON) -m venv $(BUNDLE_VENV)
	$(BUNDLE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BUNDLE_VENV)/bin/python -m pip install --quiet '.[gui,bundle]'
	$(BUNDLE_VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/emgcoach.spec
	env -i HOME="$$HOME" LANG=C.UTF-8 PATH=/usr/bin:/bin dist/emgcoach/emgcoach -c \
		"import bleak, ezc3d, pyedflib, pylsl, matplotlib.backends.backend_pdf; print('bundle: libraries load')"
	env -i HOME="$$HOME" LANG=C.UTF-8 PATH=/usr/bin:/bin dist/emgcoach/emgcoach --self-test
	@du -sh dist/emgcoach

## Render the main views to docs/screenshots/*.png (offscreen).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m emgcoach.ui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .mypy_cache
