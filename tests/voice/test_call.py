"""The call loop in this process, on a line that records what the caller would hear: what
happens when the hub cannot be reached."""

from __future__ import annotations

import asyncio
from pathlib import Path

from assistant_processes import free_port

from voice.audio import FRAME_BYTES, rms_dbfs
from voice.call import Call
from voice.line import CallInfo, Line
from voice.services import build_services
from voice.settings import VoiceSettings


class RecordingLine(Line):
    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.hung_up = False

    async def send_audio(self, frame: bytes) -> None:
        self.frames.append(frame)

    async def clear(self) -> None:
        self.frames.append(b"")  # marks where playback was cut

    async def hang_up(self) -> None:
        self.hung_up = True


async def test_with_the_hub_down_the_caller_hears_an_apology_and_the_call_ends(tmp_path: Path) -> None:
    settings = VoiceSettings(
        voice_hub_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        vosk_model_en="pocketsphinx",
        vosk_model_it=None,
        tts_cache_dir=tmp_path,
    )
    services = await asyncio.to_thread(build_services, settings)
    try:
        line = RecordingLine()
        call = Call(line, CallInfo("test-call", "browser", "en"), services)
        await asyncio.wait_for(call.run(), 30)
    finally:
        await services.close()
    assert call.end_reason == "unavailable" and line.hung_up
    assert {len(frame) for frame in line.frames} == {FRAME_BYTES}
    assert len(line.frames) * 0.02 > 2 and rms_dbfs(b"".join(line.frames)) > -40  # "Sorry, the service..."
    assert not services.recent_calls, "a call the hub never saw has no conversation to list"
