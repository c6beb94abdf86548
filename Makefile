# Two commands for a fresh machine:  `make app` (dashboard on the sample)  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU wheel of torch; a bare `torch` requirement would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
PORT ?= 8501
# Datasets the dashboard offers: empty = sample_data plus every dataset directory under data/
# (where `python -m core import ... --out data/<name>` puts them). `make app DATA=/srv/shop` or
# `DATA=data/beauty:/srv/datasets` (a dataset, or a folder of them; `:`-separated) replaces that.
# Set only on the command line (`:=`), so a DATA variable in the shell's environment is not picked up.
DATA :=

.PHONY: install app lint test test-browser bench-app sample clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# The dashboard listens on this machine only (.streamlit/config.toml); `make app ADDRESS=0.0.0.0` listens on
# every interface -- only behind a proxy with logins (docs/scale.md). It prints its address and, where there is
# a screen (DISPLAY / WAYLAND_DISPLAY, or macOS), opens it in a browser tab once it answers; OPEN=0 never does.
ADDRESS :=
OPEN ?= 1
URL = http://localhost:$(PORT)

app: install
	@printf '\n  Modality Lens is starting: open  %s  in a browser (Ctrl+C stops it).\n  From another machine: ssh -N -L %s:localhost:%s USER@THIS_HOST, then open %s there.\n\n' "$(URL)" "$(PORT)" "$(PORT)" "$(URL)"
	@if [ "$(OPEN)" = 1 ] && { [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; }; then \
	  ( for i in $$(seq 120); do sleep 1; \
	      if $(BIN)/python -c "import urllib.request as r; r.urlopen('$(URL)/_stcore/health', timeout=1)" 2>/dev/null; then \
	        exec $(BIN)/python -m webbrowser -t "$(URL)" >/dev/null 2>&1; fi; done ) & fi
	$(if $(DATA),MODALITY_LENS_DATA="$(DATA)" )$(BIN)/python -m pages.common.serve --server.port $(PORT) $(if $(ADDRESS),--server.address $(ADDRESS) )--server.headless true --browser.gatherUsageStats false

# Style (ruff) and the layering contracts of core (import-linter), both configured in pyproject.toml.
lint: install
	$(BIN)/ruff check . && $(BIN)/lint-imports

test: install lint
	$(BIN)/python -m pytest -q --durations=20

# Only the browser test (needs Debian's chromium at /usr/bin/chromium; .ci/run installs it).
test-browser: install
	$(BIN)/python -m pytest -q -m browser

# Dashboard cold start and explorer re-render in Chromium (needs a trained run under runs/).
bench-app: install
	$(BIN)/python benchmarks/app_cold_start.py --data sample_data --runs runs

sample: install
	$(BIN)/python -m core make-sample --out sample_data

clean:
	rm -rf $(VENV) .pytest_cache
