"""Chat with the running assistant in the terminal, over Rasa's REST channel.

    python scripts/chat.py [--lang it|en] [--cart '{"subtotal": 62, "country": "IT"}']

Buttons are listed with numbers: type the number to press one. Ctrl-D or /quit ends.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid

import httpx


def render(reply: dict) -> list[dict]:
    """Print one bot message; return its buttons."""
    if reply.get("text"):
        print(f"bot> {reply['text']}")
    custom = reply.get("custom") or {}
    for key, value in custom.items():
        print(f"     [{key}] {json.dumps(value, ensure_ascii=False)}")
    buttons = reply.get("buttons") or []
    for number, button in enumerate(buttons, 1):
        print(f"     {number}) {button['title']}")
    return buttons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    parser.add_argument("--lang", choices=["it", "en"], help="force the conversation language")
    parser.add_argument("--cart", help="cart metadata as JSON, sent with every message")
    args = parser.parse_args()
    metadata: dict = {}
    if args.lang:
        metadata["language"] = args.lang
    if args.cart:
        metadata["cart"] = json.loads(args.cart)
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    buttons: list[dict] = []
    with httpx.Client(base_url=args.url, timeout=30) as client:
        while True:
            try:
                text = input("you> ").strip()
            except EOFError:
                break
            if text == "/quit":
                break
            if text.isdigit() and 0 < int(text) <= len(buttons):
                text = buttons[int(text) - 1]["payload"]
            response = client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": text, "metadata": metadata}
            )
            response.raise_for_status()
            buttons = []
            for reply in response.json():
                buttons = render(reply) or buttons


if __name__ == "__main__":
    main()
