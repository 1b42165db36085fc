"""The real assistant as the end-to-end tests see it: the running action server and Rasa server
(trained model, fresh SQLite order database), and a shopper talking to its REST channel."""

from __future__ import annotations

import sqlite3
import sys
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from assistant_processes import RunningAssistant  # noqa: E402


class Assistant(RunningAssistant):
    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path)


class Shopper:
    """One conversation over the REST channel."""

    def __init__(self, client: httpx.Client, language: str | None = None) -> None:
        self.client = client
        self.sender = f"test-{uuid.uuid4().hex[:12]}"
        self.language = language

    def say(self, text: str, **metadata: object) -> list[dict]:
        if self.language and "language" not in metadata:
            metadata["language"] = self.language
        response = self.client.post(
            "/webhooks/rest/webhook", json={"sender": self.sender, "message": text, "metadata": metadata}
        )
        response.raise_for_status()
        return response.json()

    def ask(self, text: str, **metadata: object) -> str:
        """Send a message; the bot's texts joined, for assertions."""
        return "\n".join(reply.get("text", "") for reply in self.say(text, **metadata))


def custom_payloads(replies: list[dict], key: str) -> list[dict]:
    return [reply["custom"][key] for reply in replies if key in (reply.get("custom") or {})]
