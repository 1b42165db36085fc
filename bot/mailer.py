"""Outgoing mail (ticket mails to the support team): over SMTP when SMTP_HOST is set, otherwise
as `.eml` files in OUTBOX_DIR, so the embedded default runs with no mail server."""

from __future__ import annotations

import asyncio
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from bot.settings import Settings


class MailError(Exception):
    """The message was not delivered (to the SMTP server or the outbox)."""


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Deliver the message or raise MailError."""


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10,
    ) -> None:
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.starttls = starttls
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:  # OSError covers refused and timed-out connections
            raise MailError(f"SMTP server {self.host}:{self.port} did not take the mail: {error}") from error


class OutboxMailer:
    """Writes each message to `<directory>/<UTC timestamp>-<uuid>.eml`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def send(self, message: EmailMessage) -> None:
        name = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex}.eml"
        try:
            await asyncio.to_thread(self._write, self.directory / name, message.as_bytes())
        except OSError as error:
            raise MailError(f"could not write the mail to {self.directory}: {error}") from error

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_starttls,
        )
    return OutboxMailer(settings.outbox_dir)
