"""Line format conversions: mu-law, resampling, framing, loudness."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from speech import caller_speech

from voice.audio import (
    FRAME_BYTES,
    LINE_RATE,
    StreamResampler,
    pcm16_to_ulaw,
    resample,
    rms_dbfs,
    split_frames,
    ulaw_to_pcm16,
)


def tone(seconds: float, rate: int, amplitude: float = 0.5, hz: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def samples(pcm16: bytes) -> np.ndarray:
    return np.frombuffer(pcm16, dtype="<i2").astype(np.int64)


def test_line_frames_are_20_ms_of_8_khz_16_bit() -> None:
    assert FRAME_BYTES == LINE_RATE * 2 // 50 == 320


def test_mulaw_matches_the_g711_reference_for_every_sample_and_code() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop  # the C reference implementation in Python 3.11's standard library

    every_sample = np.arange(-32768, 32768, dtype="<i2").tobytes()
    assert pcm16_to_ulaw(every_sample) == audioop.lin2ulaw(every_sample, 2)
    every_code = bytes(range(256))
    assert ulaw_to_pcm16(every_code) == audioop.ulaw2lin(every_code, 2)


def test_mulaw_round_trip_keeps_speech_within_g711_quantization_noise() -> None:
    speech = caller_speech("where is my order")
    decoded = ulaw_to_pcm16(pcm16_to_ulaw(speech))
    assert len(pcm16_to_ulaw(speech)) == len(speech) // 2
    assert len(decoded) == len(speech)
    error = samples(decoded) - samples(speech)
    signal_to_noise = 10 * math.log10(np.mean(samples(speech) ** 2) / np.mean(error**2))
    assert signal_to_noise > 30, f"{signal_to_noise:.1f} dB"  # G.711 gives ~38 dB on speech


def test_mulaw_extremes_and_silence() -> None:
    assert pcm16_to_ulaw(np.array([0, 32767, -32768], dtype="<i2").tobytes()) == bytes([0xFF, 0x80, 0x00])
    assert ulaw_to_pcm16(b"\xff\x7f") == bytes(4)  # both zero codes decode to silence


def test_odd_byte_count_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="even number of bytes"):
        pcm16_to_ulaw(b"\x00\x01\x02")
    with pytest.raises(ValueError, match="even number of bytes"):
        resample(b"\x00", 8000, 16000)


@pytest.mark.parametrize(("from_rate", "to_rate"), [(8000, 16000), (16000, 8000), (48000, 8000), (8000, 44100)])
def test_resample_keeps_the_duration_and_the_tone(from_rate: int, to_rate: int) -> None:
    out = resample(tone(1.0, from_rate), from_rate, to_rate)
    assert len(out) == 2 * to_rate
    spectrum = np.abs(np.fft.rfft(samples(out)))
    assert np.argmax(spectrum) * to_rate / (len(out) // 2) == pytest.approx(440, abs=2)


def test_resample_to_the_same_rate_returns_the_audio_unchanged() -> None:
    audio = tone(0.1, 8000)
    assert resample(audio, 8000, 8000) == audio
    assert resample(b"", 8000, 16000) == b""


@pytest.mark.parametrize(("from_rate", "to_rate"), [(8000, 16000), (48000, 8000)])
def test_stream_resampler_in_20_ms_chunks_equals_one_shot_resampling(from_rate: int, to_rate: int) -> None:
    audio = resample(caller_speech("i want to cancel my order"), LINE_RATE, from_rate)
    chunk = from_rate * 2 // 50
    stream = StreamResampler(from_rate, to_rate)
    pieces = [stream.process(audio[start : start + chunk]) for start in range(0, len(audio), chunk)]
    streamed = b"".join(pieces) + stream.flush()
    whole = resample(audio, from_rate, to_rate)
    assert len(streamed) == len(whole)
    assert np.max(np.abs(samples(streamed) - samples(whole))) <= 2


def test_split_frames_pads_only_the_last_frame_with_silence() -> None:
    audio = bytes(range(256)) * 2 + b"\x01\x02" * 5  # 522 bytes
    frames = split_frames(audio)
    assert [len(frame) for frame in frames] == [FRAME_BYTES, FRAME_BYTES]
    assert b"".join(frames)[: len(audio)] == audio
    assert frames[1][len(audio) - FRAME_BYTES :] == bytes(2 * FRAME_BYTES - len(audio))
    assert split_frames(bytes(640)) == [bytes(320), bytes(320)]
    assert split_frames(b"") == []
    assert [len(frame) for frame in split_frames(bytes(100), frame_bytes=40)] == [40, 40, 40]


def test_rms_dbfs_of_known_signals() -> None:
    full_square = np.array([32767, -32768] * 400, dtype="<i2").tobytes()
    assert rms_dbfs(full_square) == pytest.approx(0.0, abs=0.01)
    assert rms_dbfs(tone(1.0, 8000, amplitude=0.5)) == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.05)
    assert rms_dbfs(bytes(320)) == -math.inf
    assert rms_dbfs(b"") == -math.inf
