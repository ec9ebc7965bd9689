# The two commands a new user runs on a fresh machine:
#   make demo   set up, then crawl the bundled sample portals into the SQLite database under var/
#   make test   set up, then run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := $(shell cat .ci/apt-packages.txt)

.PHONY: demo test setup sysdeps seeds-check lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip   # old pips break trafilatura's lxml extra
	$(BIN)/python -m pip install --quiet -e '.[test,ocr]'   # ocr: offline OCR of scans (optional extra)
	touch $(STAMP)

# Debian packages the document readers use (catdoc for .doc). Installed when missing and we are
# root; otherwise say which are missing (their tests then skip with that reason).
sysdeps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null; \
	  else echo "note: missing Debian packages:$$missing (sudo apt-get install$$missing)"; fi; \
	fi

demo: setup
	cd $(CURDIR) && $(BIN)/scrapy demo

seeds-check: setup
	$(BIN)/scrapy seeds check seeds/

# ruff and mypy over the product packages (configured in pyproject.toml)
lint: setup
	$(BIN)/ruff check crawler pipelines
	$(BIN)/mypy

test: setup sysdeps lint
	$(BIN)/scrapy seeds check seeds/
	$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
