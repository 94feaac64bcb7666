"""Signed statements (xAPI 1.0.3, Part Two, 2.6): the signature attachment is a JWS in compact
serialization, RS256/384/512, whose payload is the statement as signed. The LRS refuses a
malformed JWS, another algorithm, a payload that is not the statement, and — when the header
carries the signer's certificate (x5c) — a signature that does not verify."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils.translation import gettext as _

from learningcity.xapi.canonical import comparison_form
from learningcity.xapi.errors import StatementInvalid, XapiErrorCode

ALGORITHMS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _refuse(message: str) -> StatementInvalid:
    return StatementInvalid(
        message, code=XapiErrorCode.SIGNATURE, fields={"attachments": [message]}
    )


def _unsigned(statement: dict[str, Any]) -> dict[str, Any]:
    form = comparison_form(statement)
    form.pop("attachments", None)
    return form


def verify(statement: dict[str, Any], jws: bytes) -> None:
    try:
        header_part, payload_part, signature_part = jws.decode("ascii").strip().split(".")
        header = json.loads(_b64(header_part))
        payload = json.loads(_b64(payload_part))
        signature = _b64(signature_part)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise _refuse(_("The signature is not a JWS in compact serialization.")) from None
    if not isinstance(header, dict) or header.get("alg") not in ALGORITHMS:
        raise _refuse(_("A statement signature must use RS256, RS384 or RS512."))
    if not isinstance(payload, dict):
        raise _refuse(_("The signature's payload is not a statement."))
    try:
        same = _unsigned(payload) == _unsigned(statement)
    except (KeyError, TypeError, StatementInvalid):
        same = False
    if not same:
        raise _refuse(_("The signature's payload is not this statement."))
    chain = header.get("x5c")
    if not chain:
        return
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
        key = certificate.public_key()
    except (ValueError, TypeError, IndexError, binascii.Error):
        raise _refuse(_("The signature's certificate cannot be read.")) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise _refuse(_("A statement signature must use RS256, RS384 or RS512."))
    try:
        key.verify(
            signature,
            f"{header_part}.{payload_part}".encode("ascii"),
            padding.PKCS1v15(),
            ALGORITHMS[header["alg"]](),
        )
    except InvalidSignature:
        raise _refuse(_("The signature does not verify with its certificate.")) from None
