"""What handoff tests set up: a shop file with the support team on or off duty, agent accounts,
and an agent's side of the hub (console API with its login cookie, live console socket)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import yaml
from websockets.asyncio.client import connect
from widget_client import FrameSocket

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from bot.agents import AgentDirectory  # noqa: E402

PASSWORD = "correct horse battery"
ALWAYS_OPEN = {day: ["00:00", "23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
AGENTS = {  # username: (first name, queues)
    "anna": ("Anna", ["it.*", "en.*"]),
    "bruno": ("Bruno", ["it.*"]),
    "carla": ("Carla", ["en.returns"]),
}


def write_shop_file(path: Path, on_duty: bool) -> Path:
    """shop.yml with the support team always on duty, or never."""
    shop = yaml.safe_load((REPO / "shop.yml").read_text(encoding="utf-8"))
    shop["support"]["hours"] = ALWAYS_OPEN if on_duty else {}
    shop["support"]["holidays"] = []
    path.write_text(yaml.safe_dump(shop, allow_unicode=True), encoding="utf-8")
    return path


def write_agents_file(path: Path) -> Path:
    if path.exists():
        return path
    directory = AgentDirectory(path)
    for username, (name, queues) in AGENTS.items():
        directory.add(username, name, queues, PASSWORD)
    return path


def handoff_env(workdir: Path, on_duty: bool = True, **extra: str) -> dict[str, str]:
    return {
        "SHOP_FILE": str(write_shop_file(workdir / f"shop-{on_duty}.yml", on_duty)),
        "AGENTS_FILE": str(write_agents_file(workdir / "agents.json")),
        "OUTBOX_DIR": str(workdir / "outbox"),
        **extra,
    }


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
