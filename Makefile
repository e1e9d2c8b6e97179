# Two entry points: `make demo` and `make test`. Both create .venv on first use and reinstall only
# when pyproject.toml changes (the stamp file records the last install).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := data/samples/alliance

.PHONY: demo demo-clusters test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/matcher plan $(SAMPLE) --out out

# The sample planned alliance-wide, inside clusters formed knowing its projects, and as a
# review cycle: out/clusters/sweep.csv compares projects staffed (docs/clusters.md).
demo-clusters: $(STAMP)
	$(BIN)/matcher sweep $(SAMPLE) --grid data/samples/clusters.toml --out out/clusters

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-enable -p no:cacheprovider -s

lint: $(STAMP)
	$(BIN)/ruff check matcher solvers tests benchmarks
	$(BIN)/mypy matcher solvers tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
