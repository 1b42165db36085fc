"""Turn detection on real synthesized speech, with and without line noise underneath."""

from __future__ import annotations

import numpy as np
import pytest
from speech import caller_speech, silence

from voice.audio import FRAME_MS, rms_dbfs, split_frames
from voice.endpointing import TurnDetector

AUDIBLE_DBFS = -35.0  # the test's own reference for "speaking": festival speech peaks near -15 dBFS


def line_noise(pcm16: bytes, dbfs: float, seed: int = 7) -> bytes:
    """`pcm16` with white noise of loudness `dbfs` mixed in, like a phone line's hiss."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 32768 * 10 ** (dbfs / 20), len(pcm16) // 2)
    mixed = np.frombuffer(pcm16, dtype="<i2") + noise
    return np.clip(mixed, -32768, 32767).astype("<i2").tobytes()


def events(audio: bytes, detector: TurnDetector | None = None) -> list[tuple[str, int]]:
    """(event, ms from the start of the audio to the end of the frame that fired it)."""
    detector = detector or TurnDetector()
    fired = []
    for index, frame in enumerate(split_frames(audio)):
        event = detector.push(frame)
        if event:
            fired.append((event, (index + 1) * FRAME_MS))
    return fired


def audible_span(pcm16: bytes) -> tuple[int, int]:
    """ms from the start of a clip to its first audible frame, and to the end of its last one."""
    loud = [index for index, frame in enumerate(split_frames(pcm16)) if rms_dbfs(frame) > AUDIBLE_DBFS]
    return loud[0] * FRAME_MS, (loud[-1] + 1) * FRAME_MS


def voiced_part(pcm16: bytes) -> bytes:
    """A clip without the quiet lead-in and tail the synthesizer adds."""
    frames = split_frames(pcm16)
    loud = [index for index, frame in enumerate(frames) if rms_dbfs(frame) > -45]
    return b"".join(frames[loud[0] : loud[-1] + 1])


@pytest.mark.parametrize("noise_dbfs", [None, -50.0])
@pytest.mark.parametrize("phrase", ["where is my order", "yes", "i want to return my shoes"])
@pytest.mark.parametrize("end_silence_ms", [500, 700])
def test_speech_starts_promptly_and_the_turn_ends_after_the_configured_silence(
    phrase: str, noise_dbfs: float | None, end_silence_ms: int
) -> None:
    lead_in = 600
    speech = caller_speech(phrase)
    audio = silence(lead_in) + speech + silence(end_silence_ms + 1000)
    if noise_dbfs is not None:
        audio = line_noise(audio, noise_dbfs)
    onset, speech_end = (lead_in + ms for ms in audible_span(speech))

    fired = events(audio, TurnDetector(end_silence_ms=end_silence_ms))

    assert [name for name, _ in fired] == ["speech_started", "turn_ended"], fired
    started_at, ended_at = fired[0][1], fired[1][1]
    assert lead_in < started_at <= onset + 200, f"speech_started at {started_at} ms, speech audible from {onset} ms"
    waited = ended_at - speech_end
    assert end_silence_ms <= waited <= end_silence_ms + 200, f"turn_ended {waited} ms after the speech stopped"


def test_a_short_pause_inside_a_sentence_does_not_end_the_turn() -> None:
    first, second = voiced_part(caller_speech("where is my order")), voiced_part(caller_speech("i want to cancel it"))
    audio = silence(300) + first + silence(300) + second + silence(1200)

    fired = events(audio)

    assert [name for name, _ in fired] == ["speech_started", "turn_ended"], fired
    assert fired[1][1] > 300 + len(first + silence(300) + second) // 16, "the turn ended in the pause"


def test_line_noise_alone_never_starts_speech() -> None:
    assert events(line_noise(silence(10_000), -50.0)) == []
    assert events(silence(10_000)) == []


def test_a_sound_too_short_for_a_turn_is_forgotten_and_the_next_turn_is_detected() -> None:
    speech = voiced_part(caller_speech("where is my order"))
    blip = speech[: 120 * 16]  # 120 ms of the first word, less than min_speech_ms
    detector = TurnDetector(min_speech_ms=200)

    fired = events(silence(400) + blip + silence(1500) + speech + silence(1000), detector)

    assert [name for name, _ in fired] == ["speech_started", "speech_started", "turn_ended"], fired
    assert fired[0][1] <= 400 + 120, "the blip is heard (a barge-in) ..."
    assert fired[2][1] > 400 + 120 + 1500, "... but only the real turn ends"
    assert not detector.speaking


def test_speaking_tells_whether_a_turn_is_in_progress_and_reset_forgets_it() -> None:
    detector = TurnDetector()
    frames = split_frames(silence(200) + voiced_part(caller_speech("where is my order")))
    fired = [detector.push(frame) for frame in frames]
    assert "speech_started" in fired and detector.speaking
    detector.reset()
    assert not detector.speaking
    assert all(detector.push(frame) is None for frame in split_frames(silence(2000)))


def test_a_frame_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="320 bytes"):
        TurnDetector().push(bytes(100))
