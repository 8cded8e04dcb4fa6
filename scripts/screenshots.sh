#!/usr/bin/env bash
# Refresh the README's screenshots (docs/screenshots/*.png) from the browser tests, on purpose only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
EMOTION_SCREENSHOTS="$PWD/docs/screenshots" HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q tests/test_e2e.py
