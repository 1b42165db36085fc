"""What the call loop needs from a telephony protocol. Each adapter (Twilio Media Streams,
Asterisk AudioSocket, the browser page) implements `Line` and converts its own encoding to and
from line format (voice/audio.py), so the call loop never sees mu-law or browser sample rates."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from voice.audio import FRAME_BYTES


@dataclass(frozen=True)
class CallInfo:
    call_id: str  # the provider's id: Twilio CallSid, AudioSocket UUID, browser call id
    provider: str  # "twilio" | "asterisk" | "browser"
    language: str
    called: str | None = None  # the number the caller dialled, when the provider tells it


class Line(ABC):
    """The caller's side of one call, in line format (8 kHz s16le mono, 20 ms frames)."""

    @abstractmethod
    async def send_audio(self, frame: bytes) -> None:
        """One 20 ms frame of bot audio; the call loop sends them at real-time pace."""

    @abstractmethod
    async def clear(self) -> None:
        """Drop bot audio already sent but not played yet (barge-in)."""

    @abstractmethod
    async def hang_up(self) -> None:
        """End the call from our side."""

    @property
    def can_transfer(self) -> bool:
        """A transfer target is configured for this provider."""
        return False

    async def transfer(self) -> bool:
        """Hand the call to a person through the provider; False when this line cannot."""
        return False

    async def mark(self, name: str) -> None:
        """Label a point in the bot audio (protocols that report when it has played)."""
        return None

    async def caption(self, who: str, text: str, final: bool) -> None:
        """Show what is said (the browser page): caller partials and transcript entries."""
        return None


class FrameBuffer:
    """Cuts a byte stream of line audio into whole 20 ms frames, keeping the remainder."""

    def __init__(self) -> None:
        self.pending = b""

    def push(self, pcm16: bytes) -> list[bytes]:
        data = self.pending + pcm16
        whole = len(data) - len(data) % FRAME_BYTES
        self.pending = data[whole:]
        return [data[start : start + FRAME_BYTES] for start in range(0, whole, FRAME_BYTES)]
