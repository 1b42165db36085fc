"""Line format and the conversions to and from it.

Inside the gateway, audio is always "line format": 8 kHz, 16-bit signed little-endian, mono PCM,
in 20 ms frames. Adapters convert at the edge (mu-law, browser rates); everything else reads and
writes line format.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import soxr

LINE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = LINE_RATE * FRAME_MS // 1000 * 2  # 320

_MULAW_BIAS = 0x21  # on 14-bit magnitudes; 0x84 on 16-bit ones
_MULAW_CLIP = 8159
_MULAW_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def ulaw_to_pcm16(data: bytes) -> bytes:
    """G.711 mu-law bytes (Twilio's media payload) -> 16-bit PCM, one sample per byte."""
    return _ulaw_decode_table()[np.frombuffer(data, dtype=np.uint8)].tobytes()


def pcm16_to_ulaw(data: bytes) -> bytes:
    """16-bit PCM -> G.711 mu-law, one byte per sample."""
    samples = _samples(data)
    return _ulaw_encode_table()[samples.view(np.uint16)].tobytes()


def resample(pcm16: bytes, from_rate: int, to_rate: int) -> bytes:
    """A whole clip of 16-bit mono PCM at `from_rate` -> the same audio at `to_rate`."""
    samples = _samples(pcm16)
    if from_rate == to_rate or not len(samples):
        return samples.tobytes()
    return soxr.resample(samples, from_rate, to_rate).tobytes()


class StreamResampler:
    """Resamples a stream chunk by chunk, with the same result as resampling it in one piece."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self._stream = soxr.ResampleStream(from_rate, to_rate, num_channels=1, dtype="int16")

    def process(self, pcm16: bytes) -> bytes:
        return self._stream.resample_chunk(_samples(pcm16)).tobytes()

    def flush(self) -> bytes:
        """The tail the filter still holds; call once at the end of the stream."""
        return self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True).tobytes()


def split_frames(pcm16: bytes, frame_bytes: int = FRAME_BYTES) -> list[bytes]:
    """Cut audio into frames of `frame_bytes`; the last one is padded with silence."""
    frames = [pcm16[start : start + frame_bytes] for start in range(0, len(pcm16), frame_bytes)]
    if frames and len(frames[-1]) < frame_bytes:
        frames[-1] = frames[-1].ljust(frame_bytes, b"\0")
    return frames


def rms_dbfs(pcm16: bytes) -> float:
    """Loudness in dB relative to full scale: 0 is the loudest square wave, -inf is digital silence."""
    samples = _samples(pcm16).astype(np.float64)
    if not len(samples):
        return -math.inf
    rms = math.sqrt(float(np.mean(samples * samples)))
    return 20 * math.log10(rms / 32768) if rms else -math.inf


def _samples(pcm16: bytes) -> np.ndarray:
    if len(pcm16) % 2:
        raise ValueError(f"16-bit PCM needs an even number of bytes, got {len(pcm16)}")
    return np.frombuffer(pcm16, dtype="<i2")


@cache
def _ulaw_decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(codes & 0x80, -magnitude, magnitude).astype("<i2")


@cache
def _ulaw_encode_table() -> np.ndarray:
    """mu-law code of every 16-bit sample, indexed by the sample's bits read as unsigned (ITU G.711 reference)."""
    samples = np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.int32) >> 2  # G.711 works on 14 bits
    inverted_sign = np.where(samples < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(samples), _MULAW_CLIP) + _MULAW_BIAS
    segment = np.searchsorted(_MULAW_SEGMENT_ENDS, magnitude)
    code = np.where(segment < 8, (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F), 0x7F)
    return (code ^ inverted_sign).astype(np.uint8)
