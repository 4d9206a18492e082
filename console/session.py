"""The console's session: the signed-in token sealed in a cookie, and the CSRF token of its forms.

The browser holds only ciphertext: the cookie is AES-GCM (which both signs and encrypts) of
`{token, csrf, issued}`, under a key derived from the pseudonym key (HMAC-SHA256 of a label
with that key, 128 bits: the pseudonym key never rotates, so a restart keeps people signed in).
HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure over HTTPS.
Every request resolves the token again with `api.deps.actor_for`, so a revoked token stops
working in the console as soon as in the API.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Request
from starlette.responses import Response

from security.pseudonyms import Pseudonyms

COOKIE = "chengnuo_console"
MAX_AGE_S = 10 * 3600  # one working day; then sign in again
KEY_LABEL = "\x00chengnuo-console-session-v1"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class ConsoleSession:
    token: str
    """The bearer token signed in with; empty before sign-in (the sign-in form's own session)."""
    csrf: str
    issued: int

    @property
    def signed_in(self) -> bool:
        return bool(self.token)


def session_key(pseudonyms: Pseudonyms) -> bytes:
    """A key of its own for the cookie: the pseudonym key's HMAC of a label no ID number has."""
    return bytes.fromhex(pseudonyms.of(KEY_LABEL)[len("ap-") :])


def new_session(token: str = "") -> ConsoleSession:
    return ConsoleSession(token=token, csrf=secrets.token_urlsafe(24), issued=int(time.time()))


def seal(key: bytes, session: ConsoleSession) -> str:
    nonce = os.urandom(12)
    data = json.dumps({"t": session.token, "c": session.csrf, "i": session.issued}).encode()
    return base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, data, COOKIE.encode())).decode()


def unseal(key: bytes, value: str, now: float | None = None) -> ConsoleSession | None:
    """The session in a cookie; None if it was tampered with, is not ours, or is too old."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
        data = json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], COOKIE.encode()))
        session = ConsoleSession(token=str(data["t"]), csrf=str(data["c"]), issued=int(data["i"]))
    except (InvalidTag, ValueError, KeyError, TypeError, binascii.Error):
        return None
    if (now if now is not None else time.time()) - session.issued > MAX_AGE_S:
        return None
    return session


def key_of(request: Request) -> bytes:
    return session_key(request.app.state.pseudonyms)


def read(request: Request) -> ConsoleSession | None:
    value = request.cookies.get(COOKIE)
    return unseal(key_of(request), value) if value else None


def write(request: Request, response: Response, session: ConsoleSession) -> None:
    response.set_cookie(
        COOKIE,
        seal(key_of(request), session),
        max_age=MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def csrf_ok(session: ConsoleSession | None, sent: object) -> bool:
    """The form carries the session's own CSRF token."""
    return session is not None and isinstance(sent, str) and hmac.compare_digest(session.csrf.encode(), sent.encode())
