"""Every setting of the hub, from environment variables (README, Configuration)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_FILE = REPO_ROOT / "var" / "hub-secret.key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    hub_env: Literal["development", "production"] = "development"
    hub_secret_key: str = ""  # signs session tokens; required in production
    rasa_url: str = "http://127.0.0.1:5005"
    redis_url: str | None = None
    redis_key_prefix: str = "hub:"
    hub_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    session_ttl_seconds: int = 24 * 3600
    max_message_chars: int = 2000
    max_frame_bytes: int = 32 * 1024
    rate_limit_session: str = "20/minute"
    rate_limit_ip: str = "120/minute"
    rasa_timeout_seconds: float = 30.0
    rasa_retry_seconds: float = 300.0  # how long a message waits for Rasa to come back before giving up
    shop_file: Path = REPO_ROOT / "shop.yml"
    agents_file: Path = REPO_ROOT / "var" / "agents.json"  # written by `python -m bot.agents`
    agent_session_ttl_seconds: int = 8 * 3600
    smtp_host: str | None = None  # unset: ticket mails are written to OUTBOX_DIR instead
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_from: str = "checkout-assistant@localhost"
    outbox_dir: Path = REPO_ROOT / "var" / "outbox"

    @model_validator(mode="before")
    @classmethod
    def split_origins(cls, values: dict) -> dict:
        origins = values.get("hub_allowed_origins") or values.get("HUB_ALLOWED_ORIGINS")
        if isinstance(origins, str):
            values["hub_allowed_origins"] = [origin.strip() for origin in origins.split(",") if origin.strip()]
        return values

    @model_validator(mode="after")
    def secret_key(self) -> Settings:
        if self.hub_secret_key:
            if len(self.hub_secret_key) < 32:
                raise ValueError("HUB_SECRET_KEY must be at least 32 characters")
            return self
        if self.hub_env == "production":
            raise ValueError("HUB_SECRET_KEY is required when HUB_ENV=production")
        self.hub_secret_key = development_secret()
        return self


def development_secret() -> str:
    """A random key kept in var/, so development tokens survive hub restarts."""
    if not DEV_SECRET_FILE.exists():
        DEV_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEV_SECRET_FILE.write_text(secrets.token_urlsafe(48))
        DEV_SECRET_FILE.chmod(0o600)
    return DEV_SECRET_FILE.read_text().strip()
