# Set-up is two commands: `make demo` (the main job on its embedded defaults) and `make test`.
# Both create .venv and install what they need on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser demo test bench lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip setuptools wheel
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

# Debian's chromium; Playwright's own browser download cannot work offline.
# Elsewhere, set GUIDEAUDIT_CHROMIUM to any Chromium/Chrome binary instead.
browser:
	@if [ -n "$$GUIDEAUDIT_CHROMIUM" ] || command -v chromium >/dev/null 2>&1 \
	   || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then :; \
	else $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; fi

demo: setup browser
	$(VENV)/bin/guideaudit demo

test: setup browser
	$(PY) -m pytest

bench: setup browser
	$(PY) -m bench

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
