"""Starts the real action server and the real Rasa server (trained model) on free loopback
ports, with a fresh SQLite order database, once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from assistant_processes import running_assistant
from rasa_stack import Assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("assistant")) as running:
        yield Assistant(**vars(running))


@pytest.fixture
def client(assistant: Assistant) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=assistant.rasa_url, timeout=60) as http:
        yield http
