"""Signed, expiring session tokens: a token names one conversation; nobody can forge or reuse
one past its lifetime."""

from __future__ import annotations

import uuid

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class SessionTokens:
    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self.serializer = URLSafeTimedSerializer(secret_key, salt="checkout-session")
        self.ttl_seconds = ttl_seconds

    def issue(self, conversation_id: str) -> str:
        return self.serializer.dumps({"c": conversation_id})

    def conversation_of(self, token: str | None) -> str | None:
        """The conversation a valid, unexpired token names; None otherwise."""
        if not token:
            return None
        try:
            data = self.serializer.loads(token, max_age=self.ttl_seconds)
        except (BadSignature, SignatureExpired):
            return None
        conversation_id = data.get("c") if isinstance(data, dict) else None
        return conversation_id if isinstance(conversation_id, str) else None

    @staticmethod
    def new_conversation_id() -> str:
        return f"web-{uuid.uuid4().hex}"
