"""What the bot hub adds: the same message script sent straight to Rasa's REST channel and
through the hub's WebSocket, in one run, at 1 and 50 concurrent shoppers.

Per message: straight = the REST call's round trip; through the hub = from sending the frame to
the `typing: off` frame that closes the bot's answer. Added latency = hub p50/p95 - straight
p50/p95; throughput ratio = hub messages/s / straight messages/s (target: >= 1, p50 added < 5 ms).

    .venv/bin/python benchmarks/hub_overhead.py [--concurrency 1 50] [--rounds 1]

Writes benchmarks/results/hub_overhead.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "benchmarks"))
from assistant_processes import running_assistant, running_hub  # noqa: E402
from rest_latency import SCRIPT, measure  # noqa: E402


async def straight_shopper(rasa: httpx.AsyncClient, latencies: list[float]) -> None:
    sender = f"bench-direct-{uuid.uuid4().hex[:10]}"
    for language, text in SCRIPT:
        started = time.perf_counter()
        response = await rasa.post(
            "/webhooks/rest/webhook", json={"sender": sender, "message": text, "metadata": {"language": language}}
        )
        response.raise_for_status()
        latencies.append(time.perf_counter() - started)


async def hub_shopper(hub_url: str, latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=hub_url) as http:
        token = (await http.post("/api/session", json={})).json()["token"]
    async with connect(hub_url.replace("http", "ws", 1) + f"/ws/chat?token={token}") as ws:
        await ws.send(json.dumps({"type": "hello", "after_seq": 0}))
        for language, text in SCRIPT:
            started = time.perf_counter()
            frame = {"type": "message", "id": uuid.uuid4().hex, "text": text, "metadata": {"language": language}}
            await ws.send(json.dumps(frame))
            while True:
                event = json.loads(await ws.recv())
                if event.get("type") == "typing" and event["on"] is False:
                    break
            latencies.append(time.perf_counter() - started)


async def run(rasa_url: str, hub_url: str, concurrencies: list[int], rounds: int) -> dict:
    results = {}
    limits = httpx.Limits(max_connections=max(concurrencies))
    async with httpx.AsyncClient(base_url=rasa_url, timeout=300, limits=limits) as rasa:
        for shoppers in concurrencies:
            straight = await measure(shoppers, rounds, lambda lat: straight_shopper(rasa, lat))
            through_hub = await measure(shoppers, rounds, lambda lat: hub_shopper(hub_url, lat))
            results[f"{shoppers}_shoppers"] = {
                "straight_to_rasa": straight,
                "through_hub": through_hub,
                "added_p50_ms": round(through_hub["p50_ms"] - straight["p50_ms"], 1),
                "added_p95_ms": round(through_hub["p95_ms"] - straight["p95_ms"], 1),
                "throughput_ratio": round(through_hub["messages_per_s"] / straight["messages_per_s"], 2),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, running_assistant(Path(workdir)) as assistant:
        env = {"RATE_LIMIT_IP": "100000/minute", "RATE_LIMIT_SESSION": "100000/minute"}  # one IP, many shoppers
        with running_hub(assistant.rasa_url, Path(workdir), env) as hub_url:
            results = asyncio.run(run(assistant.rasa_url, hub_url, args.concurrency, args.rounds))
    output = REPO / "benchmarks" / "results" / "hub_overhead.json"
    output.write_text(json.dumps({"script_messages": len(SCRIPT), "results": results}, indent=2) + "\n")
    print(f"{'shoppers':>8} {'path':<14} {'p50 ms':>8} {'p95 ms':>8} {'msg/s':>7}")
    for name, result in results.items():
        for path in ("straight_to_rasa", "through_hub"):
            figures = result[path]
            print(
                f"{name.split('_')[0]:>8} {path[:14]:<14} {figures['p50_ms']:>8} {figures['p95_ms']:>8} "
                f"{figures['messages_per_s']:>7}"
            )
        print(
            f"{'':>8} {'hub adds':<14} {result['added_p50_ms']:>8} {result['added_p95_ms']:>8} "
            f"{result['throughput_ratio']:>6}x"
        )
    print(f"written to {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()
