"""Starts the real action server and the real Rasa server (trained model) on free loopback
ports, with a fresh SQLite order database, once per test session."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from wait_ready import wait_ready  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trained_model() -> str:
    if os.environ.get("MODEL_PATH"):
        return os.environ["MODEL_PATH"]
    result = subprocess.run(["scripts/train_if_stale.sh"], cwd=REPO, check=True, capture_output=True, text=True)
    return str(REPO / result.stdout.strip().splitlines()[-1])


@dataclass
class Assistant:
    rasa_url: str
    db_path: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path)


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    workdir = tmp_path_factory.mktemp("assistant")
    rasa_port, action_port = free_port(), free_port()
    db_path = workdir / "orders.db"
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{db_path}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    venv = REPO / ".venv-rasa" / "bin"
    processes = [
        start(
            [str(venv / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
            env,
            workdir / "actions.log",
        ),
        start(
            [
                str(venv / "rasa"),
                "run",
                "--model",
                trained_model(),
                "--enable-api",
                "--port",
                str(rasa_port),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
            ],
            env,
            workdir / "rasa.log",
        ),
    ]
    try:
        wait_ready([f"http://127.0.0.1:{action_port}/health", f"http://127.0.0.1:{rasa_port}/status"], 240)
        yield Assistant(f"http://127.0.0.1:{rasa_port}", db_path, processes)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


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


@pytest.fixture
def client(assistant: Assistant) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=assistant.rasa_url, timeout=60) as http:
        yield http


def custom_payloads(replies: list[dict], key: str) -> list[dict]:
    return [reply["custom"][key] for reply in replies if key in (reply.get("custom") or {})]
