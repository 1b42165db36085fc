"""What the gateway itself says on the phone (the assistant's replies come from the hub), in
Italian and English. Fixed texts are synthesized once and cached (Speaker.prompt)."""

from __future__ import annotations

PROMPTS: dict[str, dict[str, str]] = {
    "greeting": {
        "it": "Ciao, sono l'assistente di {shop}. Come posso aiutarti? "
        "Puoi anche digitare il numero d'ordine sulla tastiera, seguito da cancelletto.",
        "en": "Hi, this is the {shop} assistant. How can I help you? "
        "You can also key in your order number, followed by the hash key.",
    },
    # said in the other language right after the greeting: '*' switches
    "other_language": {
        "it": "Per l'italiano, premi asterisco.",
        "en": "For English, press star.",
    },
    "language_switched": {
        "it": "D'accordo, parliamo in italiano. Come posso aiutarti?",
        "en": "All right, let's speak English. How can I help you?",
    },
    "reprompt": {
        "it": "Sei ancora in linea? Dimmi pure come posso aiutarti.",
        "en": "Are you still there? Tell me how I can help you.",
    },
    "goodbye_silence": {
        "it": "Non ti sento più, quindi chiudo la chiamata. Richiamaci quando vuoi. Arrivederci!",
        "en": "I can't hear you any more, so I'll end the call. Call us back any time. Goodbye!",
    },
    "one_moment": {
        "it": "Un momento, per favore.",
        "en": "One moment, please.",
    },
    "transferring": {
        "it": "Ti passo a un collega, resta in linea.",
        "en": "I'm putting you through to a colleague, please stay on the line.",
    },
    "queue_position": {
        "it": "Sei il numero {position} in coda. Resta in linea, un collega ti risponderà appena possibile.",
        "en": "You are number {position} in the queue. Please stay on the line, a colleague will answer shortly.",
    },
    "no_agent": {
        "it": "Adesso nessun collega può rispondere. Puoi scriverci a {email}, oppure richiamare più tardi.",
        "en": "Nobody from the team can answer right now. You can write to us at {email}, or call back later.",
    },
    "unavailable": {
        "it": "Mi dispiace, il servizio non è disponibile in questo momento. Riprova più tardi. Arrivederci.",
        "en": "Sorry, the service isn't available right now. Please try again later. Goodbye.",
    },
}


def prompt(name: str, language: str, **values: object) -> str:
    return PROMPTS[name][language].format(**values)
