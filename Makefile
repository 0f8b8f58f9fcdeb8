# groovebox — `make demo` to hear it, `make test` to check it. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench sound soak lint clean clean-cache

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "groovebox needs Python >= 3.11 (set PYTHON=python3.11)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/groovebox demo --out out

# Unit tests, CLI tests, notebooks (nbmake), docstring examples — the whole suite CI runs. A JACK dummy server
# runs around it for the real-time tests and the live notebook (they skip without jackd).
test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	tests/jack_server.sh -p 1024 -- $(PY) -m pytest tests notebooks src/groovebox --nbmake --doctest-modules -q

bench: $(STAMP)
	tests/jack_server.sh -p 256 -- $(PY) -m pytest benchmarks --benchmark-only --benchmark-columns=mean,stddev,min,max,rounds -q -s

# Every kit measured against the recorded Hydrogen kits (needs hydrogen-data): hits and balance.
sound: $(STAMP)
	$(PY) benchmarks/sound_report.py

# Not in CI: SOAK_MINUTES of live playback on a JACK dummy server with a live change every 100 ms,
# at 1024- and at 256-frame periods; prints underruns and callback times. SOAK_BASELINE=N first
# plays N minutes through a callback that only writes zeros (the machine's own underrun floor).
SOAK_MINUTES ?= 10
SOAK_BLOCKS ?= 1024 256
SOAK_BASELINE ?= 0
soak: $(STAMP)
	for b in $(SOAK_BLOCKS); do \
	    tests/jack_server.sh -p $$b -- $(PY) benchmarks/soak_realtime.py --minutes $(SOAK_MINUTES) \
	        --blocksize $$b --baseline-minutes $(SOAK_BASELINE) || exit 1; \
	done

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports --no-cache

# Numba's cache does not notice edits to a kernel's callees in other files; after editing
# src/groovebox/dsp, clear it.
clean-cache:
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete

clean: clean-cache
	rm -rf out .pytest_cache .benchmarks
