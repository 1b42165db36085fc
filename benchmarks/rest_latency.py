"""REST round trip of the assistant: latency p50/p95 and messages/s for a fixed, mixed script
of conversations (policy questions, verified order lookups, small talk; Italian and English)
at 1 and 20 concurrent shoppers.

Baseline, measured in the same run on the same server: NLU alone (POST /model/parse) for the
same messages. A whole turn adds the dialogue policies, the action server and the order store;
the ratios say how much that costs on this machine, whatever its speed today.

    .venv/bin/python benchmarks/rest_latency.py [--concurrency 1 20] [--rounds 2]

Writes benchmarks/results/rest_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from assistant_processes import running_assistant  # noqa: E402

# One shopper's session. Order lookups only read, so every run sees the same data.
SCRIPT: list[tuple[str, str]] = [
    ("it", "ciao"),
    ("it", "quanto costa la spedizione in germania?"),
    ("it", "accettate il contrassegno?"),
    ("it", "dov'è il mio ordine?"),
    ("it", "100002"),
    ("it", "emma.clark@example.co.uk"),
    ("en", "how long do i have to return an item?"),
    ("en", "do you charge customs for switzerland?"),
    ("en", "where is my refund"),
    ("en", "100006"),
    ("en", "sarah.jones@example.com"),
    ("en", "thanks, bye"),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def shopper(client: httpx.AsyncClient, path: str, latencies: list[float]) -> None:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    for language, text in SCRIPT:
        body = {"sender": sender, "message": text, "metadata": {"language": language}}
        if path == "/model/parse":
            body = {"text": text}
        started = time.perf_counter()
        response = await client.post(path, json=body)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()


async def measure(shoppers: int, rounds: int, one_shopper: Callable[[list[float]], Awaitable[None]]) -> dict:
    """Run `one_shopper` once to warm up, then `shoppers` at once, `rounds` times; the figures."""
    latencies: list[float] = []
    await one_shopper([])  # warm-up: first calls load lazy parts
    started = time.perf_counter()
    for _ in range(rounds):
        await asyncio.gather(*(one_shopper(latencies) for _ in range(shoppers)))
    elapsed = time.perf_counter() - started
    return {
        "messages": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "messages_per_s": round(len(latencies) / elapsed, 1),
    }


async def run(base_url: str, concurrencies: list[int], rounds: int) -> dict:
    results = {}
    for concurrency in concurrencies:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
            baseline = await measure(concurrency, rounds, lambda lat: shopper(client, "/model/parse", lat))
            turn = await measure(concurrency, rounds, lambda lat: shopper(client, "/webhooks/rest/webhook", lat))
        results[f"{concurrency}_shoppers"] = {
            "nlu_only_baseline": baseline,
            "full_turn": turn,
            "ratios_vs_baseline": {
                "p50": round(turn["p50_ms"] / baseline["p50_ms"], 2),
                "p95": round(turn["p95_ms"] / baseline["p95_ms"], 2),
                "throughput": round(turn["messages_per_s"] / baseline["messages_per_s"], 2),
            },
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, running_assistant(Path(workdir)) as assistant:
        results = asyncio.run(run(assistant.rasa_url, args.concurrency, args.rounds))
    output = REPO / "benchmarks" / "results" / "rest_latency.json"
    output.write_text(json.dumps({"script_messages": len(SCRIPT), "results": results}, indent=2) + "\n")
    print(f"{'shoppers':>8} {'what':<12} {'p50 ms':>8} {'p95 ms':>8} {'msg/s':>7}")
    for name, result in results.items():
        for what in ("nlu_only_baseline", "full_turn"):
            figures = result[what]
            print(
                f"{name.split('_')[0]:>8} {what[:12]:<12} {figures['p50_ms']:>8} {figures['p95_ms']:>8} "
                f"{figures['messages_per_s']:>7}"
            )
        ratios = result["ratios_vs_baseline"]
        print(f"{'':>8} {'turn/NLU':<12} {ratios['p50']:>7}x {ratios['p95']:>7}x {ratios['throughput']:>6}x")
    print(f"written to {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()
