"""The README is the user's manual: every environment variable the code reads is in its
configuration table."""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["actions", "scripts", "benchmarks", "bot", "voice", "connectors"]
READS = [
    re.compile(r"os\.environ(?:\.get)?\(\s*\"([A-Z][A-Z0-9_]+)\""),  # Python
    re.compile(r"os\.environ\[\"([A-Z][A-Z0-9_]+)\"\]"),
    re.compile(r"\$\{([A-Z][A-Z0-9_]+)(?::-[^}]*)?\}"),  # shell and Rasa endpoint files
]
NOT_CONFIGURATION = {"HOME", "PWD", "CI", "REDIS_HOST", "REDIS_PORT", "REDIS_DB"}  # system or derived


def hub_settings() -> set[str]:
    """The environment variables of the hub's Settings (pydantic-settings: field name, upper case)."""
    sys.path.insert(0, str(REPO))
    from bot.settings import Settings

    return {name.upper() for name in Settings.model_fields}


def voice_settings() -> set[str]:
    """The environment variables of the voice gateway's VoiceSettings."""
    sys.path.insert(0, str(REPO))
    from voice.settings import VoiceSettings

    return {name.upper() for name in VoiceSettings.model_fields}


def variables_read() -> set[str]:
    files = [path for folder in SOURCES for path in (REPO / folder).rglob("*") if path.suffix in (".py", ".sh")]
    files += list(REPO.glob("endpoints*.yml")) + [REPO / "Makefile"]
    found = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in READS:
            found.update(pattern.findall(text))
    return (found | hub_settings() | voice_settings()) - NOT_CONFIGURATION


def test_every_environment_variable_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration") :]
    missing = sorted(name for name in variables_read() if f"`{name}`" not in table)
    assert not missing, f"add to the README configuration table: {missing}"


def test_the_scan_finds_the_variables_we_know_of() -> None:
    known = {"DATABASE_URL", "SHOP_FILE", "REDIS_URL", "ACTION_SERVER_URL", "HUB_SECRET_KEY", "VOSK_MODEL_IT"}
    assert known <= variables_read()
