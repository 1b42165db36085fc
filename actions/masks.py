"""Personal data shown partially in replies: enough to recognise, not enough to leak.
No dependencies, so the hub uses it too."""

from __future__ import annotations


def mask_email(email: str) -> str:
    """mario.rossi@example.com -> m***@example.com"""
    user, _, domain = email.partition("@")
    return f"{user[:1]}***@{domain}" if domain else "***"

