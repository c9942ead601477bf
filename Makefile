# The README's set-up: `make demo` runs the main job, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Debian packages the tests and the demo token need.
# chromium drives the web-mode test; openssh-server the forwarded-token test; faketime the
# run of the date-sensitive tests on another day.
APT_PACKAGES := softhsm2 opensc p11-kit p11-kit-modules poppler-utils qpdf tmux fonts-liberation2 \
	openssh-server openssh-client chromium faketime
PYTEST_ARGS ?=

.PHONY: demo test test-dates smoke lint bench apt venv clean

$(BIN)/kyso: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/kyso

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

demo: apt venv
	$(BIN)/kyso demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: apt venv lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The tests that read the calendar (numbering, issuance, the seed), run again on 2 January
# 03:00 +07:00 of next year: a test must pass on any day, not only the day it was written.
DATE_TESTS := tests/test_tui_issuance.py tests/test_issuance_registry.py tests/test_issuance_cli.py \
	tests/test_issuance_flow.py tests/test_server_seed.py tests/test_server_workflow.py \
	tests/test_server_book_rules.py tests/test_server_copies.py tests/test_issuance_demo.py \
	tests/test_issuance_output.py
test-dates: apt venv
	year=$$(( $$(date -u +%Y) + 1 )); \
	faketime -f "@$$year-01-01 20:00:00" $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS) $(DATE_TESTS)

# What users install: the wheel in a clean venv, run from outside the source tree.
smoke: apt venv
	PYTHON=$(BIN)/python bash .ci/smoke-wheel

bench: apt venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
