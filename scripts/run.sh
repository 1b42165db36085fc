#!/usr/bin/env bash
# Run the product on embedded defaults: action server + Rasa server + bot hub + voice gateway (SQLite orders,
# in-memory trackers and transcripts), until Ctrl-C. Environment variables: README, Configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/rasa_env.sh

RASA_PORT=${RASA_PORT:-5005}
HUB_PORT=${HUB_PORT:-8000}
ACTION_PORT=${ACTION_PORT:-5055}
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
ENDPOINTS=endpoints.yml
if [ -n "${REDIS_URL:-}" ]; then
  eval "$(.venv/bin/python scripts/redis_endpoint_vars.py "$REDIS_URL")"
  ENDPOINTS=endpoints.redis.yml
fi
.venv-rasa/bin/python -m actions   # shop.yml valid and actions import, or stop here with the reason
model=$(scripts/train_if_stale.sh | tail -n 1)
mkdir -p var/log

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv-rasa/bin/rasa run actions --actions actions --port "$ACTION_PORT" >var/log/actions.log 2>&1 &
pids+=($!)
.venv-rasa/bin/rasa run --model "$model" --enable-api --cors "*" --port "$RASA_PORT" \
  --endpoints "$ENDPOINTS" --credentials credentials.yml >var/log/rasa.log 2>&1 &
pids+=($!)

RASA_URL=${RASA_URL:-http://127.0.0.1:$RASA_PORT} .venv/bin/uvicorn bot.app:create_app --factory \
  --host "${HUB_HOST:-127.0.0.1}" --port "$HUB_PORT" >var/log/hub.log 2>&1 &
pids+=($!)

VOICE_PORT=${VOICE_PORT:-8100}
VOICE_HUB_URL=${VOICE_HUB_URL:-http://127.0.0.1:$HUB_PORT} VOICE_PORT=$VOICE_PORT .venv/bin/python -m voice \
  >var/log/voice.log 2>&1 &
pids+=($!)

.venv/bin/python scripts/wait_ready.py "http://127.0.0.1:$ACTION_PORT/health" "http://127.0.0.1:$RASA_PORT/status" \
  "http://127.0.0.1:$HUB_PORT/healthz" "http://127.0.0.1:$VOICE_PORT/healthz"
cat <<MSG

Checkout assistant is running (logs in var/log/):
  Demo checkout page   http://127.0.0.1:$HUB_PORT/demo/     (the chat widget is bottom right)
  Agent console        http://127.0.0.1:$HUB_PORT/agent/   (first create an agent: make agent)
  Widget script        http://127.0.0.1:$HUB_PORT/widget/widget.js
  Hub metrics          http://127.0.0.1:$HUB_PORT/metrics
  Rasa REST channel    http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook
  Call the shop        http://127.0.0.1:$VOICE_PORT/phone/    (browser microphone; phone lines: README, Phone calls)
Chat in the terminal:  make chat        (English: make chat LANG_CODE=en)
Demo orders to try:    100001 mario.rossi@example.com, 100002 emma.clark@example.co.uk (see README)
Stop with Ctrl-C.
MSG
wait -n "${pids[@]}"
echo "A service stopped; see var/log/." >&2
exit 1
