"""Bot audio out: utterances play one after the other, frame by frame at real-time pace, so a
barge-in can stop them at once (only PREBUFFER_FRAMES are ever ahead of the listener)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

from voice import metrics
from voice.audio import FRAME_MS, split_frames
from voice.line import Line

log = logging.getLogger("voice.playback")
FRAME_SECONDS = FRAME_MS / 1000
PREBUFFER_FRAMES = 3  # sent ahead of real time, so timer jitter never starves the line


@dataclass
class Utterance:
    audio: AsyncGenerator[bytes, None]  # line-format chunks, produced while the first ones play
    on_start: Callable[[], None] | None = None  # called when its first frame is sent
    caption: str | None = None  # shown (browser page) when it starts playing


class Playback:
    def __init__(self, line: Line) -> None:
        self.line = line
        self.pending: deque[Utterance] = deque()
        self.player: asyncio.Task | None = None
        self.marks = itertools.count(1)
        self.next_frame_due = 0.0

    @property
    def busy(self) -> bool:
        return self.player is not None and not self.player.done()

    def play(
        self,
        audio: AsyncGenerator[bytes, None],
        on_start: Callable[[], None] | None = None,
        caption: str | None = None,
    ) -> None:
        self.pending.append(Utterance(audio, on_start, caption))
        if not self.busy:
            self.player = asyncio.create_task(self.play_pending())

    async def interrupt(self) -> bool:
        """Stop playing now and drop everything queued; whether anything was stopped."""
        if not self.busy:
            return False
        await self.stop()
        await self.line.clear()
        return True

    async def stop(self) -> None:
        self.pending.clear()
        if self.player is not None:
            self.player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.player

    async def finished(self) -> None:
        """Wait until everything queued has been sent."""
        while self.busy:
            await asyncio.wait({self.player})

    async def play_pending(self) -> None:
        while self.pending:
            utterance = self.pending.popleft()
            try:
                await self.play_one(utterance)
            except Exception:  # synthesis failed: this utterance is lost, the call goes on
                log.exception("an utterance could not be played")
                metrics.ERRORS.labels(kind="speech_synthesis").inc()
                continue
            finally:
                await utterance.audio.aclose()
            await self.line.mark(f"utterance-{next(self.marks)}")

    async def play_one(self, utterance: Utterance) -> None:
        loop = asyncio.get_running_loop()
        started = False
        async for chunk in utterance.audio:
            for frame in split_frames(chunk):
                # never more than PREBUFFER_FRAMES ahead of real time, also after a pause
                self.next_frame_due = max(self.next_frame_due, loop.time() - PREBUFFER_FRAMES * FRAME_SECONDS)
                delay = self.next_frame_due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                await self.line.send_audio(frame)
                self.next_frame_due += FRAME_SECONDS
                if not started:
                    started = True
                    if utterance.on_start is not None:
                        utterance.on_start()
                    if utterance.caption:
                        await self.line.caption("bot", utterance.caption, final=True)
