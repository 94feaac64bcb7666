"""Time-based one-time passwords (RFC 6238 over RFC 4226), as authenticator apps make them:
HMAC-SHA-1, 30-second steps, six digits."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import struct
import urllib.parse

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """160 random bits in base32, the form authenticator apps take."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def step_at(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def matching_step(secret: str, code: str, moment: dt.datetime, *, drift: int = 1) -> int | None:
    """The step whose code this is, allowing `drift` steps either side for a phone's clock
    and a slow typist; None if none matches."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(moment)
    for step in range(now - drift, now + drift + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// link an authenticator app reads from a QR code."""
    label = urllib.parse.quote(f"{issuer}:{account}")
    query = urllib.parse.urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS})
    return f"otpauth://totp/{label}?{query}"
