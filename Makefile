# Entry points. Every target runs the idempotent set-up first.
PY := .venv/bin/python
ifneq ($(MMMTL_VENV),)
  ifeq ($(MMMTL_VENV),none)
    PY := python
  else
    PY := $(MMMTL_VENV)/bin/python
  endif
endif

.PHONY: setup quickstart test lint

setup:
	bash tools/setup_env.sh

quickstart: setup
	$(PY) tools/quickstart.py

test: setup
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check .
