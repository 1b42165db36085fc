"""The speaker: pyttsx3 on espeak-ng, Italian and English, in line format, off the event loop."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path

import pytest

from voice.audio import LINE_RATE, rms_dbfs
from voice.tts import DEFAULT_RATE, DEFAULT_VOICES, Speaker, split_sentences

BYTES_PER_SECOND = LINE_RATE * 2
LONG_REPLY = {
    "en": (
        "Your order one zero zero zero zero two was shipped on Thursday with DHL, in one parcel with both pairs "
        "of shoes you chose at checkout. The courier expects to deliver it on Monday morning between nine "
        "and one, and will text you an hour before arriving at your door. If nobody is at home, the parcel "
        "goes to the nearest pick-up point, where it waits for you for seven working days."
    ),
    "it": (
        "Il suo ordine è stato spedito giovedì con DHL, in un unico pacco con entrambe le paia di scarpe "
        "scelte al momento dell'acquisto. Il corriere prevede la consegna lunedì mattina tra le nove e "
        "l'una, e le manderà un messaggio un'ora prima di arrivare. Se non c'è nessuno in casa, il pacco "
        "va al punto di ritiro più vicino, dove la aspetta per sette giorni lavorativi."
    ),
}


@pytest.fixture(scope="module")
def speaker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Speaker]:
    speaker = Speaker(DEFAULT_VOICES, DEFAULT_RATE, tmp_path_factory.mktemp("tts-cache"))
    yield speaker
    speaker.close()


def seconds(pcm16: bytes) -> float:
    return len(pcm16) / BYTES_PER_SECOND


def assert_speech_for(text: str, audio: bytes, rate: int = DEFAULT_RATE) -> None:
    """Line-format speech about as long as `text` takes at `rate` words per minute."""
    assert len(audio) % 2 == 0
    words = len(text.split())
    expected = words / rate * 60
    assert 0.5 * expected < seconds(audio) < 2 * expected + 0.5, f"{seconds(audio):.2f} s for {words} words"
    assert rms_dbfs(audio) > -40, f"{rms_dbfs(audio):.1f} dBFS"


async def test_italian_and_english_voices_speak_in_line_format(speaker: Speaker) -> None:
    italian = await speaker.prompt("Buongiorno, come posso aiutarla con il suo ordine?", "it")
    english = await speaker.prompt("Good morning, how can I help you with your order?", "en")
    assert_speech_for("Buongiorno, come posso aiutarla con il suo ordine?", italian)
    assert_speech_for("Good morning, how can I help you with your order?", english)
    # the same word in both voices: different voices, different sound
    ciao_it, ciao_en = await speaker.prompt("Ciao Maria", "it"), await speaker.prompt("Ciao Maria", "en")
    assert ciao_it != ciao_en


async def test_the_rate_setting_changes_the_speed(tmp_path: Path) -> None:
    slow, fast = Speaker(DEFAULT_VOICES, 120), Speaker(DEFAULT_VOICES, 240)
    try:
        text = "The return window is thirty days from delivery."
        slow_audio, fast_audio = await slow.prompt(text, "en"), await fast.prompt(text, "en")
    finally:
        slow.close()
        fast.close()
    assert_speech_for(text, slow_audio, rate=120)
    assert_speech_for(text, fast_audio, rate=240)
    assert seconds(fast_audio) < 0.75 * seconds(slow_audio)


@pytest.mark.parametrize("language", ["it", "en"])
async def test_a_long_reply_starts_playing_before_the_rest_is_synthesized(speaker: Speaker, language: str) -> None:
    text = LONG_REPLY[language]
    await speaker.prompt("warm up", "en")  # the worker process is running
    started = time.perf_counter()
    arrivals, chunks = [], []
    async for chunk in speaker.sentences(text, language):
        arrivals.append(time.perf_counter() - started)
        chunks.append(chunk)

    assert len(chunks) == 3
    for sentence, chunk in zip(split_sentences(text), chunks, strict=True):
        assert_speech_for(sentence, chunk)
    first, everything = arrivals[0], arrivals[-1]
    assert first < 0.6 * everything, f"first sentence after {first * 1000:.0f} ms, all after {everything * 1000:.0f} ms"


async def test_synthesis_does_not_block_the_event_loop(speaker: Speaker) -> None:
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    for _ in range(3):
        async for _chunk in speaker.sentences(LONG_REPLY["en"] + " " + LONG_REPLY["en"], "en"):
            pass
    busy = time.perf_counter() - started
    ticking.cancel()

    assert busy > 0.05, "too little synthesis to tell"
    assert len(gaps) > busy / 0.005 / 3, f"{len(gaps)} ticks in {busy * 1000:.0f} ms"
    assert max(gaps) < 0.05, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"


async def test_prompts_are_cached_in_memory_and_on_disk(speaker: Speaker, tmp_path: Path) -> None:
    text = "Grazie per aver chiamato Bottega Aurora."
    first = await speaker.prompt(text, "it")
    started = time.perf_counter()
    again = await speaker.prompt(text, "it")
    assert time.perf_counter() - started < 0.005
    assert again == first

    disk = Speaker(DEFAULT_VOICES, DEFAULT_RATE, tmp_path)
    try:
        written = await disk.prompt(text, "it")
        assert await asyncio.to_thread(lambda: [path.read_bytes() for path in tmp_path.glob("*.pcm")]) == [written]
        fresh = Speaker(DEFAULT_VOICES, DEFAULT_RATE, tmp_path)  # a restarted gateway
        try:
            started = time.perf_counter()
            assert await fresh.prompt(text, "it") == written
            assert time.perf_counter() - started < 0.05, "synthesized again instead of read from the cache"
        finally:
            fresh.close()
        other_rate = Speaker(DEFAULT_VOICES, DEFAULT_RATE + 40, tmp_path)
        try:
            assert await other_rate.prompt(text, "it") != written, "the cache key must include the rate"
        finally:
            other_rate.close()
    finally:
        disk.close()


async def test_leaving_a_reply_early_cancels_the_sentences_not_yet_synthesized(speaker: Speaker) -> None:
    long_text = " ".join(f"This is sentence number {n} of a very long answer." for n in range(60))
    async with aclosing(speaker.sentences(long_text, "en")) as sentences:
        async for _first in sentences:
            break  # the caller barged in
    started = time.perf_counter()
    assert_speech_for("Still here.", await speaker.prompt("Still here.", "en"))
    assert time.perf_counter() - started < 0.5, "the abandoned sentences were synthesized anyway"


async def test_bad_input_gets_a_clear_error(speaker: Speaker) -> None:
    with pytest.raises(LookupError, match="'de'"):
        await speaker.prompt("Guten Tag", "de")
    with pytest.raises(LookupError, match="'de'"):
        async for _chunk in speaker.sentences("Guten Tag", "de"):
            pass
    wrong_voice = Speaker({"en": "zz/no-such-voice"}, DEFAULT_RATE)
    try:
        with pytest.raises(ValueError, match="no voice 'zz/no-such-voice'"):
            await wrong_voice.prompt("hello", "en")
    finally:
        wrong_voice.close()
    assert await speaker.prompt("   ", "en") == b""
    assert [chunk async for chunk in speaker.sentences("", "it")] == []


async def test_a_dead_synthesis_worker_is_replaced(caplog: pytest.LogCaptureFixture) -> None:
    before = set(multiprocessing.active_children())
    speaker = Speaker(DEFAULT_VOICES, DEFAULT_RATE)
    try:
        await speaker.prompt("one", "en")
        (worker,) = set(multiprocessing.active_children()) - before
        os.kill(worker.pid, signal.SIGKILL)
        await asyncio.to_thread(worker.join, 5)
        await asyncio.sleep(0.2)  # the pool notices its worker is gone
        assert_speech_for("Still speaking after a crash.", await speaker.prompt("Still speaking after a crash.", "en"))
        assert "worker died" in caplog.text
    finally:
        speaker.close()


def test_split_sentences() -> None:
    assert split_sentences("Ciao! Come stai? Bene.\nA presto…  Sì") == [
        "Ciao!",
        "Come stai?",
        "Bene.",
        "A presto…",
        "Sì",
    ]
    assert split_sentences("  ") == []
