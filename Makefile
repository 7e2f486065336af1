# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
WORKSPACE ?= workspace
PORT ?= 8501

.PHONY: install demo build app test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-nodeps.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

install: $(VENV)/.installed

build: install
	$(PY) -m llmrec build --workspace $(WORKSPACE) --source demo

app: install
	LLMREC_WORKSPACE=$(WORKSPACE) $(PY) -m streamlit run app.py --server.port $(PORT)

demo: build app

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check llmrec tests pages app.py

bench: install
	$(PY) -m llmrec.bench

clean:
	rm -rf $(VENV) $(WORKSPACE) .pytest_cache .ruff_cache
