"""Checks on the bot audio a fake caller recorded: real speech, line format, real-time pace."""

from __future__ import annotations

from fake_caller import BotFrame, Reply

from voice.audio import FRAME_BYTES, rms_dbfs, split_frames
from voice.playback import PREBUFFER_FRAMES

FRAME_SECONDS = 0.02
SPEECH_DBFS = -40.0  # festival and espeak speech is far louder; line silence is -inf
PACE_TOLERANCE = 0.08  # event-loop jitter on a busy 2-core machine


def assert_speech(reply: Reply, min_seconds: float) -> None:
    assert reply.seconds >= min_seconds, f"only {reply.seconds:.2f} s of bot audio"
    assert rms_dbfs(reply.audio) > SPEECH_DBFS, f"bot audio is (nearly) silent: {rms_dbfs(reply.audio):.1f} dBFS"


def assert_line_format(frames: list[BotFrame], wire_bytes: int) -> None:
    """Every frame is 20 ms: 320 bytes of 16-bit PCM, carried as `wire_bytes` on the wire."""
    assert {len(frame.pcm) for frame in frames} == {FRAME_BYTES}
    assert {frame.wire_bytes for frame in frames} == {wire_bytes}


def assert_real_time(frames: list[BotFrame]) -> None:
    """From any frame on, the later frames never arrive more than PREBUFFER_FRAMES ahead of
    real time: frame j is due (j - i) * 20 ms after frame i."""
    slack = PREBUFFER_FRAMES * FRAME_SECONDS + PACE_TOLERANCE
    max_ahead, smallest_lead = 0.0, float("inf")
    for index, frame in enumerate(frames):
        lead = index * FRAME_SECONDS - frame.at  # ahead(i, j) = lead(j) - lead(i)
        smallest_lead = min(smallest_lead, lead)
        max_ahead = max(max_ahead, lead - smallest_lead)
    assert max_ahead <= slack, f"bot audio ran {max_ahead * 1000:.0f} ms ahead of real time"


def speech_onset(pcm: bytes) -> float:
    """Seconds from the start of a clip to its first audible 20 ms frame."""
    for index, frame in enumerate(split_frames(pcm)):
        if rms_dbfs(frame) > SPEECH_DBFS:
            return index * FRAME_SECONDS
    raise ValueError("the clip is silent")
