# Two commands: `make run` and `make test`. Everything else is what they build on.
SHELL := /bin/bash
PYTHON ?= /root/.pyenv/versions/3.11.7/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED := false
export FLASK_APP := wsgi
MODEL := intake/model/classifier.joblib
API_PORT ?= 5000
# Links in messages, QR codes and Twilio signature checks name the API's own port unless set (a proxy's URL).
PUBLIC_BASE_URL ?= http://127.0.0.1:$(API_PORT)
RASA_PORT ?= 5005
export RASA_URL ?= http://127.0.0.1:$(RASA_PORT)
# Sources the trained classifier depends on: retrain when any of them changed.
MODEL_INPUTS := $(wildcard intake/classify/*.py) $(wildcard intake/data/*.jsonl) $(wildcard intake/data/*.txt) \
	$(wildcard intake/data/*.csv)

.PHONY: setup run test test-py lint model db vendor browser postgis clean help

help:
	@echo "make run    - set everything up and start API, worker, beat and bot"
	@echo "make test   - set up what tests need and run the whole suite"

# --- setup ------------------------------------------------------------------------------------
$(VENV)/.stamp: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

setup: $(VENV)/.stamp vendor bot-setup

vendor: service_api/static/vendor/.stamp

service_api/static/vendor/.stamp: service_api/static/vendor/package.json service_api/static/vendor/package-lock.json
	@if command -v npm >/dev/null; then \
		cd service_api/static/vendor && npm install --no-audit --no-fund --silent && touch .stamp; \
	else echo "npm not found: charts, maps and Swagger UI assets are not installed"; fi

$(MODEL): $(VENV)/.stamp $(MODEL_INPUTS)
	$(PY) -m intake train

model: $(MODEL)

db: $(VENV)/.stamp postgis
	@mkdir -p instance
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask taxonomy load
	$(VENV)/bin/flask demo load
	$(VENV)/bin/flask stats refresh

# --- run --------------------------------------------------------------------------------------
run: setup model db bot-train
	@echo ""
	@echo "  API and docs    http://127.0.0.1:$(API_PORT)/api/docs   (OpenAPI: /api/openapi.json)"
	@echo "  Residents' app  http://127.0.0.1:$(API_PORT)/m/          (随手拍, 我的, 消息, 智能客服; QR code for posters: /m/qr.svg)"
	@echo "  Staff console   http://127.0.0.1:$(API_PORT)/staff/     (demo users: agent, dispatcher, handler, reviewer, admin; password demo-pass-2026)"
	@echo "  Open311         http://127.0.0.1:$(API_PORT)/open311/v2/discovery.json"
	@echo "  Chatbot         POST http://127.0.0.1:$(API_PORT)/api/v1/chat → Rasa on :$(RASA_PORT), actions on :$${ACTIONS_PORT:-5055}"
	@echo "  Celery worker and beat on $${CELERY_BROKER_URL:-the SQLite broker in instance/}"
	@echo "  Links to residents and QR codes point to $(PUBLIC_BASE_URL)"
	@echo ""
	API_PORT=$(API_PORT) PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(VENV)/bin/honcho start -f Procfile

# --- test -------------------------------------------------------------------------------------
browser:
	@(command -v chromium >/dev/null && fc-list | grep -qi "Noto Sans CJK") || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

# PostGIS for the component registry's spatial index (migration 0013 creates the extension in the database).
# Only needed when PostgreSQL runs on this machine; the embedded SQLite mode does without it.
postgis:
	@if command -v pg_config >/dev/null || [ -d /usr/lib/postgresql ]; then \
		dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3 >/dev/null); fi

test: setup model browser postgis test-py bot-test

test-py:
	$(VENV)/bin/ruff check service_api intake notifications tests bench tools
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q -p no:cacheprovider tests

lint:
	$(VENV)/bin/ruff check service_api intake notifications tests bench tools
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) instance $(MODEL)

ifneq ($(wildcard bot/bot.mk),)
include bot/bot.mk
else
bot-setup bot-train bot-test bot-run:
	@echo "bot/bot.mk is missing: the chatbot is skipped"
endif
