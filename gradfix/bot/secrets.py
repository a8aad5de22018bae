"""The credentials the bot holds, kept out of every line it prints or raises.

A secret is registered once, when it is read; ``redact`` replaces it wherever it appears (also
base64-encoded, as git's HTTP header carries it).
"""

from __future__ import annotations

import base64

_SECRETS: set[str] = set()


def register(secret: str) -> str:
    if secret:
        _SECRETS.add(secret)
        _SECRETS.add(base64.b64encode(f"x-access-token:{secret}".encode()).decode())
    return secret


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
