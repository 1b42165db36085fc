"""Every setting of the voice gateway, from environment variables (README, Configuration)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
VOSK_DIR = REPO_ROOT / "var" / "vosk"

Language = Literal["it", "en"]


class VoiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    voice_hub_url: str = "http://127.0.0.1:8000"
    voice_host: str = "127.0.0.1"
    voice_port: int = 8100
    audiosocket_port: int = 9092  # 0: no AudioSocket server
    # Twilio's stream URL and the URL its signatures cover, e.g. https://voice.example.com
    voice_public_url: str | None = None

    vosk_model_it: str | None = str(VOSK_DIR / "vosk-model-small-it-0.22")
    vosk_model_en: str | None = str(VOSK_DIR / "vosk-model-small-en-us-0.15")  # missing: pocketsphinx
    tts_voice_it: str = "roa/it"
    tts_voice_en: str = "gmw/en-us"
    tts_rate: int = 165  # words per minute
    tts_cache_dir: Path = REPO_ROOT / "var" / "tts-cache"
    shop_file: Path = REPO_ROOT / "shop.yml"  # the shop's name for the greeting

    voice_language: Language = "it"  # when the called number says nothing
    voice_number_languages: Annotated[dict[str, Language], NoDecode] = Field(default_factory=dict)
    voice_end_silence_ms: int = 350  # caller silence that ends a turn (DESIGN 10: the answer within 500 ms)
    voice_reprompt_seconds: float = 8.0
    voice_reprompts: int = 2  # re-prompts after silence before the polite hang-up
    voice_dtmf_timeout_seconds: float = 4.0  # keypad digits are sent after this pause even without '#'

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None  # set: every Twilio request must carry a valid signature
    twilio_api_url: str = "https://api.twilio.com"
    ari_url: str | None = None  # Asterisk REST Interface, e.g. http://asterisk:8088
    ari_username: str | None = None
    ari_password: str | None = None
    voice_transfer_number: str | None = None  # Twilio transfers dial this number
    voice_transfer_endpoint: str | None = None  # Asterisk transfers dial this endpoint, e.g. PJSIP/agents

    @field_validator("voice_number_languages", mode="before")
    @classmethod
    def parse_number_languages(cls, value: object) -> object:
        """ "+390551234567=it,+442071234567=en" -> {"+390551234567": "it", ...}."""
        if not isinstance(value, str):
            return value
        pairs = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            number, separator, language = item.partition("=")
            if not separator:
                raise ValueError(f"VOICE_NUMBER_LANGUAGES: {item!r} is not <number>=<language>")
            pairs[normalized_number(number)] = language.strip()
        return pairs

    def language_of_number(self, called: str | None) -> Language:
        return self.voice_number_languages.get(normalized_number(called or ""), self.voice_language)

    def vosk_models(self) -> dict[str, str | None]:
        return {"it": self.vosk_model_it, "en": self.vosk_model_en}

    def tts_voices(self) -> dict[str, str]:
        return {"it": self.tts_voice_it, "en": self.tts_voice_en}


def normalized_number(number: str) -> str:
    """Telephone numbers compare by their digits and leading '+' only ("+39 055 123" = "+39055123")."""
    number = number.strip()
    return ("+" if number.startswith("+") else "") + "".join(char for char in number if char.isdigit())
