"""Spoken digits: the words a caller uses for them, and turning runs of them into numbers.

Recognizers write what they hear as words ("one zero zero zero zero two"); the assistant expects
an order number as digits ("100002"), as a shopper would type it in the chat.
"""

from __future__ import annotations

import re

DIGIT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "zero": "0",
        "oh": "0",
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
    },
    "it": {
        "zero": "0",
        "uno": "1",
        "due": "2",
        "tre": "3",
        "quattro": "4",
        "cinque": "5",
        "sei": "6",
        "sette": "7",
        "otto": "8",
        "nove": "9",
    },
}


def digit_words(language: str) -> list[str]:
    """The words for 0-9 in `language`: a recognizer grammar for keying a number in by voice."""
    try:
        return list(DIGIT_WORDS[language])
    except KeyError:
        raise LookupError(f"no digit words for language {language!r}; known: {sorted(DIGIT_WORDS)}") from None


def words_to_digits(text: str, language: str) -> str:
    """Every run of two or more digit words becomes one number: "order one zero two" -> "order 102".

    A single digit word stays a word ("one of my shoes", "sei sicuro?"). Text in a language without
    digit words comes back unchanged.
    """
    words = DIGIT_WORDS.get(language)
    if not words:
        return text
    word = "|".join(words)
    run = re.compile(rf"\b(?:{word})(?:\s+(?:{word}))+\b", re.IGNORECASE)
    return run.sub(lambda match: "".join(words[spoken] for spoken in match.group().lower().split()), text)
