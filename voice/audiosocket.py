"""Asterisk AudioSocket: a TCP server; each connection is one call. Every message is a TLV
frame: 1 byte kind, 2 bytes big-endian payload length, payload. Asterisk sends the call's UUID
first (kind 0x01, 16 bytes), then audio (0x10: 16-bit 8 kHz mono little-endian PCM, already
line format), keypad digits (0x03, one ASCII byte), errors (0xff) and hangup (0x00). We send
audio back (0x10) at real-time pace, and 0x00 to hang up.

Bad input never takes the gateway down: an odd-length audio payload, a bad digit or an unknown
kind is logged and skipped (the call goes on); a connection that does not start with a UUID,
or ends in the middle of a frame, ends that call only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import uuid

from voice import metrics
from voice.call import Call
from voice.line import CallInfo, FrameBuffer, Line
from voice.services import Services
from voice.transfer import TransferFailed

log = logging.getLogger("voice.audiosocket")
HANGUP, UUID, DTMF, AUDIO, ERROR = 0x00, 0x01, 0x03, 0x10, 0xFF
HEADER = struct.Struct(">BH")
KEYS = "0123456789*#ABCD"
FIRST_FRAME_SECONDS = 5.0


class BadFrame(ValueError):
    """A TLV frame that cannot be used."""


def tlv(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The next frame; IncompleteReadError when the stream ends, also in the middle of one."""
    kind, length = HEADER.unpack(await reader.readexactly(HEADER.size))
    return kind, await reader.readexactly(length)


class AudioSocketLine(Line):
    def __init__(self, writer: asyncio.StreamWriter, call_uuid: str, services: Services) -> None:
        self.writer = writer
        self.call_uuid = call_uuid
        self.services = services
        self.closed = False

    async def write(self, frame: bytes) -> None:
        if self.closed:
            return
        try:
            self.writer.write(frame)
            await self.writer.drain()
        except (ConnectionError, RuntimeError):
            self.closed = True

    async def send_audio(self, frame: bytes) -> None:
        await self.write(tlv(AUDIO, frame))

    async def clear(self) -> None:
        """Nothing to drop: Asterisk plays what arrives, and we send at real-time pace."""

    async def hang_up(self) -> None:
        await self.write(tlv(HANGUP))
        self.closed = True
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()

    @property
    def can_transfer(self) -> bool:
        return self.services.asterisk is not None and bool(self.services.settings.voice_transfer_endpoint)

    async def transfer(self) -> bool:
        """Name the agent endpoint for the dialplan (ARI), then leave: the dialplan dials it."""
        if not self.can_transfer:
            return False
        try:
            await self.services.asterisk.dial_after_hangup(
                self.call_uuid, self.services.settings.voice_transfer_endpoint
            )
        except TransferFailed as error:
            log.error("transfer failed", extra={"call": self.call_uuid, "error": str(error)})
            metrics.ERRORS.labels(kind="transfer").inc()
            return False
        await self.hang_up()
        return True


class AudioSocketServer:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.Task] = set()

    async def start(self, host: str, port: int) -> None:
        self.server = await asyncio.start_server(self.accept, host, port)
        log.info("AudioSocket server listening", extra={"host": host, "port": port})

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.connections.add(task)
        try:
            await self.serve(reader, writer)
        except Exception:
            log.exception("AudioSocket connection failed")
            metrics.ERRORS.labels(kind="audiosocket").inc()
        finally:
            self.connections.discard(task)
            writer.close()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            call_uuid = await asyncio.wait_for(read_uuid(reader), FIRST_FRAME_SECONDS)
        except (BadFrame, asyncio.IncompleteReadError, TimeoutError) as error:
            metrics.ERRORS.labels(kind="audiosocket_frame").inc()
            log.warning("AudioSocket connection refused", extra={"error": str(error) or type(error).__name__})
            writer.write(tlv(HANGUP))
            return
        called = await self.services.asterisk.called_number(call_uuid) if self.services.asterisk else None
        line = AudioSocketLine(writer, call_uuid, self.services)
        info = CallInfo(call_uuid, "asterisk", self.services.settings.language_of_number(called), called)
        call = Call(line, info, self.services)
        runner = asyncio.create_task(call.run())
        frames = asyncio.create_task(read_frames(reader, call))
        await asyncio.wait({runner, frames}, return_when=asyncio.FIRST_COMPLETED)
        call.caller_hung_up()  # no-op if the call ended itself
        frames.cancel()
        await asyncio.gather(runner, frames, return_exceptions=True)
        await line.hang_up()


async def read_uuid(reader: asyncio.StreamReader) -> str:
    kind, payload = await read_frame(reader)
    if kind != UUID or len(payload) != 16:
        raise BadFrame(f"expected the call's UUID first, got kind {kind:#04x} of {len(payload)} bytes")
    return str(uuid.UUID(bytes=payload))


async def read_frames(reader: asyncio.StreamReader, call: Call) -> None:
    """Caller audio and keys into the call until hangup, or the connection ends."""
    buffer = FrameBuffer()
    while True:
        try:
            kind, payload = await read_frame(reader)
        except asyncio.IncompleteReadError as error:
            if error.partial:
                metrics.ERRORS.labels(kind="audiosocket_frame").inc()
                log.warning("AudioSocket connection ended inside a frame", extra={"call": call.info.call_id})
            return
        except ConnectionError:
            return
        try:
            if kind == HANGUP:
                return
            if kind == AUDIO:
                for frame in buffer.push(audio_payload(payload)):
                    call.hear(frame)
            elif kind == DTMF:
                call.key(dtmf_key(payload))
            elif kind == ERROR:
                log.warning("Asterisk reported an error", extra={"call": call.info.call_id, "code": payload.hex()})
            else:
                raise BadFrame(f"unknown frame kind {kind:#04x}")
        except BadFrame as error:
            metrics.ERRORS.labels(kind="audiosocket_frame").inc()
            log.warning("bad AudioSocket frame skipped", extra={"call": call.info.call_id, "error": str(error)})


def audio_payload(payload: bytes) -> bytes:
    if len(payload) % 2:
        raise BadFrame(f"16-bit audio needs an even number of bytes, got {len(payload)}")
    return payload


def dtmf_key(payload: bytes) -> str:
    key = payload.decode("ascii", errors="replace")
    if len(key) != 1 or key not in KEYS:
        raise BadFrame(f"not a keypad key: {payload!r}")
    return key
