# The two commands of the README: `make run` and `make test`.
# Everything they need is installed by them, from PyPI, npm and Debian's packages.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-test assets system-packages system-test-packages bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python system-packages
	$(BIN)/pip install -q -e .
	bin/build-assets
	PYBABEL=$(BIN)/pybabel bin/compile-catalogues

assets:
	bin/build-assets --force

# Serve the app on SQLite with the demo study (plain http locally, so cookies are not Secure),
# with a background job worker.
# The worker gets the same public address as the server: packs and letters print it.
run: export FIELDWORK_INSECURE_COOKIES = 1
run: export FIELDWORK_PUBLIC_URL = http://$(HOST):$(PORT)
run: install
	$(BIN)/fieldwork demo
	@# A job worker (huey consumer) runs beside the dev server and stops with it.
	$(BIN)/fieldwork worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/fieldwork run --host $(HOST) --port $(PORT)

# Fonts embedded in paper questionnaires (`fieldwork pdf`, packs): needed to run, not only to test.
PAPER_FONTS := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc \
	/usr/share/fonts/truetype/lohit-bengali/Lohit-Bengali.ttf /usr/share/fonts/truetype/lohit-gujarati/Lohit-Gujarati.ttf \
	/usr/share/fonts/truetype/lohit-punjabi/Lohit-Gurmukhi.ttf
system-packages:
	@for f in $(PAPER_FONTS); do [ -e $$f ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu fonts-wqy-zenhei \
	    fonts-lohit-beng-bengali fonts-lohit-gujr fonts-lohit-guru >/dev/null; \
	fi

# Debian's Chromium (browser tests; never a downloaded browser), fonts (Amiri: Arabic and Urdu
# letters for the right-to-left screenshots), poppler for PDFs and wrk for bench/page_speed.py.
system-test-packages:
	@if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || [ ! -d /usr/share/fonts/opentype/fonts-hosny-amiri ] || ! command -v pdftotext >/dev/null || ! command -v wrk >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu fonts-wqy-zenhei fonts-hosny-amiri poppler-utils wrk >/dev/null; \
	fi

install-test: install system-test-packages
	$(BIN)/pip install -q -e '.[test]'

test: install-test
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider --durations=15
