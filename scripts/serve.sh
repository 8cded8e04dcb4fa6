#!/usr/bin/env bash
# Serve the dashboard for a team (docs/deploy.md): `EMOTION_HOME=/srv/emotion bash scripts/serve.sh` after
# `bash scripts/setup.sh`; the container's command. Every user's data (runs, custom models, taxonomies, LLM answers
# and request counts) lives under $EMOTION_HOME, readable by the service's user only. Logins are on when the
# secrets file ($EMOTION_SECRETS, default /etc/emotion/secrets.toml) has an [auth] section.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
home=${EMOTION_HOME:?set EMOTION_HOME to the folder that keeps runs, models, taxonomies and caches}
mkdir -p "$home" && chmod 700 "$home"
export EMOTION_RUNS_DB=${EMOTION_RUNS_DB:-$home/runs.sqlite}
export EMOTION_LLM_USAGE_DB=${EMOTION_LLM_USAGE_DB:-$home/llm_usage.sqlite}
export EMOTION_CACHE_DIR=${EMOTION_CACHE_DIR:-$home/cache}
export EMOTION_MODELS_DIR=${EMOTION_MODELS_DIR:-$home/models}
export EMOTION_TAXONOMIES_DIR=${EMOTION_TAXONOMIES_DIR:-$home/taxonomies}
args=(--server.address "${EMOTION_ADDRESS:-0.0.0.0}" --server.port "${EMOTION_PORT:-8501}" --server.headless true
  --browser.gatherUsageStats false --client.showErrorDetails type)
secrets=${EMOTION_SECRETS:-/etc/emotion/secrets.toml}
if [ -f "$secrets" ]; then
  case "$(stat -c %a "$secrets")" in
    400|600) ;;
    *) echo "warning: $secrets is readable by others (chmod 600 it: it holds the OIDC client secret)" >&2 ;;
  esac
  args+=(--secrets.files "$secrets")
else
  echo "no $secrets: logins are off (one analyst; see docs/deploy.md to turn them on)" >&2
fi
exec "${PYTHON:-.venv/bin/python}" -m streamlit run streamlit_app.py "${args[@]}"
