"""Who is calling: a token, a GitHub App (by its JWT), or nobody.

GitHub App JWTs are verified for real (RS256 signature against the app's public key, `iss`, `iat`,
`exp`), so a bot that signs with the wrong key or mints a token that lives too long fails here as it
would against GitHub.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from .state import App, Token, World

MAX_JWT_LIFETIME = 600  # GitHub: "no more than 10 minutes into the future"
CLOCK_SKEW = 60  # the drift GitHub tolerates, and the reason clients backdate `iat` by 60 s

BAD_CREDENTIALS = "Bad credentials"
BAD_JWT = "A JSON web token could not be decoded"
JWT_EXPIRED = ("'Expiration time' claim ('exp') must be a numeric value representing the future time at "
               "which the assertion expires")
JWT_TOO_LONG = "'Expiration time' claim ('exp') is too far in the future"
JWT_BAD_IAT = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"


class AuthError(Exception):
    """A 401: the message is GitHub's for that case."""


@dataclass(frozen=True)
class Caller:
    """Exactly one of `token`/`app` is set, or neither for an anonymous request."""

    token: Token | None = None
    app: App | None = None


def authenticate(authorization: str | None, world: World, app_endpoint: bool) -> Caller:
    """Resolve the `Authorization` header; `app_endpoint` operations accept only an app's JWT."""
    if not authorization:
        return Caller()
    scheme, _, credential = authorization.partition(" ")
    credential = credential.strip()
    if scheme.lower() not in ("token", "bearer") or not credential:
        raise AuthError(BAD_CREDENTIALS)
    if app_endpoint:  # GitHub takes an app's JWT only as a Bearer credential
        if scheme.lower() != "bearer":
            raise AuthError(BAD_JWT)
        return Caller(app=verify_jwt(credential, world))
    token = world.tokens.get(credential)
    if token is None:
        raise AuthError(BAD_CREDENTIALS)
    return Caller(token=token)


def verify_jwt(encoded: str, world: World) -> App:
    try:
        issuer = jwt.decode(encoded, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        raise AuthError(BAD_JWT) from None
    # The app id, as a number or a string of digits (PyGithub sends a string).
    app = world.apps.get(int(issuer)) if str(issuer).isdigit() and not isinstance(issuer, bool) else None
    if app is None:
        raise AuthError(BAD_JWT)
    try:
        claims = jwt.decode(encoded, app.public_key_pem, algorithms=["RS256"], leeway=CLOCK_SKEW,
                            options={"require": ["iat", "exp", "iss"]})
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError({"iat": JWT_BAD_IAT, "exp": JWT_EXPIRED}.get(exc.claim, BAD_JWT)) from None
    except jwt.ExpiredSignatureError:
        raise AuthError(JWT_EXPIRED) from None
    except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
        raise AuthError(JWT_BAD_IAT) from None
    except jwt.PyJWTError:
        raise AuthError(BAD_JWT) from None
    if not isinstance(claims["iat"], int):
        raise AuthError(JWT_BAD_IAT)
    if claims["exp"] - claims["iat"] > MAX_JWT_LIFETIME + CLOCK_SKEW or \
            claims["exp"] > time.time() + MAX_JWT_LIFETIME + CLOCK_SKEW:
        raise AuthError(JWT_TOO_LONG)
    return app
