#!/usr/bin/env bash
# Content hash of everything the model is trained from (run from bot/).
set -euo pipefail
find config.yml domain.yml data dictionary -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
