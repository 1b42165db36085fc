"""Prometheus metrics of the hub, exposed at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

TURN_SECONDS = Histogram(
    "hub_turn_seconds",
    "From a shopper message received to the assistant's answer stored",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 30, 60, 300),
)
MESSAGES = Counter("hub_messages_total", "Transcript entries stored", ["role"])
FALLBACKS = Counter("hub_fallbacks_total", "Assistant answers that were a low-confidence fallback")
ERRORS = Counter("hub_errors_total", "Refused frames and failed deliveries", ["code"])
RASA_RETRIES = Counter("hub_rasa_retries_total", "Calls to the assistant that failed and were retried")
WEBSOCKETS = Gauge("hub_websockets", "Open widget connections")
