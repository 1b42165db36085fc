"""What handoff tests set up: a shop file with the support team on or off duty, agent accounts
(made with the documented command), a real SMTP server, and an agent's side of the hub (console
API with its login cookie, live console socket)."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiosmtpd.controller import Controller
from websockets.asyncio.client import connect
from widget_client import FrameSocket

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))
from assistant_processes import free_port  # noqa: E402

from actions.hours import DAY_KEYS  # noqa: E402

PASSWORD = "correct horse battery"
AGENTS = {  # username: (first name, queues)
    "anna": ("Anna", "it.*,en.*"),
    "bruno": ("Bruno", "it.*"),
    "carla": ("Carla", "en.returns"),
}


def shop_file(directory: Path, on_duty: bool) -> Path:
    """shop.yml with the support team on duty all day every day (no holidays), or never."""
    shop = yaml.safe_load((REPO / "shop.yml").read_text(encoding="utf-8"))
    shop["support"]["hours"] = {day: ["00:00", "23:59"] for day in DAY_KEYS} if on_duty else {}
    shop["support"]["holidays"] = []
    path = directory / ("shop-open.yml" if on_duty else "shop-closed.yml")
    path.write_text(yaml.safe_dump(shop, allow_unicode=True), encoding="utf-8")
    return path


def add_agent(agents_file: Path, username: str, name: str, queues: str, password: str = PASSWORD) -> None:
    """The documented command, as a newcomer runs it."""
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-m", "bot.agents", "add", username,
         "--name", name, "--queues", queues, "--password-stdin"],
        input=password + "\n", text=True, cwd=REPO, check=True, capture_output=True,
        env={"AGENTS_FILE": str(agents_file), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def agents_file(directory: Path) -> Path:
    """anna, bruno and carla (AGENTS), created once per directory."""
    path = directory / "agents.json"
    if not path.exists():
        for username, (name, queues) in AGENTS.items():
            add_agent(path, username, name, queues)
    return path


def handoff_env(workdir: Path, on_duty: bool = True, **extra: str) -> dict[str, str]:
    return {
        "SHOP_FILE": str(shop_file(workdir, on_duty)),
        "AGENTS_FILE": str(agents_file(workdir)),
        "OUTBOX_DIR": str(workdir / "outbox"),
        **extra,
    }


class Mailbox:
    """An aiosmtpd handler keeping every mail the real local SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, text: str, seconds: float = 10) -> EmailMessage:
        """The first mail whose subject or body contains `text`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [message for message in self.messages if text in text_of(message)]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no mail with {text!r} among {len(self.messages)} received")


def text_of(message: EmailMessage) -> str:
    return f"{message['subject']}\n{message.get_body(('plain',)).get_content()}"


@contextmanager
def running_mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on a free loopback port."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


class AgentSide(FrameSocket):
    """One agent logged in to one hub: the console API and the live console socket."""

    def __init__(self, hub_url: str, username: str) -> None:
        super().__init__()
        self.hub_url = hub_url
        self.username = username
        self.http = httpx.AsyncClient(base_url=hub_url, timeout=30)

    async def login(self, password: str = PASSWORD) -> httpx.Response:
        return await self.http.post("/agent/api/login", json={"username": self.username, "password": password})

    async def open_console(self) -> AgentSide:
        cookie = self.http.cookies.get("agent_session")
        url = self.hub_url.replace("http", "ws", 1) + "/agent/ws"
        self.ws = await connect(url, additional_headers={"Cookie": f"agent_session={cookie}"})
        return self

    async def waiting_for(self, conversation_id: str, queue: str | None = None) -> dict[str, Any]:
        """The summary of `conversation_id` once it shows up in this agent's live queue (in `queue`)."""

        def waiting(frame: dict[str, Any]) -> list[dict[str, Any]]:
            return [
                c
                for c in frame.get("waiting", [])
                if c["conversation_id"] == conversation_id and queue in (None, c["queue"])
            ]

        frame = await self.until(lambda f: f["type"] == "queue" and bool(waiting(f)))
        return waiting(frame)[0]

    async def post(self, conversation_id: str, action: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(f"/agent/api/conversations/{conversation_id}/{action}", json=body or {})

    async def conversation(self, conversation_id: str) -> httpx.Response:
        return await self.http.get(f"/agent/api/conversations/{conversation_id}")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.aclose()
