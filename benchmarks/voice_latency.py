"""Voice turn latency: N simultaneous fake Twilio callers (1, 2, 4, 8 by default), each saying
scripted English phrases (festival speech, real time, 20 ms mu-law frames), against the real
gateway (pocketsphinx, espeak-ng), hub, Rasa and action server, all on this machine.

Per caller turn:
- total = the caller stops speaking (the last audible 20 ms frame of the phrase is sent; the clip's
  trailing silence does not count) -> the first frame of bot audio arrives;
- assistant = the hub's own turn for that message: a second connection to the call's hub
  conversation sees the caller's message stored and the bot's `typing: off` (Rasa + actions);
- gateway = total - assistant: the end-of-turn silence (VOICE_END_SILENCE_MS), speech
  recognition, speech synthesis of the first sentence, transport. Targets (DESIGN section 10):
  p50 < 500 ms, p95 < 800 ms. `gateway_after_end_of_turn` leaves the silence out.
Also: the speech-recognition real-time factor inside the gateway (recognition time / speech
duration, from its own metrics) against the same recognizer on one idle thread measured first
(benchmarks/stt_speed.py), and the most simultaneous calls whose gateway p95 stays under 800 ms.
Latency ratios are against the single call measured in the same run.

    .venv/bin/python benchmarks/voice_latency.py [--calls 1 2 4 8] [--turns 4] [--end-silence-ms 400]

Writes benchmarks/results/voice_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
for folder in ("scripts", "benchmarks", "tests/voice", "tests/e2e", "."):
    sys.path.insert(0, str(REPO / folder))
from assistant_processes import running_assistant, running_hub  # noqa: E402
from fake_caller import TwilioCaller  # noqa: E402
from gateway_process import running_gateway  # noqa: E402
from rest_latency import percentile  # noqa: E402
from speech import caller_speech  # noqa: E402
from stt_speed import measure_real_time_factor  # noqa: E402
from widget_client import WidgetClient  # noqa: E402

from bot.sessions import SessionTokens  # noqa: E402
from voice.audio import FRAME_MS, rms_dbfs, split_frames  # noqa: E402
from voice.settings import VoiceSettings  # noqa: E402
from voice.stt import Recognizers  # noqa: E402

PHRASES = ["how much is shipping to germany", "where is my order", "hello"]
NUMBER = "+442071234567"
HUB_SECRET_KEY = "voice-benchmark-secret-key-" + "x" * 32
TARGET_P50_MS, TARGET_P95_MS = 500, 800


AUDIBLE_DBFS = -40.0


@dataclass
class Turn:
    total: float
    assistant: float

    @property
    def gateway(self) -> float:
        return self.total - self.assistant


def trailing_silence(clip: bytes) -> float:
    """Seconds of quiet after the last audible frame of a clip."""
    frames = split_frames(clip)
    last_audible = max(index for index, frame in enumerate(frames) if rms_dbfs(frame) > AUDIBLE_DBFS)
    return (len(frames) - 1 - last_audible) * FRAME_MS / 1000


class HubWatcher:
    """A second connection to a call's hub conversation: when each caller message was stored and
    when the bot finished answering it."""

    def __init__(self, hub_url: str, conversation_id: str) -> None:
        token = SessionTokens(HUB_SECRET_KEY, 3600).issue(conversation_id)
        self.client = WidgetClient(hub_url, token)
        self.stored: list[float] = []
        self.answered: list[float] = []
        self.answer_arrived = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.client.connect()
        self.task = asyncio.create_task(self.watch())

    async def watch(self) -> None:
        while True:
            frame = json.loads(await self.client.ws.recv())
            if frame.get("type") == "message" and frame["role"] == "shopper":
                self.stored.append(time.monotonic())
            elif frame.get("type") == "typing" and frame["on"] is False and frame.get("who", "bot") == "bot":
                self.answered.append(time.monotonic())
                self.answer_arrived.set()

    async def turn_seconds(self, index: int) -> float:
        async with asyncio.timeout(60):
            while len(self.answered) <= index:
                self.answer_arrived.clear()
                await self.answer_arrived.wait()
        return self.answered[index] - self.stored[index]

    async def close(self) -> None:
        self.task.cancel()
        await self.client.close()


async def one_caller(gateway_url: str, hub_url: str, turns: int) -> list[Turn]:
    caller = await TwilioCaller(gateway_url, "", to=NUMBER).dial()
    await caller.bot_reply(quiet=1.0)  # the greeting, heard to the end
    async with httpx.AsyncClient() as http:
        calls = (await http.get(f"{gateway_url}/calls")).json()
    watcher = HubWatcher(hub_url, next(c["conversation_id"] for c in calls if c["call_id"] == caller.call_sid))
    await watcher.start()
    measured = []
    for index in range(turns):
        clip = caller_speech(PHRASES[index % len(PHRASES)])
        stopped = await caller.say(clip) - trailing_silence(clip)
        reply = await caller.bot_reply(since=stopped, quiet=1.0)
        measured.append(Turn(reply.first_at - stopped, await watcher.turn_seconds(index)))
    await watcher.close()
    await caller.close()
    return measured


def stt_totals(metrics_text: str) -> tuple[float, float]:
    """(sum, count) of the gateway's voice_stt_real_time_factor histogram."""
    values = {}
    for line in metrics_text.splitlines():
        for name in ("voice_stt_real_time_factor_sum", "voice_stt_real_time_factor_count"):
            if line.startswith(name + " "):
                values[name] = float(line.split()[1])
    return values.get("voice_stt_real_time_factor_sum", 0.0), values.get("voice_stt_real_time_factor_count", 0.0)


def figures(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values) * 1000),
        "p95_ms": round(percentile(values, 0.95) * 1000),
    }


async def measure(gateway_url: str, hub_url: str, calls: int, turns: int, end_silence: float) -> dict:
    async with httpx.AsyncClient() as http:
        before = stt_totals((await http.get(f"{gateway_url}/metrics")).text)
        results = await asyncio.gather(*(one_caller(gateway_url, hub_url, turns) for _ in range(calls)))
        after = stt_totals((await http.get(f"{gateway_url}/metrics")).text)
    measured = [turn for caller in results for turn in caller]
    gateway = figures([turn.gateway for turn in measured])
    return {
        "turns": len(measured),
        "caller_stop_to_first_audio": figures([turn.total for turn in measured]),
        "assistant_turn": figures([turn.assistant for turn in measured]),
        "gateway_share": gateway,
        "gateway_after_end_of_turn": figures([turn.gateway - end_silence for turn in measured]),
        "gateway_meets_targets": gateway["p50_ms"] < TARGET_P50_MS and gateway["p95_ms"] < TARGET_P95_MS,
        "stt_real_time_factor_in_gateway": round((after[0] - before[0]) / max(1.0, after[1] - before[1]), 3),
    }


async def run(gateway_url: str, hub_url: str, levels: list[int], turns: int, end_silence: float) -> dict:
    await one_caller(gateway_url, hub_url, 1)  # warm-up: first turns load lazy parts
    results = {}
    for calls in levels:
        results[f"{calls}_calls"] = await measure(gateway_url, hub_url, calls, turns, end_silence)
    single = results[f"{levels[0]}_calls"]["gateway_share"]
    for result in results.values():
        share = result["gateway_share"]
        result["gateway_ratio_to_one_call"] = {
            "p50": round(share["p50_ms"] / max(1, single["p50_ms"]), 2),
            "p95": round(share["p95_ms"] / max(1, single["p95_ms"]), 2),
        }
    held = [calls for calls in levels if results[f"{calls}_calls"]["gateway_share"]["p95_ms"] < TARGET_P95_MS]
    return {"levels": results, "most_calls_under_p95_target": max(held) if held else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--turns", type=int, default=4, help="turns per caller")
    default_silence = VoiceSettings.model_fields["voice_end_silence_ms"].default
    parser.add_argument("--end-silence-ms", type=int, default=default_silence, help="VOICE_END_SILENCE_MS")
    args = parser.parse_args()
    clips = [caller_speech(phrase) for phrase in PHRASES]  # synthesized before measuring
    recognizers = Recognizers({"en": "pocketsphinx"})
    stt_baseline = measure_real_time_factor(lambda: recognizers.new("en"), clips, rounds=2)
    with tempfile.TemporaryDirectory() as workdir, running_assistant(Path(workdir)) as assistant:
        hub_env = {
            "RATE_LIMIT_IP": "100000/minute",  # every caller comes from one address here
            "RATE_LIMIT_SESSION": "100000/minute",
            "HUB_SECRET_KEY": HUB_SECRET_KEY,
        }
        with running_hub(assistant.rasa_url, Path(workdir), hub_env) as hub_url:
            gateway_env = {
                "VOSK_MODEL_EN": "pocketsphinx",
                "VOICE_END_SILENCE_MS": str(args.end_silence_ms),
                "VOICE_REPROMPT_SECONDS": "60",
                "AUDIOSOCKET_PORT": "0",
            }
            with running_gateway(hub_url, Path(workdir), gateway_env) as gateway:
                results = asyncio.run(run(gateway.url, hub_url, args.calls, args.turns, args.end_silence_ms / 1000))
    settings = {"end_of_turn_silence_ms": args.end_silence_ms, "phrases": PHRASES, "turns_per_caller": args.turns}
    output = REPO / "benchmarks" / "results" / "voice_latency.json"
    for level in results["levels"].values():
        level["stt_ratio_to_one_idle_thread"] = round(
            level["stt_real_time_factor_in_gateway"] / stt_baseline["wall_real_time_factor"], 2
        )
    report = {"settings": settings, "stt_one_idle_thread": stt_baseline, **results}
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"STT real-time factor on one idle thread: {stt_baseline['wall_real_time_factor']}")
    print(f"{'calls':>5} {'total p50/p95':>15} {'assistant p50/p95':>18} {'gateway p50/p95':>16} {'STT RTF':>8}")
    for name, level in results["levels"].items():
        total, assistant, gateway = (
            level["caller_stop_to_first_audio"],
            level["assistant_turn"],
            level["gateway_share"],
        )
        print(
            f"{name.split('_')[0]:>5} {total['p50_ms']:>7}/{total['p95_ms']:<7} {assistant['p50_ms']:>9}/"
            f"{assistant['p95_ms']:<8} {gateway['p50_ms']:>8}/{gateway['p95_ms']:<7} "
            f"{level['stt_real_time_factor_in_gateway']:>8}"
        )
    print(f"most simultaneous calls with gateway p95 < {TARGET_P95_MS} ms: {results['most_calls_under_p95_target']}")
    print(f"written to {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()
