#!/usr/bin/env bash
# Set everything up, lint, and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
export HF_HUB_OFFLINE=1 EMOTION_CACHE_DIR="${EMOTION_CACHE_DIR:-$PWD/.cache/emotion}"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
