"""The caller's side of a turn: voice activity on the event loop (microseconds a frame), speech
recognition in a worker thread, fed while the caller talks, so little is left to do when the
turn ends. The recognizer hears only speech (plus PREROLL before the detector fired), which
keeps an idle line from costing CPU."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Literal

from voice import metrics
from voice.audio import FRAME_MS, LINE_RATE
from voice.endpointing import TurnDetector
from voice.stt import Recognition, SpeechRecognizer

log = logging.getLogger("voice.listener")
PREROLL_FRAMES = 300 // FRAME_MS  # the detector fires some way into the first word
BYTES_PER_SECOND = LINE_RATE * 2
NOTHING_HEARD = Recognition(text="", confidence=None)

TurnEvent = Literal["speech_started", "turn_ended"]


class Listener:
    def __init__(
        self,
        detector: TurnDetector,
        recognizer: SpeechRecognizer | None,
        on_partial: Callable[[str], Awaitable[None]],
    ) -> None:
        self.detector = detector
        self.recognizer = recognizer  # None: no recognizer for the call's language (keypad only)
        self.on_partial = on_partial
        self.preroll: deque[bytes] = deque(maxlen=PREROLL_FRAMES)
        self.speaking = False
        self.audio = bytearray()  # heard, not yet given to the recognizer
        self.jobs: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        self.feed_queued = False
        self.utterance_bytes = 0
        self.utterance_cpu = 0.0
        self.worker = asyncio.create_task(self.work())

    def push(self, frame: bytes) -> TurnEvent | None:
        """One 20 ms caller frame; the turn event it completes, if any."""
        event = self.detector.push(frame)
        if event == "speech_started":
            self.speaking = True
            self.hear(b"".join(self.preroll))
            self.preroll.clear()
        if self.speaking:
            self.hear(frame)
        else:
            self.preroll.append(frame)
        if event == "turn_ended":
            self.speaking = False
        elif self.speaking and not self.detector.speaking:
            self.speaking = False  # a sound too short for a turn (a cough, a click): forget it
            self.end_turn()
        return event

    def hear(self, pcm16: bytes) -> None:
        self.audio += pcm16
        if not self.feed_queued:
            self.feed_queued = True
            self.jobs.put_nowait(("feed", None))

    def end_turn(self) -> asyncio.Future[Recognition]:
        """The recognized text of the turn that just ended (after every frame heard so far)."""
        result: asyncio.Future[Recognition] = asyncio.get_running_loop().create_future()
        self.jobs.put_nowait(("finish", result))
        return result

    def use(self, recognizer: SpeechRecognizer | None) -> None:
        """Recognize with another recognizer from the next job on (a language switch)."""
        self.jobs.put_nowait(("replace", recognizer))

    async def work(self) -> None:
        """The only user of the recognizer (it is not thread-safe): one job at a time, in order."""
        while True:
            kind, argument = await self.jobs.get()
            if kind == "feed":
                await self.feed()
            elif kind == "finish":
                argument.set_result(await self.finish())
            else:
                self.recognizer = argument

    async def feed(self) -> None:
        chunk = bytes(self.audio)
        self.audio.clear()
        self.feed_queued = False
        if self.recognizer is None or not chunk:
            return
        self.utterance_bytes += len(chunk)
        partial = await asyncio.to_thread(self.timed, self.accept, chunk)
        if partial:
            await self.on_partial(partial)

    def accept(self, chunk: bytes) -> str:
        self.recognizer.accept(chunk)
        return self.recognizer.partial()

    async def finish(self) -> Recognition:
        if self.recognizer is None or not self.utterance_bytes:
            return NOTHING_HEARD
        recognition = await asyncio.to_thread(self.timed, self.recognizer.finish)
        seconds = self.utterance_bytes / BYTES_PER_SECOND
        metrics.STT_REAL_TIME_FACTOR.observe(self.utterance_cpu / seconds)
        log.info(
            "turn recognized",
            extra={"seconds": round(seconds, 2), "real_time_factor": round(self.utterance_cpu / seconds, 3)},
        )
        self.utterance_bytes, self.utterance_cpu = 0, 0.0
        return recognition

    def timed(self, work: Callable[..., object], *args: object) -> object:
        """Run `work` (in the worker thread) and add its duration to the utterance's cost."""
        started = time.perf_counter()
        try:
            return work(*args)
        finally:
            self.utterance_cpu += time.perf_counter() - started

    async def close(self) -> None:
        self.worker.cancel()
        await asyncio.gather(self.worker, return_exceptions=True)
