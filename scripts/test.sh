#!/usr/bin/env bash
# Everything CI checks, in order of cost. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/rasa_env.sh

step() { printf '\n=== %s\n' "$*"; }

step "environments"
scripts/setup_envs.sh
step "services (PostgreSQL, Redis)"
scripts/ensure_services.sh postgres redis
step "lint"
.venv/bin/ruff check .
step "docker-compose.yml (validated without a Docker engine)"
scripts/ensure_services.sh docker_compose
HUB_SECRET_KEY=validation-only docker-compose config -q && echo "docker-compose.yml valid"
step "shop.yml and Rasa data"
.venv-rasa/bin/python -m actions
.venv-rasa/bin/python scripts/validate_data.py
step "action and order store tests (Python 3.10, SQLite + PostgreSQL)"
.venv-rasa/bin/python -m pytest tests/actions -q
step "model"
MODEL_PATH="$PWD/$(scripts/train_if_stale.sh | tail -n 1)"
export MODEL_PATH
step "dialogue: Rasa test stories"
.venv-rasa/bin/rasa test core --model "$MODEL_PATH" --stories tests/stories --out reports/stories \
  --fail-on-prediction-errors >reports-stories.log 2>&1 || { tail -n 60 reports-stories.log; exit 1; }
rm -f reports-stories.log
echo "all test stories passed"
step "NLU quality on held-out examples"
.venv-rasa/bin/python scripts/eval_nlu.py --model "$MODEL_PATH"
step "hub, end-to-end conversations, handoff, browser and voice tests (real Rasa, action server, Redis, Chromium, Vosk)"
scripts/ensure_services.sh chromium audio
.venv/bin/python -m pytest tests/hub tests/docs tests/e2e tests/voice -q
