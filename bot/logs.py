"""Structured JSON logs with personal data redacted: emails, phone numbers and card-like
numbers never reach a log line."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# One pass, left to right, so a phone number next to a card number is not read as part of it.
# Digits glued to letters or dashes (UUIDs, conversation and call ids) are identifiers, not data.
PERSONAL_DATA = re.compile(
    r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})"
    r"|(?P<card>(?<![\w-])\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?(?![\w-]))"  # 12-19 digits in groups of 4
    r"|(?P<phone>(?<![\w.-])\+?\d(?:[ ./-]?\d){8,14}(?![\w-]))"  # 9-15 digits: not a date, not inside an id
)
STANDARD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    return PERSONAL_DATA.sub(lambda match: f"[{match.lastgroup}]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {"message": record.getMessage()}
        fields |= {key: value for key, value in vars(record).items() if key not in STANDARD_FIELDS}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        line = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            **{key: redact(str(value)) for key, value in fields.items()},
        }
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
