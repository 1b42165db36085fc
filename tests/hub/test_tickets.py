"""Tickets (bot/tickets.py) and their mail (bot/mailer.py): a real SMTP server (aiosmtpd) on a
loopback port receives the mails; numbering runs on the local Redis."""

from __future__ import annotations

import email
import email.policy
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from redis_keys import REDIS_URL

from bot.mailer import Mailer, MailError, OutboxMailer, SmtpMailer, mailer_from_settings
from bot.settings import Settings
from bot.tickets import MemoryTicketStore, RedisTicketStore, Ticket, TicketDesk, TicketStore, open_ticket_store
from bot.transcript import Entry

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from assistant_processes import free_port  # noqa: E402

SUPPORT = "support@shop.example"
SENDER = "checkout-assistant@shop.example"
SHOPPER = "mario.rossi@example.com"
DESCRIPTION = "I was charged twice for order 100001 and nobody answers the phone"
SECRET = "s" * 40


@dataclass
class Inbox:
    """What the SMTP server received."""

    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[LoginPassword] = field(default_factory=list)
    reply: str = "250 Message accepted for delivery"

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return self.reply

    def authenticate(
        self, server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"assistant", b"mail password")
        if ok:
            self.logins.append(data)
        return AuthResult(success=ok)

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox

    def mailer(self, **options: object) -> SmtpMailer:
        return SmtpMailer("127.0.0.1", self.port, starttls=False, **options)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate, auth_require_tls=False
    )
    controller.start()
    yield SmtpServer(port, inbox)
    controller.stop()


def transcript() -> list[Entry]:
    at = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    return [
        Entry(seq=1, role="shopper", text="mi hanno addebitato due volte", at=at),
        Entry(seq=2, role="bot", text="Mi dispiace.\nTi passo a una persona.", at=at.replace(minute=6)),
        Entry(seq=3, role="bot", custom={"handoff": {"reason": "complaint"}}, at=at.replace(minute=6)),
        Entry(seq=4, role="system", text="Nessun operatore disponibile ora.", at=at.replace(minute=7)),
    ]


def desk(mailer: Mailer, store: TicketStore | None = None) -> TicketDesk:
    return TicketDesk(store or MemoryTicketStore(), mailer, SUPPORT, SENDER, "Bottega Demo")


async def test_a_ticket_is_stored_and_mailed_to_support(smtp_server: SmtpServer) -> None:
    tickets = desk(smtp_server.mailer())
    ticket = await tickets.open("web-1", " Mario.Rossi@Example.com ", f"  {DESCRIPTION}  ", "it", transcript())

    assert ticket.number == "T-000001" and ticket.emailed
    assert ticket.email == "Mario.Rossi@example.com" and ticket.description == DESCRIPTION
    assert await tickets.store.get("T-000001") == ticket

    [envelope] = smtp_server.inbox.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == [SUPPORT]
    [mail] = smtp_server.inbox.messages()
    assert mail["Subject"] == f"[T-000001] Bottega Demo: {DESCRIPTION[:60]}"
    assert mail["To"] == SUPPORT and mail["From"] == SENDER and mail["Reply-To"] == "Mario.Rossi@example.com"
    body = mail.get_content()
    assert "Richiesta: T-000001" in body and "Email del cliente: Mario.Rossi@example.com" in body
    assert DESCRIPTION in body
    lines = body.splitlines()
    transcript_at = lines.index("Trascrizione (orari UTC):")
    assert lines[transcript_at + 1 :] == [
        "14:05 shopper: mi hanno addebitato due volte",
        "14:06 bot: Mi dispiace. Ti passo a una persona.",
        "14:07 system: Nessun operatore disponibile ora.",
    ]


async def test_an_english_ticket_mail_is_in_english(smtp_server: SmtpServer) -> None:
    await desk(smtp_server.mailer()).open("web-2", SHOPPER, "Where is my refund?", "en", [])
    lines = smtp_server.inbox.messages()[0].get_content().splitlines()  # CRLF on the wire
    assert lines[:2] == ["Ticket: T-000001", "Shopper email: mario.rossi@example.com"]
    assert lines[lines.index("Description:") + 1] == "Where is my refund?"


async def test_a_description_over_several_lines_keeps_the_subject_on_one_line(smtp_server: SmtpServer) -> None:
    await desk(smtp_server.mailer()).open("web-3", SHOPPER, "Bcc: someone@evil.example\nsecond line", "en", [])
    [mail] = smtp_server.inbox.messages()
    assert mail["Subject"] == "[T-000001] Bottega Demo: Bcc: someone@evil.example second line"
    assert mail["Bcc"] is None and smtp_server.inbox.envelopes[0].rcpt_tos == [SUPPORT]


async def test_smtp_login_is_used_when_configured(smtp_server: SmtpServer) -> None:
    mailer = smtp_server.mailer(username="assistant", password="mail password")
    ticket = await desk(mailer).open("web-4", SHOPPER, "Please call me back", "en", [])
    assert ticket.emailed and len(smtp_server.inbox.logins) == 1


async def test_numbers_are_sequential_and_shared_by_every_hub_on_redis(redis_prefix: str) -> None:
    first, second = RedisTicketStore(REDIS_URL, redis_prefix), RedisTicketStore(REDIS_URL, redis_prefix)
    numbers = [await store.next_number() for store in (first, second, first, second)]
    assert numbers == ["T-000001", "T-000002", "T-000003", "T-000004"]
    ticket = Ticket(number=numbers[0], conversation_id="web-5", email=SHOPPER, description="x", language="it")
    await first.save(ticket)
    assert await second.get("T-000001") == ticket
    assert await second.get("T-999999") is None
    await first.close()
    await second.close()


async def test_a_ticket_on_redis_records_whether_it_was_mailed(redis_prefix: str, smtp_server: SmtpServer) -> None:
    store = RedisTicketStore(REDIS_URL, redis_prefix)
    ticket = await desk(smtp_server.mailer(), store).open("web-6", SHOPPER, DESCRIPTION, "en", transcript())
    reread = RedisTicketStore(REDIS_URL, redis_prefix)
    assert (await reread.get(ticket.number)).emailed is True
    await store.close()
    await reread.close()


async def test_smtp_server_down_keeps_the_ticket_unmailed(caplog: pytest.LogCaptureFixture) -> None:
    tickets = desk(SmtpMailer("127.0.0.1", free_port(), starttls=False, timeout=2))
    with caplog.at_level(logging.ERROR, logger="bot.tickets"):
        ticket = await tickets.open("web-7", SHOPPER, DESCRIPTION, "it", transcript())
    assert ticket.emailed is False
    assert await tickets.store.get(ticket.number) == ticket
    [record] = caplog.records
    assert record.ticket == ticket.number and "did not take the mail" in str(record.exc_info[1])


async def test_a_mail_the_server_refuses_keeps_the_ticket_unmailed(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.reply = "554 Transaction failed"
    tickets = desk(smtp_server.mailer())
    ticket = await tickets.open("web-8", SHOPPER, DESCRIPTION, "en", [])
    assert ticket.emailed is False and (await tickets.store.get(ticket.number)).emailed is False


async def test_starttls_demanded_of_a_server_without_it_is_a_clear_mail_error(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer("127.0.0.1", smtp_server.port, starttls=True)
    with pytest.raises(MailError, match=f"127.0.0.1:{smtp_server.port} did not take the mail"):
        await mailer.send(
            desk(mailer).mail(
                Ticket(number="T-1", conversation_id="c", email=SHOPPER, description="d", language="en"), []
            )
        )
    assert smtp_server.inbox.envelopes == []


@pytest.mark.parametrize(
    ("address", "description", "language", "error"),
    [
        ("not-an-email", DESCRIPTION, "it", "invalid email address"),
        ("mario@", DESCRIPTION, "it", "invalid email address"),
        ("mario rossi@example.com", DESCRIPTION, "it", "invalid email address"),
        ("", DESCRIPTION, "it", "invalid email address"),
        (SHOPPER, "", "it", "the description is empty"),
        (SHOPPER, "   \n ", "it", "the description is empty"),
        (SHOPPER, "x" * 2001, "it", "longer than 2000 characters"),
        (SHOPPER, DESCRIPTION, "fr", "unknown language 'fr'"),
    ],
)
async def test_bad_tickets_are_refused_and_nothing_is_stored_or_sent(
    smtp_server: SmtpServer, address: str, description: str, language: str, error: str
) -> None:
    store = MemoryTicketStore()
    with pytest.raises(ValueError, match=error):
        await desk(smtp_server.mailer(), store).open("web-9", address, description, language, transcript())
    assert store.tickets == {} and store.sequence == 0
    assert smtp_server.inbox.envelopes == []


async def test_a_description_of_exactly_2000_characters_is_taken(smtp_server: SmtpServer) -> None:
    ticket = await desk(smtp_server.mailer()).open("web-10", SHOPPER, "y" * 2000, "en", [])
    assert ticket.emailed and len(ticket.description) == 2000


async def test_the_outbox_holds_a_parseable_mail(tmp_path: Path) -> None:
    outbox = tmp_path / "var" / "outbox"
    ticket = await desk(OutboxMailer(outbox)).open("web-11", SHOPPER, DESCRIPTION, "en", transcript())
    assert ticket.emailed
    [file] = outbox.iterdir()
    assert file.suffix == ".eml" and file.name[:8].isdigit()
    mail = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
    assert mail["Subject"] == f"[T-000001] Bottega Demo: {DESCRIPTION[:60]}" and mail["Reply-To"] == SHOPPER
    assert "14:05 shopper: mi hanno addebitato due volte" in mail.get_content()


async def test_an_outbox_that_cannot_be_written_keeps_the_ticket_unmailed(tmp_path: Path) -> None:
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the folder should be")
    tickets = desk(OutboxMailer(blocked))
    ticket = await tickets.open("web-12", SHOPPER, DESCRIPTION, "en", [])
    assert ticket.emailed is False and await tickets.store.get(ticket.number) == ticket


async def test_the_settings_choose_smtp_or_the_outbox(tmp_path: Path, redis_prefix: str) -> None:
    outbox = mailer_from_settings(Settings(hub_secret_key=SECRET, outbox_dir=tmp_path))
    assert isinstance(outbox, OutboxMailer) and outbox.directory == tmp_path
    smtp = mailer_from_settings(
        Settings(hub_secret_key=SECRET, smtp_host="mail.example", smtp_port=2525, smtp_starttls=False)
    )
    assert isinstance(smtp, SmtpMailer) and (smtp.host, smtp.port, smtp.starttls) == ("mail.example", 2525, False)
    assert isinstance(open_ticket_store(Settings(hub_secret_key=SECRET)), MemoryTicketStore)
    store = open_ticket_store(Settings(hub_secret_key=SECRET, redis_url=REDIS_URL, redis_key_prefix=redis_prefix))
    assert isinstance(store, RedisTicketStore) and await store.next_number() == "T-000001"
    await store.close()
