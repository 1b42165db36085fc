"""Speech to text: one streaming recognizer per caller, models loaded once per process.

Two engines behind one interface:
- Vosk (Kaldi), the design's recognizer: a model folder per language, named by configuration;
- pocketsphinx's bundled en-US model, which installs from PyPI, so English works (and is tested)
  without downloading a model.
Both take line-format audio and resample to what their model needs. Recognition is CPU-bound:
the call loop runs accept() and finish() in a worker thread, never on the event loop.
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import pocketsphinx
import vosk

from voice.audio import LINE_RATE, StreamResampler
from voice.numbers import words_to_digits

log = logging.getLogger(__name__)

POCKETSPHINX = "pocketsphinx"
POCKETSPHINX_RATE = 16000  # its en-US acoustic model is wideband
# Cepstral mean of telephone speech (nothing above 4 kHz) upsampled to 16 kHz, measured with
# pocketsphinx's get_cmn() after decoding a sentence of synthesized line audio in batch mode.
# Its built-in starting mean assumes wideband audio: streaming from it, utterances come out as
# noise words ("where is my order" -> "where in ohio river"); measured on festival speech, this
# mean makes the DESIGN's test phrases come out word for word.
LINE_CEPSTRAL_MEAN = "45.1,33.0,-27.1,33.0,-20.7,-5.1,13.6,-21.5,12.8,-7.7,-3.4,9.5,-11.1"
VOSK_UNKNOWN = "[unk]"
VOSK_MODELS_URL = "https://alphacephei.com/vosk/models"
VOSK_MODEL_NAMES = {"it": "vosk-model-small-it-0.22", "en": "vosk-model-small-en-us-0.15"}


@dataclass(frozen=True)
class Recognition:
    text: str
    confidence: float | None  # 0..1, None when the engine gives no usable score


class SpeechRecognizer(ABC):
    """One caller's recognizer, one utterance at a time. Not thread-safe: one call, one recognizer."""

    @abstractmethod
    def accept(self, pcm16_line: bytes) -> None:
        """Feed line-format audio."""

    @abstractmethod
    def partial(self) -> str:
        """The current hypothesis of the utterance so far ("" if none)."""

    @abstractmethod
    def finish(self) -> Recognition:
        """The final result of the utterance; the recognizer is then ready for the next one."""


class VoskRecognizer(SpeechRecognizer):
    """Vosk's streaming recognizer. With a grammar, only its phrases (or "unknown") can be heard."""

    def __init__(self, model: vosk.Model, grammar: list[str] | None = None, language: str | None = None) -> None:
        """language: turns its spoken digits into numbers (voice/numbers.py); None leaves words as heard."""
        self.model = model  # shared by every recognizer of the language
        # Kaldi resamples line-format audio to the model's rate itself
        if grammar:
            phrases = json.dumps([*grammar, VOSK_UNKNOWN], ensure_ascii=False)  # Vosk does not decode \u escapes
            self._kaldi = vosk.KaldiRecognizer(model, LINE_RATE, phrases)
        else:
            self._kaldi = vosk.KaldiRecognizer(model, LINE_RATE)
        self._kaldi.SetWords(True)  # per-word confidences
        self._language = language
        # Vosk ends a segment on its own at a long pause; our turn detector decides when a turn ends
        self._segments: list[dict] = []

    def accept(self, pcm16_line: bytes) -> None:
        if self._kaldi.AcceptWaveform(pcm16_line):
            self._segments.append(json.loads(self._kaldi.Result()))

    def partial(self) -> str:
        heard = [segment.get("text", "") for segment in self._segments]
        heard.append(json.loads(self._kaldi.PartialResult()).get("partial", ""))
        return self._cleaned(" ".join(heard))

    def finish(self) -> Recognition:
        segments = [*self._segments, json.loads(self._kaldi.FinalResult())]
        self._segments = []
        words = [word for segment in segments for word in segment.get("result", []) if word["word"] != VOSK_UNKNOWN]
        text = self._cleaned(" ".join(word["word"] for word in words))
        confidence = sum(word["conf"] for word in words) / len(words) if words else None
        return Recognition(text, confidence)

    def _cleaned(self, text: str) -> str:
        text = " ".join(word for word in text.split() if word != VOSK_UNKNOWN)
        return words_to_digits(text, self._language) if self._language else text


class PocketsphinxRecognizer(SpeechRecognizer):
    """CMU pocketsphinx with its bundled US-English model. With a grammar, any sequence of its phrases."""

    def __init__(self, grammar: list[str] | None = None) -> None:
        # reading the general language model takes ~0.5 s of CPU: create recognizers off the event loop
        config = {"samprate": POCKETSPHINX_RATE, "cmn": "live", "cmninit": LINE_CEPSTRAL_MEAN, "loglevel": "FATAL"}
        # finish() runs between the caller's last word and the bot's answer: on free speech the
        # flat-lexicon second pass is off (finish() twice as fast, the same words on the test
        # phrases); the lattice pass stays, without it words are lost or doubled ("zero zero")
        if grammar:
            self._decoder = pocketsphinx.Decoder(lm=None, **config)
            words = {word for phrase in grammar for word in phrase.lower().split()}
            unknown = sorted(word for word in words if self._decoder.lookup_word(word) is None)
            if unknown:
                raise ValueError(f"grammar words missing from pocketsphinx's English dictionary: {unknown}")
            self._decoder.add_jsgf_string("grammar", _jsgf(grammar))
            self._decoder.activate_search("grammar")
        else:
            self._decoder = pocketsphinx.Decoder(fwdflat=False, **config)
        self._start()

    def accept(self, pcm16_line: bytes) -> None:
        self._decode(self._upsampler.process(pcm16_line))

    def partial(self) -> str:
        hypothesis = self._decoder.hyp()
        return words_to_digits(hypothesis.hypstr, "en") if hypothesis else ""

    def finish(self) -> Recognition:
        self._decode(self._upsampler.flush())
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        self._start()
        # pocketsphinx's posterior is 1.0 on every streaming hypothesis: no confidence to report
        return Recognition(words_to_digits(hypothesis.hypstr, "en") if hypothesis else "", None)

    def _decode(self, pcm16: bytes) -> None:
        if pcm16:  # the resampler holds back the first few milliseconds; pocketsphinx refuses empty buffers
            self._decoder.process_raw(pcm16)

    def _start(self) -> None:
        self._upsampler = StreamResampler(LINE_RATE, POCKETSPHINX_RATE)
        # every utterance starts from the line's mean: carried over, it drifts on the pauses between turns
        self._decoder.set_cmn(LINE_CEPSTRAL_MEAN)
        self._decoder.start_utt()


class Recognizers:
    """Loads each language's model once per process and hands out one recognizer per caller."""

    def __init__(self, model_paths: dict[str, Path | str | None]) -> None:
        """model_paths: per language, a Vosk model folder, or "pocketsphinx" (English only).

        A missing folder (or None) makes English fall back to pocketsphinx and any other language
        unavailable; both are logged with where to download the model.
        """
        self._engines: dict[str, vosk.Model | str] = {}
        self._missing: dict[str, str] = {}
        for language, path in model_paths.items():
            engine = self._engine_for(language, path)
            if engine is None:
                self._missing[language] = _download_hint(language, path)
                log.warning("no speech recognition for %s: %s", language, self._missing[language])
            else:
                self._engines[language] = engine

    def available(self, language: str) -> bool:
        return language in self._engines

    def new(self, language: str, grammar: list[str] | None = None) -> SpeechRecognizer:
        """A fresh recognizer; LookupError if `language` has no model. Call it off the event loop."""
        engine = self._engines.get(language)
        if engine is None:
            reason = self._missing.get(language, "it is not configured")
            raise LookupError(f"no speech recognizer for language {language!r}: {reason}")
        if engine == POCKETSPHINX:
            return PocketsphinxRecognizer(grammar)
        return VoskRecognizer(engine, grammar, language)

    @staticmethod
    def _engine_for(language: str, path: Path | str | None) -> vosk.Model | str | None:
        if path == POCKETSPHINX:
            if language != "en":
                raise ValueError(f"pocketsphinx ships an English model only, not one for {language!r}")
            return POCKETSPHINX
        if path is not None and Path(path).is_dir():
            return load_vosk_model(Path(path))
        if language == "en":
            log.warning("English speech falls back to pocketsphinx: %s", _download_hint(language, path))
            return POCKETSPHINX
        return None


_vosk_models: dict[Path, vosk.Model] = {}
_vosk_models_lock = threading.Lock()


def load_vosk_model(folder: Path) -> vosk.Model:
    """The Vosk model in `folder`, read from disk the first time only (models take seconds and memory)."""
    folder = folder.resolve()
    with _vosk_models_lock:
        if folder not in _vosk_models:
            vosk.SetLogLevel(-1)  # warnings only: Kaldi logs every step of loading a model otherwise
            try:
                _vosk_models[folder] = vosk.Model(str(folder))
            except Exception as error:  # vosk raises a bare Exception("Failed to create a model")
                hint = f"{folder} is not a Vosk model folder (download one from {VOSK_MODELS_URL})"
                raise ValueError(hint) from error
        return _vosk_models[folder]


def _download_hint(language: str, path: Path | str | None) -> str:
    where = f"model folder {path} does not exist" if path else "no model folder configured"
    name = VOSK_MODEL_NAMES.get(language, f"a {language} model")
    return f"{where}; download {name} from {VOSK_MODELS_URL}, unzip it and point the settings at the folder"


def _jsgf(phrases: list[str]) -> str:
    """A JSGF grammar accepting any sequence of the phrases (like a Vosk grammar)."""
    alternatives = " | ".join(phrase.lower() for phrase in phrases)
    return f"#JSGF V1.0;\ngrammar phrases;\npublic <utterance> = ({alternatives})+;\n"
