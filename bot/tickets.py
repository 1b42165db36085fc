"""Tickets: a message a shopper leaves for the support team when no agent can take the
conversation. Stored first, then emailed to the support address, so a mail failure loses nothing.

In memory by default; Redis when REDIS_URL is set (counter `<prefix>ticket-seq`, hash
`<prefix>tickets` number -> ticket JSON), so numbers are unique across hub processes.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal, cast, get_args

import redis.asyncio as redis
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, Field

from bot.mailer import Mailer, MailError
from bot.settings import Settings
from bot.transcript import Entry

log = logging.getLogger("bot.tickets")

MAX_DESCRIPTION_CHARS = 2000
SUBJECT_DESCRIPTION_CHARS = 60
Language = Literal["it", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)

# The mail is written in the conversation's language: whoever answers the shopper writes in it.
MAIL_LABELS = {
    "it": {
        "ticket": "Richiesta",
        "email": "Email del cliente",
        "language": "Lingua",
        "conversation": "Conversazione",
        "description": "Descrizione",
        "transcript": "Trascrizione (orari UTC)",
    },
    "en": {
        "ticket": "Ticket",
        "email": "Shopper email",
        "language": "Language",
        "conversation": "Conversation",
        "description": "Description",
        "transcript": "Transcript (UTC times)",
    },
}


class Ticket(BaseModel):
    number: str  # "T-000042"
    conversation_id: str
    email: str
    description: str
    language: Language
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    emailed: bool = False


def ticket_number(sequence: int) -> str:
    return f"T-{sequence:06d}"


class TicketStore(ABC):
    @abstractmethod
    async def next_number(self) -> str:
        """A number never handed out before."""

    @abstractmethod
    async def save(self, ticket: Ticket) -> None:
        """Store or replace the ticket with that number."""

    @abstractmethod
    async def get(self, number: str) -> Ticket | None: ...

    async def close(self) -> None:
        return None


class MemoryTicketStore(TicketStore):
    def __init__(self) -> None:
        self.sequence = 0
        self.tickets: dict[str, Ticket] = {}

    async def next_number(self) -> str:
        self.sequence += 1
        return ticket_number(self.sequence)

    async def save(self, ticket: Ticket) -> None:
        self.tickets[ticket.number] = ticket

    async def get(self, number: str) -> Ticket | None:
        return self.tickets.get(number)


class RedisTicketStore(TicketStore):
    def __init__(self, url: str, prefix: str = "hub:") -> None:
        self.redis = redis.from_url(url, decode_responses=True)
        self.prefix = prefix

    async def next_number(self) -> str:
        return ticket_number(await self.redis.incr(f"{self.prefix}ticket-seq"))

    async def save(self, ticket: Ticket) -> None:
        await self.redis.hset(f"{self.prefix}tickets", ticket.number, ticket.model_dump_json())

    async def get(self, number: str) -> Ticket | None:
        stored = await self.redis.hget(f"{self.prefix}tickets", number)
        return Ticket.model_validate_json(stored) if stored else None

    async def close(self) -> None:
        await self.redis.aclose()


def open_ticket_store(settings: Settings) -> TicketStore:
    if settings.redis_url:
        return RedisTicketStore(settings.redis_url, settings.redis_key_prefix)
    return MemoryTicketStore()


def checked_email(email: str) -> str:
    """The normalized address; ValueError saying what is wrong with it."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"invalid email address: {error}") from error


def checked_description(description: str) -> str:
    description = description.strip()
    if not description:
        raise ValueError("the description is empty")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise ValueError(f"the description is longer than {MAX_DESCRIPTION_CHARS} characters")
    return description


def checked_language(language: str) -> Language:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    return cast(Language, language)


def one_line(text: str) -> str:
    return " ".join(text.split())


def transcript_lines(transcript: list[Entry]) -> list[str]:
    """`HH:MM role: text` per entry with text (UTC times, like the stored entries)."""
    return [
        f"{entry.at.astimezone(UTC):%H:%M} {entry.role}: {one_line(entry.text)}" for entry in transcript if entry.text
    ]


class TicketDesk:
    def __init__(self, store: TicketStore, mailer: Mailer, support_email: str, sender: str, shop_name: str) -> None:
        self.store = store
        self.mailer = mailer
        self.support_email = support_email
        self.sender = sender
        self.shop_name = shop_name

    async def open(
        self, conversation_id: str, email: str, description: str, language: str, transcript: list[Entry]
    ) -> Ticket:
        """Store a ticket, then email it to the support address. ValueError for an invalid email,
        description or language (nothing stored); a failed mail is logged and leaves the ticket
        stored with `emailed=False`."""
        email = checked_email(email)
        description = checked_description(description)
        language = checked_language(language)
        ticket = Ticket(
            number=await self.store.next_number(),
            conversation_id=conversation_id,
            email=email,
            description=description,
            language=language,
        )
        await self.store.save(ticket)
        try:
            await self.mailer.send(self.mail(ticket, transcript))
        except MailError:
            log.exception("ticket stored but not emailed", extra={"ticket": ticket.number})
            return ticket
        ticket = ticket.model_copy(update={"emailed": True})
        await self.store.save(ticket)
        return ticket

    def mail(self, ticket: Ticket, transcript: list[Entry]) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.support_email
        message["Reply-To"] = ticket.email
        subject_description = one_line(ticket.description)[:SUBJECT_DESCRIPTION_CHARS]
        message["Subject"] = f"[{ticket.number}] {one_line(self.shop_name)}: {subject_description}"
        message["Date"] = format_datetime(ticket.created_at)
        message["Message-ID"] = make_msgid(idstring=ticket.number)
        message.set_content(self.body(ticket, transcript))
        return message

    @staticmethod
    def body(ticket: Ticket, transcript: list[Entry]) -> str:
        labels = MAIL_LABELS[ticket.language]
        lines = [
            f"{labels['ticket']}: {ticket.number}",
            f"{labels['email']}: {ticket.email}",
            f"{labels['language']}: {ticket.language}",
            f"{labels['conversation']}: {ticket.conversation_id}",
            "",
            f"{labels['description']}:",
            ticket.description,
            "",
            f"{labels['transcript']}:",
            *transcript_lines(transcript),
        ]
        return "\n".join(lines) + "\n"
