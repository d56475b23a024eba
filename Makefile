# Two commands: `make demo` and `make test`. Each sets up .venv idempotently, then runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean venv browser fuzz axe lock compiled

venv: $(STAMP)

# constraints.txt pins the versions the tests passed with (refresh: `make lock`), so a fresh
# machine installs what was tested, not whatever is newest that day.
$(VENV)/.base: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e .
	touch $@

$(STAMP): $(VENV)/.base
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(VENV)/.base
	$(BIN)/bibun tour --out demo-out

# The whole suite runs against the compiled core (when it built), then again against the
# pure-Python source (BIBUN_PURE=1), which is always the fallback: ~3.5 min each on 2 cores.
test: $(STAMP) browser axe compiled
	$(BIN)/ruff check src tests bench fuzz native
	@$(BIN)/python -c "import bibun.native as n; print('symbolic core:', n.status())"
	$(BIN)/python -m pytest -n 2 tests
	BIBUN_PURE=1 $(BIN)/python -m pytest -n 2 -q -p no:warnings tests

# The optional compiled core: the hot modules of the symbolic core compiled with Cython from
# their unchanged source into .venv/bibun-native (native/build.py; rebuilt only when a source
# changed).  If the compile fails it says so in one line and the pure-Python core is used.
compiled: $(STAMP)
	@$(BIN)/python native/build.py

# Browser tests drive Debian's chromium through Playwright; the browser (and CJK fonts for
# the Japanese screenshots) come from apt, never from Playwright's own download.  The web
# page's math font (Latin Modern Math, served by `bibun serve`) is Debian's fonts-lmodern.
# graphviz gives `dot`, which `bibun graph --engine dot` and its test call.
browser:
	@dpkg -s chromium fonts-noto-cjk fonts-lmodern graphviz >/dev/null 2>&1 || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fonts-lmodern graphviz >/dev/null)

# axe-core (accessibility rules run inside the browser tests) from npm, into a git-ignored
# folder; tests/test_web_e2e.py reads node_modules/axe-core/axe.min.js from there.
AXE := .web-test/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	@command -v npm >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq npm >/dev/null)
	npm install --silent --no-audit --no-fund --prefix .web-test axe-core@4.10

lint: $(STAMP)
	$(BIN)/ruff check src tests bench fuzz

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m bench all

# Fuzzing (python -m fuzz --help): MODE=api (every public operation, the default), cli,
# autodiff (against PyTorch), bytes (atheris) or web (schemathesis against bibun serve);
# SECONDS=1800 for a long run.
# New findings go to fuzz/corpus/open.tsv, fixed ones to findings.tsv (`make test` replays).
fuzz: $(STAMP)
	$(BIN)/python -m fuzz --mode $${MODE:-api} --seconds $${SECONDS:-60}

# The documentation site (MkDocs + Material + mkdocstrings, the course notebooks rendered
# without running them): `make docs` serves it on http://127.0.0.1:8000/, `make docs-check`
# builds it offline with --strict (a broken link or reference fails).  `make test` runs the
# same strict build (tests/test_docs_site.py; the test extra includes bibun[docs]).
.PHONY: docs docs-check
$(VENV)/.docs: $(VENV)/.base
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[docs]'
	touch $@

docs: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

docs-check: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir "$${TMPDIR:-/tmp}/bibun-site"

# Re-pin the tested versions after upgrading on purpose (then run `make test`).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) demo-out .pytest_cache
