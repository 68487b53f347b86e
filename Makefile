# diplosim: `make demo` runs the flagship scenario, `make test` runs every gate.
# Both create the virtual environment .venv (with $(PYTHON), 3.11 or newer) if it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLAGSHIP := scenarios/eu_russia_ukraine_buffer_zone.yaml

.PHONY: demo test test-fast lint typecheck unit bench clean chromium app

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

demo: $(VENV)/.installed-run
	$(BIN)/diplosim run $(FLAGSHIP) --out out/demo

test: lint typecheck unit

lint: $(VENV)/.installed-test
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest
	$(BIN)/diplosim validate scenarios/*.yaml scenarios/classics/*.yaml

# The browser test drives the page (diplosim app) with the system's Chromium: Debian's
# chromium package, installed with apt-get where it is missing and we may (root, or sudo
# without a password); otherwise one line saying how. DIPLOSIM_CHROMIUM names another binary.
chromium:
	@if [ -n "$$DIPLOSIM_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		exit 0; \
	elif command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		echo "installing Debian's chromium for the browser test (apt-get)"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "make test needs Chromium for its browser test: install it (Debian/Ubuntu: sudo apt-get install chromium) or set DIPLOSIM_CHROMIUM to a Chromium binary"; \
		exit 1; \
	fi

# The browser page on the flagship: http://127.0.0.1:8765/
app: $(VENV)/.installed-app
	$(BIN)/diplosim app $(FLAGSHIP)

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[app]'
	touch $@ $(VENV)/.installed-run

# Everything not marked slow (no subprocesses, notebooks, kills or large property tests), on
# all cores: a check in under a minute while working. make test remains the full gate.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not slow" -q -n auto

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/solvers.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/trees.py
	$(BIN)/python benchmarks/bargaining.py
	$(BIN)/python benchmarks/flagship_montecarlo.py
	$(BIN)/python benchmarks/app.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
