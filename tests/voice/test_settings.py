"""The gateway's settings: the language of a called number, refused malformed values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from voice.settings import VoiceSettings


def test_the_called_number_chooses_the_language_whatever_its_spacing() -> None:
    settings = VoiceSettings(voice_number_languages="+39 055 123 4567=it, +442071234567=en", voice_language="it")
    assert settings.language_of_number("+390551234567") == "it"
    assert settings.language_of_number("+44 20 7123 4567") == "en"
    assert settings.language_of_number("+15551234567") == "it"  # not listed: VOICE_LANGUAGE
    assert settings.language_of_number(None) == "it"


@pytest.mark.parametrize(
    "bad",
    [
        {"voice_number_languages": "+390551234567"},  # no language
        {"voice_number_languages": "+390551234567=de"},  # not a language of the shop
        {"voice_language": "fr"},
    ],
)
def test_malformed_values_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        VoiceSettings(**bad)
