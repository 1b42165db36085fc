#!/usr/bin/env bash
# Run every benchmark; each prints its figures and writes JSON under benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python benchmarks/rest_latency.py
.venv/bin/python benchmarks/hub_overhead.py
.venv/bin/python benchmarks/stt_speed.py
.venv/bin/python benchmarks/voice_latency.py
