"""Agent console logins: signed tokens (the `agent_session` cookie) that name an agent and a
session id, expire after AGENT_SESSION_TTL_SECONDS and can be revoked by logging out."""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.revocations import Revocations


class AgentSessions:
    COOKIE = "agent_session"

    def __init__(self, secret_key: str, ttl_seconds: int, revocations: Revocations) -> None:
        self.serializer = URLSafeTimedSerializer(secret_key, salt="agent-session")
        self.ttl_seconds = ttl_seconds
        self.revocations = revocations

    def issue(self, username: str) -> str:
        return self.serializer.dumps({"u": username, "sid": secrets.token_urlsafe(16)})

    async def username_of(self, token: str | None) -> str | None:
        """The agent a valid, unexpired, not logged-out token names; None otherwise."""
        claims = self._claims(token)
        if claims is None or await self.revocations.is_revoked(claims[1]):
            return None
        return claims[0]

    async def revoke(self, token: str) -> None:
        """Log out: the token is refused from now on, in every hub process sharing the revocations."""
        claims = self._claims(token)
        if claims is not None:
            await self.revocations.revoke(claims[1], self.ttl_seconds)

    def _claims(self, token: str | None) -> tuple[str, str] | None:
        """(username, session id) of a well-signed, unexpired token."""
        if not token:
            return None
        try:
            data = self.serializer.loads(token, max_age=self.ttl_seconds)
        except BadSignature:  # also SignatureExpired, its subclass
            return None
        if not isinstance(data, dict):
            return None
        username, session_id = data.get("u"), data.get("sid")
        if not isinstance(username, str) or not isinstance(session_id, str):
            return None
        return username, session_id
