# groovebox — `make demo` to hear it, `make test` to check it. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUNTIME := $(VENV)/.installed-runtime
JUPYTER := $(VENV)/.installed-jupyter

.PHONY: install demo notebook test bench bench-peers sound soak fuzz lint clean clean-cache

# `make demo` needs only what groovebox runs on; `make test` adds the development tools.
$(RUNTIME): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "groovebox needs Python >= 3.11 (set PYTHON=python3.11)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# A ./groovebox launcher for this checkout, so `./groovebox list` works without activating.
groovebox: $(RUNTIME)
	@printf '#!/bin/sh\n# made by `make demo`: groovebox from this checkout'"'"'s .venv\nexec "$$(dirname "$$0")/.venv/bin/groovebox" "$$@"\n' > groovebox
	@chmod +x groovebox

demo: $(RUNTIME) groovebox
	$(VENV)/bin/groovebox demo --out out
	@echo
	@echo "groovebox is ready. Try:  ./groovebox list   ./groovebox play breaks/funky-drummer"
	@echo "(or type 'source .venv/bin/activate' once, then just: groovebox --help)"

# The notebooks in JupyterLab (installed into .venv the first time).
$(JUPYTER): $(RUNTIME)
	$(PY) -m pip install --quiet jupyterlab ipykernel
	touch $(JUPYTER)

notebook: $(JUPYTER)
	$(VENV)/bin/jupyter lab notebooks

# Unit tests, CLI tests, notebooks (nbmake), docstring examples — the whole suite CI runs. A JACK dummy server
# runs around it for the real-time tests and the live notebook (they skip without jackd).
test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	tests/jack_server.sh -p 1024 -- $(PY) -m pytest tests notebooks src/groovebox --nbmake --doctest-modules -q

bench: $(STAMP)
	tests/jack_server.sh -p 256 -- $(PY) -m pytest benchmarks --benchmark-only --benchmark-columns=mean,stddev,min,max,rounds -q -s

# W1 and W2 beside SuperCollider's scsynth -N, in the same run (not in CI: it installs Debian's
# supercollider-server first, as root or through sudo).
bench-peers: $(STAMP)
	@command -v scsynth >/dev/null || { \
	    echo "installing supercollider-server (for scsynth)"; \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y --no-install-recommends supercollider-server; }
	$(PY) benchmarks/bench_peers.py --rounds 5

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

# Not in CI: FUZZ_MINUTES of mutated files for every reader (tests/fuzz/readers.py), shared
# equally; prints the cases run per reader. `make test` runs a short pass (tests/test_fuzz.py).
FUZZ_MINUTES ?= 30
fuzz: $(STAMP)
	$(PY) -m tests.fuzz --minutes $(FUZZ_MINUTES)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports --no-cache

# Numba's cache does not notice edits to a kernel's callees in other files; after editing
# src/groovebox/dsp, clear it (and the synthesized drum tables kept next to it).
clean-cache:
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete
	rm -rf src/groovebox/kits/__pycache__/tables

clean: clean-cache
	rm -rf out .pytest_cache .benchmarks groovebox
