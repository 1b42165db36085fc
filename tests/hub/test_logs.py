"""Logs never carry personal data."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, redact


def test_emails_phones_and_card_numbers_are_redacted_dates_and_orders_are_not() -> None:
    text = "mario.rossi@example.com +39 347 123 4567 4111 1111 1111 1111 2026-11-23 order 100001"
    assert redact(text) == "[email] [phone] [card] 2026-11-23 order 100001"


def test_identifiers_are_not_read_as_phone_numbers() -> None:
    ids = "3f2a1b4c-1234-5678-9abc-567812345678 0e8a4f1c-9012-4345-8678-901234567890 web-1234567890"
    assert redact(ids) == ids
    assert redact("347-123-4567") == "[phone]"


def test_log_lines_are_json_with_extra_fields_redacted() -> None:
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, "shopper wrote %s", ("a@b.it",), None)
    record.conversation = "web-1"
    record.text = "call me on 3471234567"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "shopper wrote [email]"
    assert line["text"] == "call me on [phone]"
    assert line["conversation"] == "web-1" and line["level"] == "info"
