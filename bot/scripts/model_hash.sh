#!/usr/bin/env bash
# Content hash of everything the model is trained from (run from bot/); components/ holds NLU pipeline code.
set -euo pipefail
find config.yml domain.yml data dictionary components -type f -not -path '*/__pycache__/*' | LC_ALL=C sort \
  | xargs sha256sum | sha256sum | cut -c1-16
