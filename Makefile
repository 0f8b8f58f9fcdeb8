# groovebox — `make demo` to hear it, `make test` to check it. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench soak lint clean clean-cache

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "groovebox needs Python >= 3.11 (set PYTHON=python3.11)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/groovebox demo --out out

# Unit tests, CLI tests, notebooks (nbmake) — the whole suite CI runs.
test: $(STAMP)
	$(PY) -m pytest tests notebooks --nbmake -q

bench: $(STAMP)
	$(PY) -m pytest benchmarks --benchmark-only --benchmark-columns=mean,stddev,min,max,rounds -q -s

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

# Numba's cache does not notice edits to a kernel's callees in other files; after editing
# src/groovebox/dsp, clear it.
clean-cache:
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete

clean: clean-cache
	rm -rf out .pytest_cache .benchmarks
