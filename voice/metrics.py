"""Prometheus metrics of the voice gateway, exposed at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CALLS = Counter("voice_calls_total", "Calls answered", ["provider"])
ACTIVE_CALLS = Gauge("voice_active_calls", "Calls in progress")
RESPONSE_SECONDS = Histogram(
    "voice_response_seconds",
    "From the end of the caller's turn (detected) to the first audio frame of the reply sent",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2, 3, 5, 10),
)
STT_REAL_TIME_FACTOR = Histogram(
    "voice_stt_real_time_factor",
    "Recognition time / utterance duration, per caller turn",
    buckets=(0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2),
)
BARGE_INS = Counter("voice_barge_ins_total", "Bot audio stopped because the caller spoke or keyed in")
TRANSFERS = Counter("voice_transfers_total", "Calls handed to a person through the provider", ["provider", "outcome"])
ERRORS = Counter("voice_errors_total", "Malformed frames, bad audio and failed provider requests", ["kind"])
