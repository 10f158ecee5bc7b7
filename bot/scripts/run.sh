#!/usr/bin/env bash
# Starts the action server and Rasa (REST channel, HTTP API); stops both when either exits.
set -euo pipefail
cd "$(dirname "$0")/.."
SANIC_HOST="${SANIC_HOST:-127.0.0.1}" .venv/bin/rasa run actions --actions actions --port "${ACTIONS_PORT:-5055}" &
actions_pid=$!
.venv/bin/rasa run --enable-api --model models/current.tar.gz -i "${RASA_INTERFACE:-127.0.0.1}" --port "${RASA_PORT:-5005}" \
  --endpoints endpoints.yml --credentials credentials.yml &
rasa_pid=$!
trap 'kill $actions_pid $rasa_pid 2>/dev/null || true' EXIT INT TERM
wait -n $actions_pid $rasa_pid
