#!/usr/bin/env bash
# Trains bot/models/<content-hash>.tar.gz unless a model for exactly this data/config already exists.
set -euo pipefail
cd "$(dirname "$0")/.."
hash="$(scripts/model_hash.sh)"
model="models/${hash}.tar.gz"
if [[ -f "$model" ]]; then
  echo "bot: model up to date ($model)"
else
  echo "bot: training $model"
  .venv/bin/rasa train --fixed-model-name "$hash" --out models --quiet
fi
ln -sf "${hash}.tar.gz" models/current.tar.gz
