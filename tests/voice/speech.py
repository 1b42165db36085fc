"""Real synthesized caller speech in line format (8 kHz, 16-bit, mono PCM) for voice tests.

Festival's diphone voices are what pocketsphinx's en-US model recognizes best (DESIGN section 8);
espeak-ng covers every other language, e.g. Korean for the Vosk model that installs from PyPI.
Clips are cached by hash in the temporary directory, so a test run synthesizes each phrase once.
"""

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

LINE_RATE = 8000
BYTES_PER_MS = LINE_RATE * 2 // 1000

FESTIVAL_VOICES = {"en": "kal_diphone", "it": "lp_diphone"}
CACHE_DIR = Path(tempfile.gettempdir()) / "caller-speech"


def caller_speech(text: str, language: str = "en", engine: str = "festival") -> bytes:
    """`text` spoken by a synthetic caller, as 8 kHz s16le mono PCM (no header)."""
    key = hashlib.sha256(f"{engine}\0{language}\0{text}".encode()).hexdigest()[:24]
    cached = CACHE_DIR / f"{key}.raw"
    if cached.exists():
        return cached.read_bytes()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        wav = Path(work) / "speech.wav"
        if engine == "festival":
            _festival(text, language, wav)
        elif engine == "espeak-ng":
            subprocess.run(["espeak-ng", "-v", language, "-w", str(wav), text], check=True, capture_output=True)
        else:
            raise ValueError(f"unknown speech engine {engine!r}: use 'festival' or 'espeak-ng'")
        pcm = _to_line_format(wav)
    # write then rename, so parallel test processes never read half a file
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(pcm)
    partial.replace(cached)
    return pcm


def silence(ms: int) -> bytes:
    """`ms` milliseconds of digital silence in line format."""
    return bytes(ms * BYTES_PER_MS)


def _festival(text: str, language: str, wav: Path) -> None:
    voice = FESTIVAL_VOICES.get(language)
    if voice is None:
        raise ValueError(f"no festival voice for {language!r}: use one of {sorted(FESTIVAL_VOICES)} or espeak-ng")
    # festival reads 8-bit text; its Italian voices expect Latin-1 for accented letters
    subprocess.run(
        ["text2wave", "-eval", f"(voice_{voice})", "-o", str(wav)],
        input=text.encode("latin-1"),
        check=True,
        capture_output=True,
    )


def _to_line_format(wav: Path) -> bytes:
    converted = subprocess.run(
        ["sox", str(wav), "-r", str(LINE_RATE), "-b", "16", "-c", "1", "-e", "signed-integer", "-t", "raw", "-"],
        check=True,
        capture_output=True,
    )
    return converted.stdout
