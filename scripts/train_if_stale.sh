#!/usr/bin/env bash
# Train the Rasa model unless one trained from exactly these inputs exists.
# The model file is named by a hash of its inputs, so a stale model is never served and a
# test run trains at most once. Prints the model path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/rasa_env.sh

inputs_hash=$(find config.yml domain data -type f -name '*.yml' | LC_ALL=C sort \
  | xargs cat requirements/rasa.lock.txt | sha256sum | cut -c1-16)
model="models/checkout-$inputs_hash.tar.gz"
mkdir -p models
exec 9>models/.train.lock
flock 9  # several test runs at once train once; the others wait for that model
if [ ! -f "$model" ]; then
  echo "Training $model (inputs changed or no model yet)" >&2
  start=$(date +%s)
  .venv-rasa/bin/rasa train --domain domain --data data --config config.yml \
    --out models --fixed-model-name "checkout-$inputs_hash" >&2
  echo "Trained in $(( $(date +%s) - start )) s" >&2
fi
echo "$model"
