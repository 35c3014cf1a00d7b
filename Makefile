# The two commands a newcomer needs: `make demo` and `make test`. Both set themselves up.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-placement soak setup clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/govkiosk demo --terminals $${TERMINALS:-50}

test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m benchmarks.run

bench-placement: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]' 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -m benchmarks.placement
	$(PY) -m benchmarks.placement_spopt
	$(PY) -m benchmarks.placement_scale

soak: $(STAMP)
	$(PY) -m govkiosk.sim.soak --kiosks 50 --cases 1000

clean:
	rm -rf $(VENV) .pytest_cache govkiosk.db*
