# Every target sets up (or reuses) .venv first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
RAW    ?= raw
OUT    ?= extracted
JOBS   ?= 1

.PHONY: setup extract test bench fuzz clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(STAMP)

extract: $(STAMP)
	$(PY) -m pipeline extract $(RAW) --out $(OUT) --jobs $(JOBS); status=$$?; \
	$(PY) -m pipeline load --extracted $(OUT) --db $(OUT)/warehouse.duckdb && exit $$status

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/bench.py --profile

fuzz: $(STAMP)
	FUZZ_CASES=300 $(PY) -m pytest tests/test_fuzz.py -q

clean:
	rm -rf $(OUT) .pytest_cache
