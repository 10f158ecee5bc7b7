# Chatbot targets (Rasa 3.6 on Python 3.10 in bot/.venv). Included from the top-level Makefile; run from the repo root.
BOT_PYTHON ?= /root/.pyenv/versions/3.10.13/bin/python
BOT_REQ_HASH := $(shell sha256sum bot/requirements.txt 2>/dev/null | cut -c1-16)
BOT_STAMP := bot/.venv/.installed-$(BOT_REQ_HASH)
RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055
# Both servers listen on loopback only: the action server acts for any sender id it is handed, and Rasa's
# HTTP API (--enable-api) can read and change conversations. Only the service API talks to them.
RASA_INTERFACE ?= 127.0.0.1
ACTIONS_INTERFACE ?= 127.0.0.1
RASA_TRACKER_DIALECT ?= sqlite
RASA_TRACKER_URL ?= sqlite:///tracker.db
SERVICE_API_URL ?= http://127.0.0.1:$(or $(API_PORT),5000)
SERVICE_API_KEY ?= dev-service-key
SERVICE_API_MODE ?= http
BOT_ENV = RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 \
	PYTHONWARNINGS=ignore ACTIONS_PORT=$(ACTIONS_PORT) RASA_PORT=$(RASA_PORT) RASA_INTERFACE=$(RASA_INTERFACE) \
	SANIC_HOST=$(ACTIONS_INTERFACE) \
	RASA_TRACKER_DIALECT=$(RASA_TRACKER_DIALECT) RASA_TRACKER_URL=$(RASA_TRACKER_URL) \
	SERVICE_API_URL=$(SERVICE_API_URL) SERVICE_API_KEY=$(SERVICE_API_KEY) SERVICE_API_MODE=$(SERVICE_API_MODE)
BOT_RASA = cd bot && $(BOT_ENV) .venv/bin/rasa

.PHONY: bot-setup bot-train bot-validate bot-test bot-test-stories bot-test-actions bot-eval bot-run \
	bot-run-rasa bot-run-actions bot-places bot-conversations

bot-setup: $(BOT_STAMP)

$(BOT_STAMP): bot/requirements.txt
	test -x bot/.venv/bin/python || $(BOT_PYTHON) -m venv bot/.venv
	RASA_TELEMETRY_ENABLED=false bot/.venv/bin/pip install -q --upgrade pip
	RASA_TELEMETRY_ENABLED=false bot/.venv/bin/pip install -q -r bot/requirements.txt
	rm -f bot/.venv/.installed-*
	touch $@

# Trains only when config/domain/data/dictionary/components changed (model named by their content hash).
bot-train: bot-setup
	cd bot && $(BOT_ENV) scripts/train.sh

bot-validate: bot-setup
	cd bot && $(BOT_ENV) scripts/validate.sh
	cd bot && $(BOT_ENV) .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_entity_boundaries.py

# Validation, the end-to-end test stories (NLU + dialogue: any wrong intent, entity or action fails the story),
# the held-out NLU accuracy, the action tests and the conversation set through the real API.
bot-test: bot-validate bot-test-stories bot-eval bot-test-actions bot-conversations

# The conversation set (tests/conversations/*.yml) end to end: POST /api/v1/chat of a real service API (own
# SQLite database, demo gazetteer) → Rasa → action server, on free ports; fails unless every conversation passes.
bot-conversations: bot-train
	cd bot && $(BOT_ENV) .venv/bin/python tests/conversations/run.py

# Regenerate the place lookup (data/places.yml, dictionary/places.txt) from the running API's gazetteer, e.g.
# after `flask gazetteer import`; then `make bot-train`.
bot-places: bot-setup
	cd bot && $(BOT_ENV) .venv/bin/python scripts/places.py

bot-test-stories: bot-train
	$(BOT_RASA) test core --model models/current.tar.gz --stories tests/test_stories.yml \
		--out results/stories --e2e --no-plot
	cd bot && .venv/bin/python scripts/check_results.py --stories-only results/stories

bot-test-actions: bot-setup
	cd bot && $(BOT_ENV) .venv/bin/python -m pytest -q -p no:cacheprovider tests

# Intent accuracy on the held-out NLU set (tests/heldout_nlu.yml); fails below 95%.
bot-eval: bot-train
	$(BOT_RASA) test nlu --model models/current.tar.gz --nlu tests/heldout_nlu.yml --out results/heldout \
		--no-plot >/dev/null
	cd bot && .venv/bin/python scripts/check_results.py results/heldout

# For the Procfile: one line each, or `make bot-run` for both.
bot-run-actions: bot-setup
	$(BOT_RASA) run actions --actions actions --port $(ACTIONS_PORT)

bot-run-rasa: bot-train
	$(BOT_RASA) run --enable-api --model models/current.tar.gz -i $(RASA_INTERFACE) --port $(RASA_PORT) \
		--endpoints endpoints.yml --credentials credentials.yml

bot-run: bot-train
	cd bot && $(BOT_ENV) scripts/run.sh
