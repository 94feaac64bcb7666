"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite, offline.

Pure functions: JSON-LD documents come from a `DocumentLoader` that serves the contexts shipped
in `contexts/` and the documents a caller hands it (issuer controller documents, status lists),
and refuses everything else — nothing is ever fetched. No Django here.

What a naive implementation gets wrong, and what this module does about it:

- **Control characters.** RDFC-1.0 hashes canonical N-Quads, in which U+0008, U+000C and the
  other C0 controls and U+007F have one escaped form each (`\\b`, `\\f`, `\\u000B`, …). pyld
  writes most of them raw, so its hashes differ from every conforming implementation for such
  strings; `canonicalize` installs the canonical escaping before it runs.
- **Relative IRIs.** JSON-LD drops triples whose subject, property or type is not an absolute
  IRI, so a relative `id` would be outside the signature and could be changed at will. Signing
  refuses them and verification fails on them.
- **Undefined properties.** The VC 2.0 context maps unknown terms to an "issuer-dependent"
  vocabulary; signing refuses any term the contexts do not define.
- **Large integers.** JSON numbers beyond ±(2^53 − 1) are read differently by JavaScript and
  Python, so the signed bytes would differ (I-JSON, RFC 7493; JSON-LD 1.1 advises strings);
  signing refuses them, and verification reads numbers as JavaScript does."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld
from pyld import nquads as pyld_nquads

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
CRYPTOSUITE = "eddsa-rdfc-2022"
MAX_SAFE_INTEGER = 2**53 - 1
# Multicodec prefix of an Ed25519 public key (0xed, varint) inside a Multikey.
_ED25519_PUB = b"\xed\x01"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


class ProofError(ValueError):
    """A document cannot be signed or checked; `code` says why in one word."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


# Multibase ---------------------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError("not base58")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey_encode(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58_encode(_ED25519_PUB + raw)


def multikey_decode(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    raw = base58_decode(value[1:])
    if len(raw) != 34 or not raw.startswith(_ED25519_PUB):
        raise ValueError("not an Ed25519 multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


# Documents ---------------------------------------------------------------------------------


@cache
def shipped_contexts() -> dict[str, Any]:
    """Context URL → parsed document, from `contexts/index.json`."""
    index = json.loads((CONTEXTS_DIR / "index.json").read_text())
    return {
        url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
        for url, name in index.items()
    }


class DocumentLoader:
    """Serves the shipped contexts and the documents it was given, by URL; refuses the rest.

    A URL with a fragment resolves to its document (`…/issuers/X#key` → the issuer's
    controller document). `fallback` may supply documents the loader does not hold (the
    platform's own issuers and status lists, looked up in its database)."""

    def __init__(
        self,
        documents: Mapping[str, Any] | None = None,
        *,
        fallback: Callable[[str], Any | None] | None = None,
    ) -> None:
        self.documents = dict(documents or {})
        self.fallback = fallback

    def get(self, url: str) -> Any | None:
        base = url.split("#", 1)[0]
        contexts = shipped_contexts()
        if base in contexts:
            return contexts[base]
        if base in self.documents:
            return self.documents[base]
        if self.fallback is not None:
            return self.fallback(base)
        return None

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        document = self.get(url)
        if document is None:
            raise jsonld.JsonLdError(
                f"Refused to load {url}: not a shipped context or known document.",
                "jsonld.LoadDocumentError",
                code="loading document failed",
            )
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}

    def add(self, document: Mapping[str, Any]) -> None:
        if isinstance(document.get("id"), str):
            self.documents[document["id"]] = dict(document)


# Numbers -----------------------------------------------------------------------------------


def _js_number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def loads(text: str | bytes) -> Any:
    """Parse JSON the way a JavaScript verifier does: every number is an IEEE double (so
    2^53 + 1 reads as 2^53 and 5.0 as 5), keeping both sides' canonical bytes equal."""
    return json.loads(text, parse_int=_js_number, parse_float=_js_number)


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


# Canonicalization --------------------------------------------------------------------------

_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"'}
_ESCAPED = re.compile(r'[\x00-\x1f\x7f"\\]')


def _canonical_escape(value: str) -> str:
    """A literal's lexical form in canonical N-Quads (RDFC-1.0 §4 via RDF 1.2 N-Triples)."""

    def one(match: re.Match[str]) -> str:
        char = match.group(0)
        if char == "\\":
            return "\\\\"
        return _ECHAR.get(char) or f"\\u{ord(char):04X}"

    return _ESCAPED.sub(one, value)


def _install_canonical_escape() -> None:
    # pyld's serializer (used for hashing blank nodes and for the output) escapes only
    # \t \n \r " \\; its canonicalizer looks the function up on the module at each call.
    pyld_nquads.escape = _canonical_escape


def canonicalize(document: Mapping[str, Any], loader: DocumentLoader) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, after the safety checks."""
    _install_canonical_escape()
    expanded = expand(document, loader)
    problems = list(unsafe_iris(expanded))
    if problems:
        raise ProofError(
            "Not safe to canonicalize (relative or invalid IRIs): " + ", ".join(problems[:5]),
            code="relative_iri",
        )
    try:
        return str(
            jsonld.normalize(
                dict(document),
                {
                    "algorithm": "URDNA2015",
                    "format": "application/n-quads",
                    "documentLoader": loader,
                    "base": "",
                },
            )
        )
    except jsonld.JsonLdError as exc:
        raise ProofError(f"JSON-LD processing failed: {_cause(exc)}", code="jsonld") from exc


def expand(document: Mapping[str, Any], loader: DocumentLoader) -> list[Any]:
    try:
        return list(jsonld.expand(dict(document), {"documentLoader": loader, "base": ""}))
    except jsonld.JsonLdError as exc:
        raise ProofError(f"JSON-LD processing failed: {_cause(exc)}", code="jsonld") from exc


def _cause(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc).splitlines()[0][:200]


def _walk_nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _walk_nodes(item)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key not in ("@value", "@context"):
                yield from _walk_nodes(item)


def unsafe_iris(expanded: list[Any]) -> Iterator[str]:
    """Subjects, properties and types that RDF conversion would silently drop."""
    for node in _walk_nodes(expanded):
        if "@value" in node:
            continue
        node_id = node.get("@id")
        if isinstance(node_id, str) and not _is_iri_or_blank(node_id):
            yield f"@id {node_id!r}"
        for type_ in node.get("@type", []) if isinstance(node.get("@type"), list) else []:
            if not _is_iri_or_blank(type_):
                yield f"@type {type_!r}"
        for key in node:
            if not key.startswith("@") and not _is_iri_or_blank(key):
                yield f"property {key!r}"


def _is_iri_or_blank(value: str) -> bool:
    # pyld resolves a relative IRI against a made-up base when none is given, where a
    # JavaScript processor drops it: either way it was relative in the document.
    if value.startswith(jsonld.DEFAULT_BASE_IRI):
        return False
    return value.startswith("_:") or bool(_ABSOLUTE_IRI.match(value))


@cache
def defined_iris() -> frozenset[str]:
    """Every property and type IRI that a term in the shipped contexts names."""
    found: set[str] = set()

    def visit(context: Any, prefixes: dict[str, str]) -> None:
        if isinstance(context, list):
            for item in context:
                visit(item, prefixes)
            return
        if not isinstance(context, dict):
            return
        local = dict(prefixes)
        for term, value in context.items():
            if isinstance(value, str) and value.endswith(("#", "/")):
                local[term] = value
        for term, value in context.items():
            if term.startswith("@"):
                continue
            iri = value.get("@id") if isinstance(value, dict) else value
            if isinstance(iri, str) and not iri.startswith("@"):
                prefix, sep, rest = iri.partition(":")
                found.add(local[prefix] + rest if sep and prefix in local else iri)
            if isinstance(value, dict) and "@context" in value:
                visit(value["@context"], local)

    for document in shipped_contexts().values():
        visit(document.get("@context"), {})
    return frozenset(found)


def undefined_terms(expanded: list[Any]) -> list[str]:
    """Properties and types not defined by the contexts (in the issuer-dependent vocabulary
    of VC 2.0, or absolute IRIs no context names)."""
    known = defined_iris()
    out: list[str] = []
    for node in _walk_nodes(expanded):
        if "@value" in node:
            continue
        types = node.get("@type", []) if isinstance(node.get("@type"), list) else []
        for iri in [k for k in node if not k.startswith("@")] + list(types):
            if iri.startswith(ISSUER_DEPENDENT):
                out.append(iri.removeprefix(ISSUER_DEPENDENT))
            elif iri not in known and not iri.startswith("_:"):
                out.append(iri)
    return sorted(set(out))


def _key_paths(value: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths: set[tuple[str, ...]] = set()
    if isinstance(value, list):
        for item in value:
            paths |= _key_paths(item, prefix)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                continue
            # pyld does not always compact back to a type-scoped term (CLR's ClrSubject) and
            # writes the full IRI; its last segment is the term.
            key = re.split(r"[#/]", key)[-1] if _ABSOLUTE_IRI.match(key) else key
            # "id" and "type" are the VC contexts' aliases of @id and @type: never dropped,
            # though compaction may write a node that has only an id as the id itself.
            if not key.startswith("@") and key not in ("id", "type"):
                paths.add((*prefix, key))
            # Embedded credentials were checked when they were signed; compaction writes
            # them in another shape.
            if key != "verifiableCredential":
                paths |= _key_paths(item, (*prefix, key))
    return paths


def dropped_keys(
    document: Mapping[str, Any], expanded: list[Any], loader: DocumentLoader
) -> list[str]:
    """Keys that JSON-LD expansion silently dropped (no term, no vocabulary): what compacting
    the expansion back with the same contexts does not give again."""
    try:
        compacted = jsonld.compact(
            expanded,
            {"@context": document.get("@context")},
            {"documentLoader": loader, "base": ""},
        )
    except jsonld.JsonLdError as exc:
        raise ProofError(f"JSON-LD processing failed: {_cause(exc)}", code="jsonld") from exc
    missing = _key_paths(dict(document)) - _key_paths(compacted)
    return sorted({path[-1] for path in missing})


def unsafe_numbers(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, bool):
        return
    if (isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER) or (
        isinstance(value, float) and (value != value or value in (float("inf"), float("-inf")))
    ):
        yield path or "/"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from unsafe_numbers(item, f"{path}/{key}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from unsafe_numbers(item, f"{path}/{position}")


def check_signable(document: Mapping[str, Any], loader: DocumentLoader) -> None:
    """Refuse what would not verify the same everywhere: see the module docstring."""
    numbers = list(unsafe_numbers(dict(document)))
    if numbers:
        raise ProofError(
            "Numbers beyond ±(2^53 − 1) are not interoperable; send them as strings: "
            + ", ".join(numbers[:5]),
            code="unsafe_number",
        )
    expanded = expand(document, loader)
    problems = list(unsafe_iris(expanded))
    if problems:
        raise ProofError("Relative or invalid IRIs: " + ", ".join(problems[:5]), code="iri")
    undefined = undefined_terms(expanded) + dropped_keys(document, expanded, loader)
    if undefined:
        raise ProofError(
            "Terms not defined in the contexts: " + ", ".join(undefined[:10]),
            code="undefined_term",
        )


# eddsa-rdfc-2022 ---------------------------------------------------------------------------


def _hash_data(
    document: Mapping[str, Any], proof_config: Mapping[str, Any], loader: DocumentLoader
) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof_config.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    return (
        hashlib.sha256(canonicalize(config, loader).encode()).digest()
        + hashlib.sha256(canonicalize(unsecured, loader).encode()).digest()
    )


def sign(
    document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    loader: DocumentLoader,
) -> dict[str, Any]:
    """The document with a `DataIntegrityProof` (eddsa-rdfc-2022, assertionMethod)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    check_signable(unsecured, loader)
    proof = {
        "type": "DataIntegrityProof",
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(unsecured, proof, loader))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + base58_encode(signature)}}


def proofs_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    proof = document.get("proof")
    if isinstance(proof, dict):
        return [proof]
    if isinstance(proof, list):
        return [p for p in proof if isinstance(p, dict)]
    return []


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking one proof: `ok`, or a code (`bad_proof`, `tampered`)."""

    ok: bool
    code: str = ""
    detail: str = ""


def check_proof_form(proof: Mapping[str, Any]) -> ProofCheck:
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(False, "bad_proof", "unsupported proof type or cryptosuite")
    if proof.get("proofPurpose") != "assertionMethod":
        return ProofCheck(False, "bad_proof", "proof purpose is not assertionMethod")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return ProofCheck(False, "bad_proof", "proofValue is not base58btc multibase")
    try:
        raw = base58_decode(value[1:])
    except ValueError:
        return ProofCheck(False, "bad_proof", "proofValue is not base58btc")
    if len(raw) != 64:
        return ProofCheck(False, "bad_proof", "proofValue is not a 64-byte Ed25519 signature")
    if not isinstance(proof.get("verificationMethod"), str):
        return ProofCheck(False, "bad_proof", "no verificationMethod")
    return ProofCheck(True)


def verify_signature(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: Ed25519PublicKey,
    loader: DocumentLoader,
) -> ProofCheck:
    form = check_proof_form(proof)
    if not form.ok:
        return form
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = dict(proof)
    proof_context = config.pop("@context", None)
    if proof_context is not None and proof_context != document.get("@context"):
        return ProofCheck(False, "bad_proof", "proof @context differs from the document's")
    try:
        # What the contexts do not define is dropped before hashing, so the signature would
        # not cover it: such a document is refused, as a signer here refuses to sign it.
        expanded = expand(unsecured, loader)
        undefined = undefined_terms(expanded) + dropped_keys(unsecured, expanded, loader)
        if undefined:
            return ProofCheck(
                False,
                "tampered",
                "Terms not defined in the contexts, not covered by the signature: "
                + ", ".join(undefined[:10]),
            )
        data = _hash_data(unsecured, config, loader)
    except ProofError as exc:
        return ProofCheck(
            False, "tampered" if exc.code == "relative_iri" else "bad_proof", str(exc)
        )
    try:
        public_key.verify(base58_decode(str(proof["proofValue"])[1:]), data)
    except InvalidSignature:
        return ProofCheck(False, "tampered", "the signature does not match the document")
    return ProofCheck(True)


# Bitstring status list ---------------------------------------------------------------------

STATUS_LIST_BITS = 131072  # 16 KiB: the minimum size, for herd privacy


def bitstring_encode(bits: bytes) -> str:
    """`encodedList`: multibase base64url (no padding) of the GZIP-compressed bitstring."""
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def bitstring_decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not base64url multibase")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    """Index 0 is the leftmost (most significant) bit of the first byte."""
    if not 0 <= index < len(bits) * 8:
        raise IndexError(index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def bit_set(bits: bytes, index: int, value: bool = True) -> bytes:
    out = bytearray(bits)
    if value:
        out[index // 8] |= 0x80 >> (index % 8)
    else:
        out[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF
    return bytes(out)
