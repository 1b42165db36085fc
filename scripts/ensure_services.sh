#!/usr/bin/env bash
# Make sure what the tests use is there: PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379)
# running, docker-compose (to validate docker-compose.yml), Chromium (browser tests) and the audio
# tools of the voice tests.
# Starts services when stopped; installs from Debian packages what is missing.
set -euo pipefail

apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "need root (or sudo) to apt-get install $*" >&2; return 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 0.5; done
  echo "$name did not come up on 127.0.0.1:$port" >&2
  return 1
}

ensure_postgres() {
  port_open 5432 && return 0
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port 5432 PostgreSQL
}

ensure_redis() {
  port_open 6379 && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 Redis
}

ensure_docker_compose() {
  command -v docker-compose >/dev/null || apt_install docker-compose
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

# Voice: espeak-ng (pyttsx3's engine, and its library), festival with an English and an Italian
# voice (synthesized caller speech in tests), sox (measures and converts audio).
ensure_audio() {
  local missing=()
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)
  ldconfig -p | grep -q libespeak-ng.so.1 || missing+=(libespeak-ng1)
  command -v text2wave >/dev/null || missing+=(festival)
  [ -d /usr/share/festival/voices/english/kal_diphone ] || missing+=(festvox-kallpc16k)
  [ -d /usr/share/festival/voices/italian/lp_diphone ] || missing+=(festvox-italp16k)
  command -v sox >/dev/null || missing+=(sox)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

for service in "$@"; do "ensure_$service"; done
