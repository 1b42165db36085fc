"""Conversation language: detected per message, sticky for the conversation.

A channel can force it (message metadata ``{"language": "en"}``, e.g. a phone line per language)
or hint it (``{"page_language": "en"}``: the widget sends the page locale, which decides only
until the shopper's own words do)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.shop import LANGUAGES, load_shop

# Confidence needed to move the conversation to the other language, by word count: short
# messages ("ok", "si", "paypal?") are ambiguous, so they need more.
SWITCH_CONFIDENCE_BY_WORDS = {1: 0.9, 2: 0.8}
SWITCH_CONFIDENCE = 0.7

NOT_LANGUAGE = re.compile(r"\S+@\S+|https?://\S+|[\d#+.,:/-]+")
LINGUA_TO_CODE = {Language.ITALIAN: "it", Language.ENGLISH: "en"}


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*LINGUA_TO_CODE).build()


def language_words(text: str) -> list[str]:
    """The words of a message that tell its language: no emails, links, numbers or button payloads."""
    return [] if (text or "").startswith("/") else NOT_LANGUAGE.sub(" ", text or "").split()


def detect_language(text: str) -> tuple[str, float] | None:
    """The likelier of Italian and English for `text` with its confidence, None for no words."""
    words = language_words(text)
    if not words:
        return None
    best = detector().compute_language_confidence_values(" ".join(words))[0]
    return LINGUA_TO_CODE[best.language], best.value


def next_language(
    current: str | None, text: str, requested: str | None, understood: bool = True, hint: str | None = None
) -> str:
    """The conversation language after a message: the channel's request wins, then a
    confident detection on a message NLU understood (gibberish is no evidence), then the
    language so far, then the channel's hint, then the shop's first language."""
    if requested in LANGUAGES:
        return requested
    fallback = next((language for language in (current, hint) if language in LANGUAGES), load_shop().shop.languages[0])
    detected = detect_language(text) if understood else None
    if detected is None:
        return fallback
    language, confidence = detected
    needed = SWITCH_CONFIDENCE_BY_WORDS.get(len(language_words(text)), SWITCH_CONFIDENCE)
    return language if confidence >= needed else fallback


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message: sets the slots that no NLU entity fills."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = tracker.latest_message or {}
        metadata = message.get("metadata") or {}
        understood = (message.get("intent") or {}).get("name") != "nlu_fallback"
        language = next_language(
            tracker.get_slot("language"),
            message.get("text") or "",
            metadata.get("language"),
            understood,
            metadata.get("page_language"),
        )
        return {"language": language}
