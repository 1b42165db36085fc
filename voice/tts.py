"""Text to speech: pyttsx3 driving espeak-ng, in line format, off the event loop.

How it is wired: espeak-ng keeps one global synthesizer per process and pyttsx3's espeak driver
shares it between every engine, so the engine lives in a worker process of its own, started by
the Speaker and stopped by close(). The worker synthesizes one sentence per job (pyttsx3's
save_to_file + runAndWait) and sends back line-format PCM; jobs run in order, so a long reply's
first sentence comes back while the later ones are still being synthesized. A second Speaker (a
test, a second gateway) gets a worker and an espeak-ng of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import re
import sys
import tempfile
import wave
from collections.abc import AsyncIterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from voice.audio import LINE_RATE, resample

log = logging.getLogger(__name__)

DEFAULT_VOICES = {"it": "roa/it", "en": "gmw/en-us"}  # espeak-ng voice ids
DEFAULT_RATE = 165  # words per minute

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


class Speaker:
    """Speaks replies in the line's format, sentence by sentence; fixed prompts come from a cache."""

    def __init__(self, voices: dict[str, str], rate: int, cache_dir: Path | None = None) -> None:
        """voices: language -> espeak-ng voice id (see DEFAULT_VOICES); rate: words per minute."""
        self._voices = dict(voices)
        self._rate = rate
        self._cache_dir = cache_dir
        self._prompts: dict[str, bytes] = {}
        self._worker = _new_worker()

    async def sentences(self, text: str, language: str) -> AsyncIterator[bytes]:
        """One line-format clip per sentence of `text`, each as soon as it is ready.

        Every sentence is queued at once; leaving the loop early (barge-in) cancels the ones not
        yet started. Close the generator when leaving early (contextlib.aclosing) so that happens
        at once rather than when it is garbage-collected.
        """
        voice = self._voice(language)
        jobs = [self._submit(sentence, voice) for sentence in split_sentences(text)]
        try:
            for job in jobs:
                yield await asyncio.wrap_future(job)
        finally:
            for job in jobs:
                job.cancel()

    async def prompt(self, text: str, language: str) -> bytes:
        """`text` as one line-format clip, synthesized once and then served from the cache."""
        voice = self._voice(language)
        if not text.strip():
            return b""
        key = hashlib.sha256(f"{language}\0{voice}\0{self._rate}\0{text}".encode()).hexdigest()
        if key in self._prompts:
            return self._prompts[key]
        cached = self._cache_dir / f"{key}.pcm" if self._cache_dir else None
        audio = await asyncio.to_thread(_read_if_exists, cached) if cached else None
        if audio is None:
            audio = await asyncio.wrap_future(self._submit(text, voice))
            if cached:
                await asyncio.to_thread(_write_atomically, cached, audio)
        self._prompts[key] = audio
        return audio

    def close(self) -> None:
        """Stop the worker process (queued sentences are dropped)."""
        self._worker.shutdown(wait=True, cancel_futures=True)

    def _submit(self, text: str, voice: str) -> Future[bytes]:
        try:
            return self._worker.submit(_synthesize, text, voice, self._rate)
        except BrokenProcessPool:  # the worker died (killed, out of memory): the jobs it had are lost
            log.warning("the speech synthesis worker died; starting a new one")
            self._worker = _new_worker()
            return self._worker.submit(_synthesize, text, voice, self._rate)

    def _voice(self, language: str) -> str:
        try:
            return self._voices[language]
        except KeyError:
            raise LookupError(f"no voice for language {language!r}; configured: {sorted(self._voices)}") from None


def split_sentences(text: str) -> list[str]:
    """Sentences of a reply, in order, without empty ones."""
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def _new_worker() -> ProcessPoolExecutor:
    # spawned, not forked: a fork would copy the gateway's threads and event loop into the worker
    spawn = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=spawn, initializer=_start_engine)


def _read_if_exists(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(path)


# --- everything below runs in the worker process ---

_engine = None
_voice_ids: set[str] = set()
# Rarely (seen under load at start-up) pyttsx3's espeak driver ends its loop without writing the file.
SYNTHESIS_ATTEMPTS = 2


def _start_engine() -> None:
    global _engine, _voice_ids
    import pyttsx3  # imported here: the gateway process itself never loads espeak-ng

    # pyttsx3's espeak driver prints "Audio saved to ..." for every file; this process prints nothing else
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    _engine = pyttsx3.init("espeak")
    _voice_ids = {voice.id for voice in _engine.getProperty("voices")}


def _synthesize(text: str, voice: str, rate: int) -> bytes:
    if voice not in _voice_ids:
        raise ValueError(f"espeak-ng has no voice {voice!r}; for example {sorted(DEFAULT_VOICES.values())}")
    _engine.setProperty("voice", voice)
    _engine.setProperty("rate", rate)
    with tempfile.TemporaryDirectory(prefix="tts-") as folder:
        path = Path(folder) / "speech.wav"
        for _ in range(SYNTHESIS_ATTEMPTS):
            _engine.save_to_file(text, str(path))
            _engine.runAndWait()
            if path.exists():
                break
        with wave.open(str(path)) as clip:
            return resample(clip.readframes(clip.getnframes()), clip.getframerate(), LINE_RATE)
