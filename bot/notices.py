"""What the hub itself tells the shopper (system entries), in Italian and English. The
assistant's own words live in Rasa's domain; these are the hub's, around a handoff."""

from __future__ import annotations

from typing import Any

from bot.transcript import Entry

TEXTS: dict[str, dict[str, str]] = {
    "agent_joined": {
        "it": "{name} del nostro team è entrato in chat e ha letto tutta la conversazione.",
        "en": "{name} from our team has joined the chat and has read the whole conversation.",
    },
    "agent_left.bot": {
        "it": "{name} ha lasciato la chat: ora ti risponde di nuovo l'assistente virtuale.",
        "en": "{name} has left the chat: the virtual assistant is back with you.",
    },
    "agent_left.queued": {
        "it": "{name} ti ha passato a un collega: resta in chat, arriva a breve.",
        "en": "{name} has passed you to a colleague: stay in the chat, they'll be with you shortly.",
    },
    "agent_left.agent": {
        "it": "{name} ti ha passato a un collega.",
        "en": "{name} has passed you to a colleague.",
    },
    "agent_left.closed": {
        "it": "{name} ha chiuso la conversazione. Grazie per averci scritto!",
        "en": "{name} has closed the conversation. Thank you for writing to us!",
    },
    "ticket_offer.closed": {
        "it": "Ora il team non è in servizio. Lasciaci email e una breve descrizione: ti rispondiamo al rientro.",
        "en": "The team is off duty right now. Leave your email and a short note: we'll reply as soon as we're back.",
    },
    "ticket_offer.no_agent": {
        "it": "Nessun operatore è libero adesso. Lasciaci email e una breve descrizione: ti rispondiamo via email.",
        "en": "No one from the team is available right now. Leave your email and a short note: we'll reply by email.",
    },
    "ticket_offer.left_queue": {
        "it": "Va bene, niente attesa: lasciaci la tua email e una breve descrizione e ti rispondiamo via email.",
        "en": "All right, no waiting: leave your email and a short description and we'll reply by email.",
    },
    "ticket": {
        "it": "Richiesta {number} registrata: ti rispondiamo a {email}.",
        "en": "Request {number} is registered: we'll reply to {email}.",
    },
    "csat_request": {
        "it": "Com'è andata con il nostro team? Dai un voto da 1 a 5.",
        "en": "How did our team do? Rate it from 1 to 5.",
    },
}


def notice(key: str, language: str, custom: dict[str, Any], **fields: str) -> Entry:
    """A system entry in the conversation's language, with its machine-readable `custom`."""
    texts = TEXTS[key]
    return Entry(role="system", text=texts.get(language, texts["it"]).format(**fields), custom=custom)
