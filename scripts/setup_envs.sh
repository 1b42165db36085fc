#!/usr/bin/env bash
# Create (or refresh) the two pinned Python environments:
#   .venv-rasa  Python 3.10: Rasa 3.6, the action server and its tests
#   .venv       Python 3.11+: hub, voice gateway, end-to-end tests and benchmarks
# Each is rebuilt only when its lock file changed. Installs retry on transient registry errors.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  if [ -n "${PYTHON310:-}" ]; then echo "$PYTHON310"; return; fi
  if python3.10 -c 'import sys' >/dev/null 2>&1; then command -v python3.10; return; fi
  local root
  for root in "$(pyenv root 2>/dev/null || true)" "$HOME/.pyenv"; do
    [ -n "$root" ] || continue
    for candidate in "$root"/versions/3.10.*/bin/python3.10; do
      [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
  done
  for candidate in /usr/bin/python3.10 /usr/local/bin/python3.10; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  cat >&2 <<'MSG'
Python 3.10 is required for Rasa 3.6 and was not found.
Install it with one of:
  pyenv install 3.10.13                       (then re-run; pyenv need not be active)
  sudo apt-get install python3.10 python3.10-venv   (Ubuntu/Debian with 3.10 available)
or point PYTHON310 at an interpreter:  PYTHON310=/path/to/python3.10 make run
MSG
  exit 1
}

find_python311() {
  local candidate
  for candidate in "${PYTHON311:-}" python3.11 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      command -v "$candidate"; return
    fi
  done
  echo "Python 3.11 or newer is required for the hub; set PYTHON311=/path/to/python3.11" >&2
  exit 1
}

pip_install_with_retry() {
  local venv=$1; shift
  local attempt
  for attempt in 1 2 3; do
    if "$venv/bin/pip" install --disable-pip-version-check -q "$@"; then return 0; fi
    echo "pip install failed (attempt $attempt/3), retrying in $((attempt * 10)) s" >&2
    sleep $((attempt * 10))
  done
  echo "pip install into $venv failed 3 times" >&2
  return 1
}

build_env() {
  local venv=$1 python=$2 lock=$3
  local stamp="$venv/.lock.sha256"
  local want
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "Creating $venv from $lock with $python"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  pip_install_with_retry "$venv" --upgrade pip wheel
  pip_install_with_retry "$venv" -r "$lock"
  echo "$want" > "$stamp"
}

build_env .venv-rasa "$(find_python310)" requirements/rasa.lock.txt
build_env .venv "$(find_python311)" requirements/app.lock.txt
