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
CONVERSATIONS = Counter("hub_conversations_total", "New conversations (handoff rate = handoffs / conversations)")
HANDOFFS = Counter(
    "hub_handoffs_total",
    "Conversations that left the bot, by queue, reason and outcome",
    ["queue", "reason", "outcome"],
)
QUEUE_SECONDS = Histogram(
    "hub_handoff_queue_seconds",
    "Time a conversation waited in the queue before an agent accepted it",
    ["queue"],
    buckets=(5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
HANDLING_SECONDS = Histogram(
    "hub_handoff_handling_seconds",
    "Time an agent owned a conversation, from accept to hand-back, transfer to a queue or resolve",
    ["queue"],
    buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600, 7200),
)
RESOLVED = Counter("hub_handoffs_resolved_total", "Conversations resolved by an agent", ["queue", "disposition"])
TICKETS = Counter("hub_tickets_total", "Tickets opened by shoppers, by whether the mail went out", ["emailed"])
AGENT_CONSOLES = Gauge("hub_agent_consoles", "Open agent console connections")
