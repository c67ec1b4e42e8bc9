#!/usr/bin/env python3
"""Offline verifier for Redress exports: case files, signed export PDFs, referral bundles.

    python verify_export.py [--keys signing-keys.json] [--json] FILE [FILE ...]

FILE is a history export (the case file JSON, or the export PDF with the JSON attached as
`case-file.json`) or a referral bundle (the bundle JSON, with its PDF given beside it). It
checks, with no server and no database: every event's hash over its stored bytes, the chain
from genesis, that no version is missing, the head, that the fields shown for people are
what was stored, the signed checkpoint and its Merkle inclusion proof, the bundle
manifest's signature and every digest in it, and the PDF's PAdES signature. It prints what
fails (which event version, which part, which signature) and exits with status 1.

`--keys` takes the deployment's published keys (the JSON at
`/.well-known/redress-signing-keys`, or `redress keys signing show --json`). Without it,
signatures are checked against keys carried in the file itself, and the verifier says so:
that proves the file is unaltered since signing, not who signed it.

This file imports only the standard library and `cryptography` (a test holds it to that),
so it can be copied and run on its own; the format it checks is docs/proof-formats.md.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding

CASE_FILE_FORMAT = "redress.case-file/1"
MANIFEST_FORMAT = "redress.bundle-manifest/1"
GENESIS = "0" * 64
ATTACHMENT = "case-file.json"
#: Stored keys that are the event's envelope, shown beside `data` rather than in it
#: (services/complaints/history/queries.py ENVELOPE, plus the store's class version).
ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor",
        "actor_role",
        "correlation_id",
        "occurred_at",
        "command_id",
        "class_version",
    }
)
SHOWN_FROM_STORED = {
    "recorded_at": "timestamp",
    "occurred_at": "occurred_at",
    "actor": "actor",
    "actor_role": "actor_role",
    "correlation_id": "correlation_id",
}
#: The fields every event of a case file shows, and all it may have: a field outside them
#: would be read by people with nothing vouching for it.
SHOWN_EVENT_FIELDS = frozenset({"type", "topic", "data", *SHOWN_FROM_STORED})
EVENT_FIELDS = SHOWN_EVENT_FIELDS | {"version", "hash", "prev_hash", "stored", "decode_error"}
CHECKPOINT_FIELDS = frozenset(
    {
        *("seq", "created_at", "position", "aggregates", "root", "prev_hash", "hash"),
        *("jws", "signature", "checkpoint_jws", "leaf", "anchor", "inclusion_proof", "proof"),
        *("anchored_version", "anchored_hash"),
    }
)
MAX_FAILURES = 40


# -- the verdict ------------------------------------------------------------------------------


@dataclass
class Check:
    status: str  # "ok", "fail" or "warn"
    part: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "part": self.part, "message": self.message}


@dataclass
class FileVerdict:
    """Everything checked in one file, each check naming the part it is about."""

    file: str
    kind: str = "unknown"
    about: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    failures: int = 0
    untold: int = 0

    @property
    def valid(self) -> bool:
        return self.failures == 0

    def add(self, status: str, part: str, message: str) -> None:
        if status == "fail":
            self.failures += 1
            if self.failures > MAX_FAILURES:
                self.untold += 1
                return
        self.checks.append(Check(status, part, message))

    def as_dict(self) -> dict[str, Any]:
        def of(status: str) -> list[dict[str, str]]:
            return [
                {"part": c.part, "message": c.message} for c in self.checks if c.status == status
            ]

        return {
            "file": self.file,
            "kind": self.kind,
            "valid": self.valid,
            "about": self.about,
            "failures": of("fail"),
            "more_failures": self.untold,
            "warnings": of("warn"),
            "checks": [check.as_dict() for check in self.checks],
        }


@dataclass
class Scope:
    """Checks about a part inside a file (the case file in a bundle or in a PDF)."""

    verdict: FileVerdict
    prefix: str = ""

    def ok(self, part: str, message: str) -> None:
        self.verdict.add("ok", self.prefix + part, message)

    def fail(self, part: str, message: str) -> None:
        self.verdict.add("fail", self.prefix + part, message)

    def warn(self, part: str, message: str) -> None:
        self.verdict.add("warn", self.prefix + part, message)

    def inner(self, prefix: str) -> Scope:
        return Scope(self.verdict, self.prefix + prefix)


# -- canonical JSON, hashes, Merkle proofs (docs/proof-formats.md) -----------------------------


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: RFC 8785 for what Redress signs."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def event_hash(complaint_id: str, version: int, topic: str, state: bytes, prev_hash: str) -> str:
    return sha256_hex(
        canonical_json(
            {
                "originator_id": complaint_id,
                "originator_version": version,
                "prev_hash": prev_hash,
                "state": base64.b64encode(state).decode("ascii"),
                "topic": topic,
            }
        )
    )


def _split(count: int) -> int:
    split = 1
    while split * 2 < count:
        split *= 2
    return split


def merkle_leaf_hash(originator_id: str, version: int, digest: str) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_json([originator_id, version, digest])).digest()


def merkle_inclusion_root(leaf: bytes, index: int, size: int, path: list[str]) -> str | None:
    """The root an RFC 6962 inclusion proof leads to, or None if its shape is wrong."""
    if not 0 <= index < size:
        return None
    sides: list[bool] = []  # True: the sibling is on the right
    position, count = index, size
    while count > 1:
        k = _split(count)
        sides.append(position < k)
        position, count = (position, k) if position < k else (position - k, count - k)
    if len(sides) != len(path):
        return None
    node = leaf
    for sibling_hex, on_right in zip(path, reversed(sides), strict=True):
        sibling = bytes.fromhex(sibling_hex)
        pair = node + sibling if on_right else sibling + node
        node = hashlib.sha256(b"\x01" + pair).digest()
    return node.hex()


# -- keys and JWS (RFC 7515, ES256) --------------------------------------------------------------


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url_text(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_of(public_key: Any) -> dict[str, str]:
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"kty": type(public_key).__name__}
    numbers = public_key.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url_text(numbers.x.to_bytes(32, "big")),
        "y": _b64url_text(numbers.y.to_bytes(32, "big")),
    }
    return {**jwk, "kid": thumbprint(jwk)}


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: the key id Redress publishes is this thumbprint."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    return _b64url_text(
        hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest()
    )


def public_key_of(jwk: dict[str, Any]) -> Any:
    if jwk.get("kty") == "EC" and jwk.get("x") and jwk.get("y"):
        if jwk.get("crv") != "P-256":
            raise ValueError(f"curve {jwk.get('crv')} is not P-256")
        return ec.EllipticCurvePublicNumbers(
            int.from_bytes(_b64url(jwk["x"]), "big"),
            int.from_bytes(_b64url(jwk["y"]), "big"),
            ec.SECP256R1(),
        ).public_key()
    if jwk.get("x5c"):
        return x509.load_der_x509_certificate(base64.b64decode(jwk["x5c"][0])).public_key()
    raise ValueError("the key has neither x/y nor x5c")


def key_id(jwk: dict[str, Any]) -> str:
    """The thumbprint of the key itself (never trusting a `kid` written beside it)."""
    kid = jwk_of(public_key_of(jwk)).get("kid")
    if kid is None:
        raise ValueError("not a P-256 key")
    return kid


def keys_in(value: Any) -> list[dict[str, Any]]:
    """JWKs from a JWKS (`{"keys": [...]}`), a list of JWKs or one JWK."""
    if isinstance(value, dict) and isinstance(value.get("keys"), list):
        value = value["keys"]
    if isinstance(value, dict) and "kty" in value:
        value = [value]
    return [key for key in value if isinstance(key, dict)] if isinstance(value, list) else []


def embedded_keys(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Keys a document carries for trust on first use (`signing_keys`, or `keys`)."""
    found: list[dict[str, Any]] = []
    for name in ("signing_keys", "keys"):
        found += keys_in(document.get(name))
    return found


@dataclass
class KeyRing:
    """The published keys (`--keys`), or None: then keys carried in the file are used."""

    published: list[dict[str, Any]] | None
    source: str | None = None

    def key_for(
        self, kid: str | None, carried: list[dict[str, Any]], scope: Scope, part: str
    ) -> Any | None:
        """The public key whose RFC 7638 thumbprint is `kid` (a `kid` written beside a key
        is not trusted: the thumbprint is computed)."""
        pool = self.published if self.published is not None else carried
        for jwk in pool:
            if _safe_key_id(jwk) == kid:
                return public_key_of(jwk)
        if self.published is not None:
            scope.fail(
                part,
                f"signed by key '{kid}', which is not among the published keys in {self.source}",
            )
        else:
            scope.fail(
                part,
                f"signed by key '{kid}', but no key was given to check it with: "
                "pass --keys (the JSON at /.well-known/redress-signing-keys)",
            )
        return None

    def certificate_is_published(self, certificate: x509.Certificate) -> bool | None:
        if self.published is None:
            return None
        kid = jwk_of(certificate.public_key()).get("kid")
        return kid is not None and any(_safe_key_id(jwk) == kid for jwk in self.published)


def _safe_key_id(jwk: dict[str, Any]) -> str | None:
    try:
        return key_id(jwk)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def verify_jws(
    token: Any, ring: KeyRing, carried: list[dict[str, Any]], scope: Scope, part: str
) -> bytes | None:
    """The payload of a compact ES256 JWS whose signature verifies, else None (and why)."""
    pieces = token.split(".") if isinstance(token, str) else []
    if len(pieces) != 3:
        scope.fail(part, "not a compact JWS (three base64url parts joined by dots)")
        return None
    try:
        header = json.loads(_b64url(pieces[0]))
        payload = _b64url(pieces[1])
        signature = _b64url(pieces[2])
    except (ValueError, binascii.Error) as error:
        scope.fail(part, f"the JWS cannot be decoded: {error}")
        return None
    if [_b64url_text(_b64url(piece)) for piece in pieces] != pieces:
        scope.fail(part, "the JWS is not in canonical base64url: it was altered")
        return None
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        alg = header.get("alg") if isinstance(header, dict) else None
        scope.fail(part, f"the JWS algorithm is {alg!r}, not ES256")
        return None
    public_key = ring.key_for(header.get("kid"), carried, scope, part)
    if public_key is None:
        return None
    if len(signature) != 64 or not isinstance(public_key, ec.EllipticCurvePublicKey):
        scope.fail(part, "the JWS signature is not an ES256 signature (64 bytes, P-256 key)")
        return None
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    signed = f"{pieces[0]}.{pieces[1]}".encode("ascii")
    try:
        public_key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        scope.fail(
            part,
            f"the signature by key {header.get('kid')} does not verify: the "
            "signed content or the signature was altered",
        )
        return None
    scope.ok(part, f"ES256 signature by key {header.get('kid')} verifies")
    if ring.published is None:
        scope.warn(
            part,
            f"key {header.get('kid')} came from the file itself (trust on first use): compare "
            "it with the key the firm publishes",
        )
    return payload


# -- comparing what is shown with what is stored ------------------------------------------------


#: RFC 3339 section 5.6 (Python would also read other separators and forms).
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)?")


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str) or not RFC3339.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same_tagged(kind: str, shown: Any, data: Any) -> bool | None:
    """How the event store's tagged values compare with their shown form (None: no rule)."""
    try:
        if kind == "uuid_hex":
            return UUID(str(shown)) == UUID(str(data))
        if kind == "datetime_iso":
            return _instant(shown) is not None and _instant(shown) == _instant(data)
        if kind == "decimal_str":
            return isinstance(shown, str) and Decimal(shown) == Decimal(str(data))
    except (ValueError, InvalidOperation):
        return False
    return None


def differences(shown: Any, stored: Any, path: str) -> Iterator[str]:
    """Where `shown` differs from the stored reading: tagged values are read as their data."""
    if isinstance(stored, dict) and set(stored) == {"_type_", "_data_"}:
        same = _same_tagged(str(stored["_type_"]), shown, stored["_data_"])
        if same is None:
            yield from differences(shown, stored["_data_"], path)
        elif not same:
            yield path
        return
    if isinstance(stored, dict) and isinstance(shown, dict):
        for key in sorted(set(stored) | set(shown)):
            if key not in shown:
                yield f"{path}.{key} (stored, not shown)"
            elif key not in stored:
                yield f"{path}.{key} (shown, not stored)"
            else:
                yield from differences(shown[key], stored[key], f"{path}.{key}")
        return
    if isinstance(stored, list) and isinstance(shown, list):
        if len(stored) != len(shown):
            yield f"{path} ({len(shown)} items shown, {len(stored)} stored)"
            return
        for index, (one, other) in enumerate(zip(shown, stored, strict=True)):
            yield from differences(one, other, f"{path}[{index}]")
        return
    # JSON has one number type; true and 1 are different values.
    if type(shown) is not type(stored) or shown != stored:
        yield path


def _value_at(document: Any, path: str) -> Any:
    for step in re.findall(r"\.([^.\[ ]+)|\[(\d+)\]", path):
        key, index = step
        if isinstance(document, dict) and key:
            document = document.get(key)
        elif isinstance(document, list) and index and int(index) < len(document):
            document = document[int(index)]
        else:
            return None
    return document


def _quote(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_shown_fields(event: dict[str, Any], reading: dict[str, Any], scope: Scope) -> bool:
    """Every shown field must be what the stored state says; reports each that is not."""
    label = f"event v{event.get('version')}"
    stored_view = {
        "data": {key: value for key, value in reading.items() if key not in ENVELOPE},
        **{shown: reading.get(stored) for shown, stored in SHOWN_FROM_STORED.items()},
    }
    found = False
    for name, stored in stored_view.items():
        if name not in event:
            continue
        for where in differences(event[name], stored, name):
            found = True
            bare = where.split(" (")[0]
            shown_value = _value_at(event, "." + bare)
            stored_value = _value_at(stored_view, "." + bare)
            if "(" in where:
                scope.fail(f"{label} {where}", "the shown fields differ from the stored event")
            else:
                scope.fail(
                    f"{label} {bare}",
                    f"shown as {_quote(shown_value)} but the stored event says "
                    f"{_quote(_untag(stored_value))}",
                )
    return not found


def _untag(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"_type_", "_data_"}:
        return _untag(value["_data_"])
    if isinstance(value, dict):
        return {key: _untag(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untag(item) for item in value]
    return value


# -- the case file --------------------------------------------------------------------------------


def _absent_proof_fields(document: dict[str, Any]) -> list[str]:
    absent = [
        name for name in ("format", "complaint_id", "head", "checkpoint") if name not in document
    ]
    events = document.get("events")
    if not isinstance(events, list):
        return [*absent, "events"]
    for name in ("stored", "hash", "prev_hash", "version"):
        lacking = [e for e in events if not isinstance(e, dict) or e.get(name) is None]
        if lacking:
            which = "every event" if len(lacking) == len(events) else f"{len(lacking)} events"
            absent.append(f"events[].{name} ({which})")
    return absent


def _stored_of(event: dict[str, Any], scope: Scope) -> tuple[str, bytes] | None:
    label = f"event v{event.get('version')}"
    stored = event.get("stored")
    if (
        not isinstance(stored, dict)
        or set(stored) != {"topic", "state"}
        or not isinstance(stored["topic"], str)
        or not isinstance(stored["state"], str)
    ):
        scope.fail(f"{label} stored", 'is not {"topic": text, "state": base64}')
        return None
    try:
        state = base64.b64decode(stored["state"], validate=True)
    except (binascii.Error, ValueError):
        scope.fail(f"{label} stored.state", "is not valid base64: the stored state was altered")
        return None
    if base64.b64encode(state).decode("ascii") != stored["state"]:
        scope.fail(f"{label} stored.state", "is not the canonical base64 of its own bytes")
    return stored["topic"], state


def _check_event_content(
    complaint_id: str, event: dict[str, Any], following: dict[str, Any] | None, scope: Scope
) -> str | None:
    """Checks one event against its own hash; returns the hash its stored content gives."""
    version = event["version"]
    label = f"event v{version}"
    stored = _stored_of(event, scope)
    if stored is None:
        return None
    topic, state = stored
    derived = event_hash(complaint_id, version, topic, state, str(event.get("prev_hash")))
    if derived != event.get("hash"):
        if following is not None and following.get("prev_hash") == derived:
            scope.fail(
                f"{label} hash",
                f"the hash shown ({event.get('hash')}) was altered: "
                f"the stored content gives {derived}, which version "
                f"{following.get('version')} links to",
            )
        else:
            scope.fail(
                f"{label} stored",
                "the stored topic or state does not give the hash "
                f"shown ({event.get('hash')}): the stored event was altered",
            )
        return derived
    for name in sorted(set(event) - EVENT_FIELDS):
        scope.fail(
            f"{label} {name}", "is not a field of a case file's event: nothing vouches for it"
        )
    for name in sorted(SHOWN_EVENT_FIELDS - set(event)):
        scope.fail(f"{label} {name}", "is absent: every event shows it")
    if "topic" in event and event["topic"] != topic:
        scope.fail(f"{label} topic", f"shown as {event['topic']!r}, stored as {topic!r}")
    if "type" in event and event["type"] != topic.rpartition(".")[2]:
        scope.fail(f"{label} type", f"shown as {event['type']!r}, stored as {topic!r}")
    try:
        reading = json.loads(state)
    except ValueError as error:
        scope.fail(f"{label} stored.state", f"is not JSON ({error})")
        return derived
    if not isinstance(reading, dict):
        scope.fail(f"{label} stored.state", "is not a JSON object")
        return derived
    check_shown_fields(event, reading, scope)
    if event.get("decode_error") is not None:
        scope.fail(f"{label} decode_error", "says the event cannot be read, but it reads")
    return derived


def check_case_file(
    document: Any, scope: Scope, ring: KeyRing, carried: list[dict[str, Any]]
) -> dict[str, Any]:
    """Checks a case file (docs/proof-formats.md); returns what it is about."""
    if not isinstance(document, dict):
        scope.fail("case file", "is not a JSON object")
        return {}
    carried = [*carried, *embedded_keys(document)]
    absent = _absent_proof_fields(document)
    if absent:
        scope.fail(
            "proof fields",
            "absent: " + ", ".join(absent) + ". This export predates "
            f"the {CASE_FILE_FORMAT} format or was stripped: what those fields prove "
            "cannot be checked",
        )
    elif document["format"] != CASE_FILE_FORMAT:
        scope.fail("format", f"is {document['format']!r}, not {CASE_FILE_FORMAT!r}")
    complaint_id = str(document.get("complaint_id"))
    raw_events = document.get("events")
    events = raw_events if isinstance(raw_events, list) else []
    for position, event in enumerate(events):
        if not isinstance(event, dict):
            scope.fail(f"events[{position}]", f"is {_quote(event)}, not an event")
            return {"complaint_id": complaint_id}
    about = {"complaint_id": complaint_id, "events": len(events), "head": document.get("head")}
    if not _versions_in_order(events, scope):
        return about
    content_ok = True
    for position, event in enumerate(events):
        following = events[position + 1] if position + 1 < len(events) else None
        before = scope.verdict.failures
        if "stored" in event and event.get("hash"):
            _check_event_content(complaint_id, event, following, scope)
        else:
            content_ok = False
        content_ok &= scope.verdict.failures == before
        expected_prev = GENESIS if position == 0 else events[position - 1].get("hash")
        if event.get("prev_hash") != expected_prev:
            scope.fail(
                f"event v{event['version']} prev_hash",
                f"is {event.get('prev_hash')}, but the hash before it is {expected_prev}: "
                "the chain is broken here",
            )
            content_ok = False
    if events and content_ok:
        scope.ok(
            "chain",
            f"{len(events)} events: each hash re-derived from its stored topic "
            "and state, linked from genesis, and the shown fields equal the stored ones",
        )
    _check_head(document.get("head"), events, scope)
    _check_checkpoint(document.get("checkpoint"), complaint_id, events, scope, ring, carried)
    return about


def _versions_in_order(events: list[dict[str, Any]], scope: Scope) -> bool:
    if not events:
        scope.fail("events", "the case file holds no events")
        return False
    for position, event in enumerate(events):
        expected = position + 1
        version = event.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            scope.fail(f"events[{position}] version", f"is {version!r}, not a number")
            return False
        if version > expected and (
            position == 0 or events[position - 1]["version"] == expected - 1
        ):
            missing = (
                f"version {expected} is"
                if version == expected + 1
                else (f"versions {expected} to {version - 1} are")
            )
            scope.fail(
                f"event v{expected}",
                f"{missing} missing: the events jump from {expected - 1} to {version}",
            )
            return False
        if version != expected:
            scope.fail(
                f"events[{position}] version",
                f"is {version}, expected {expected}: the events are out of order or repeated",
            )
            return False
    return True


def _check_head(head: Any, events: list[dict[str, Any]], scope: Scope) -> None:
    if not isinstance(head, dict):
        if head is not None:
            scope.fail("head", f"is {_quote(head)}, not {{version, hash}}")
        return
    last = events[-1]
    if head.get("version") != last["version"]:
        scope.fail(
            "head version",
            f"is {head.get('version')}, but the last event is version "
            f"{last['version']}: events were added or removed",
        )
    elif head.get("hash") != last.get("hash"):
        scope.fail(
            "head hash", f"is {head.get('hash')}, but the last event's hash is {last.get('hash')}"
        )
    else:
        scope.ok("head", f"version {head['version']}, hash {head['hash']}")


def _first(mapping: dict[str, Any], *names: str) -> Any:
    return next((mapping[name] for name in names if mapping.get(name) is not None), None)


def _check_checkpoint(
    checkpoint: Any,
    complaint_id: str,
    events: list[dict[str, Any]],
    scope: Scope,
    ring: KeyRing,
    carried: list[dict[str, Any]],
) -> None:
    if checkpoint is None:
        scope.warn(
            "checkpoint",
            "none: no checkpoint anchors this complaint yet, so only the "
            "chain itself (not a signed anchor) vouches for its latest events",
        )
        return
    if not isinstance(checkpoint, dict):
        scope.fail("checkpoint", "is not a JSON object")
        return
    name = f"checkpoint #{checkpoint.get('seq')}"
    for key in sorted(set(checkpoint) - CHECKPOINT_FIELDS):
        scope.warn(f"{name} {key}", "is not a checkpoint field this verifier knows: not checked")
    for key in sorted({"seq", "root"} - set(checkpoint)):
        scope.fail(f"{name} {key}", "is absent: a checkpoint names its number and Merkle root")
    token = _first(checkpoint, "jws", "signature", "checkpoint_jws")
    if token is None:
        scope.warn(
            f"{name} signature",
            "the checkpoint is not signed: it proves only what the "
            "database held when the file was made",
        )
    else:
        payload = verify_jws(token, ring, carried, scope, f"{name} signature")
        if payload is not None:
            _signed_checkpoint_matches(payload, checkpoint, scope, name)
    _check_inclusion(checkpoint, complaint_id, events, scope, name)


def _signed_checkpoint_matches(
    payload: bytes, checkpoint: dict[str, Any], scope: Scope, name: str
) -> None:
    """The signed header must seal itself (its `hash` over its other fields) and be the
    checkpoint shown (an instant may be written with `Z` or `+00:00`)."""
    try:
        signed = json.loads(payload)
    except ValueError:
        scope.fail(f"{name} signature", "the signed payload is not JSON")
        return
    if not isinstance(signed, dict) or "root" not in signed:
        scope.fail(f"{name} signature", "the signed payload names no Merkle root")
        return
    if canonical_json(signed) != payload:
        scope.fail(f"{name} signature", "the signed payload is not canonical JSON")
    sealed = {key: value for key, value in signed.items() if key != "hash"}
    if "hash" in signed and sha256_hex(canonical_json(sealed)) != signed["hash"]:
        scope.fail(f"{name} hash", "the signed checkpoint's hash does not seal its fields")
    for key in sorted(set(signed) - set(checkpoint)):
        scope.fail(
            f"{name} {key}", "is signed but not shown: the checkpoint shown is not the one signed"
        )
    differing = [
        key
        for key in signed
        if key in checkpoint
        and checkpoint[key] != signed[key]
        and (
            _instant(checkpoint[key]) is None or _instant(checkpoint[key]) != _instant(signed[key])
        )
    ]
    for key in differing:
        scope.fail(
            f"{name} {key}",
            f"shown as {_quote(checkpoint[key])}, but the signed "
            f"checkpoint says {_quote(signed[key])}",
        )
    if not differing:
        shown = sorted(key for key in signed if key in checkpoint)
        scope.ok(f"{name} header", f"the shown {', '.join(shown)} are the signed ones")


def check_anchor(
    version: Any, digest: Any, events: list[dict[str, Any]], scope: Scope, part: str, by: str
) -> bool:
    """The event at the anchored `version` must have the anchored hash."""
    if not isinstance(version, int) or not 1 <= version <= len(events):
        scope.fail(
            part,
            f"{by} anchored version {version}, which is not in the file: events were removed "
            "after it was made",
        )
    elif events[version - 1].get("hash") != digest:
        scope.fail(
            part,
            f"{by} anchored version {version} with hash {digest}, but the file's version "
            f"{version} has {events[version - 1].get('hash')}: the history up to it was "
            "rewritten after it was made",
        )
    else:
        scope.ok(part, f"version {version} has the hash {by} names as anchored")
        return True
    return False


def _check_inclusion(
    checkpoint: dict[str, Any],
    complaint_id: str,
    events: list[dict[str, Any]],
    scope: Scope,
    name: str,
) -> None:
    proof = _first(checkpoint, "inclusion_proof", "proof")
    proof = proof if isinstance(proof, dict) else {}
    leaf = _first(proof, "leaf") or _first(checkpoint, "leaf", "anchor")
    if leaf is None and "anchored_version" in checkpoint:
        leaf = {"version": checkpoint["anchored_version"], "hash": checkpoint.get("anchored_hash")}
    if not isinstance(leaf, dict):
        scope.warn(
            f"{name} anchor",
            "the checkpoint does not say where it anchored this "
            "complaint: only its signature was checked",
        )
        return
    version, digest = leaf.get("version"), leaf.get("hash")
    if str(leaf.get("originator_id", complaint_id)) != complaint_id:
        scope.fail(f"{name} anchor", f"anchors {leaf.get('originator_id')}, not {complaint_id}")
        return
    anchored = check_anchor(version, digest, events, scope, f"{name} anchor", "the checkpoint")
    if not anchored or not isinstance(version, int):
        return
    path = _first(proof, "path", "hashes", "siblings", "audit_path")
    size = _first(proof, "size", "tree_size") or checkpoint.get("aggregates")
    index = _first(proof, "index", "leaf_index")
    if path is None or size is None or index is None:
        # The anchored version and hash sit beside the signed header, not in it: without a
        # proof that they are a leaf under the signed root, whoever rewrote the history
        # could have rewritten them too.
        scope.warn(
            f"{name} inclusion proof",
            "absent: nothing shows the anchored version and hash are under the signed root, "
            "so the anchor proves no more than the chain itself",
        )
        return
    try:
        root = merkle_inclusion_root(
            merkle_leaf_hash(complaint_id, version, str(digest)),
            int(index),
            int(size),
            [str(h) for h in path],
        )
    except (ValueError, TypeError):
        root = None
    if root is not None and root == checkpoint.get("root"):
        scope.ok(
            f"{name} inclusion proof", f"the anchor is leaf {index} of {size} under root {root}"
        )
    else:
        scope.fail(
            f"{name} inclusion proof",
            f"does not lead to the root "
            f"{checkpoint.get('root')}: the anchor or the proof was altered",
        )


# -- a minimal DER reader, enough for CMS SignedData (RFC 5652) ------------------------------------


@dataclass(frozen=True)
class Der:
    tag: int
    start: int  # where the element's header begins
    body: int  # where its content begins
    end: int

    def raw(self, data: bytes) -> bytes:
        return data[self.start : self.end]

    def content(self, data: bytes) -> bytes:
        return data[self.body : self.end]


def der_at(data: bytes, position: int) -> Der:
    if position + 2 > len(data) or data[position] & 0x1F == 0x1F:
        raise ValueError("not DER here")
    length, body = data[position + 1], position + 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 4:
            raise ValueError("indefinite or oversized DER length")
        length, body = int.from_bytes(data[body : body + count], "big"), body + count
    if body + length > len(data):
        raise ValueError("truncated DER")
    return Der(data[position], position, body, body + length)


def der_children(data: bytes, parent: Der) -> list[Der]:
    children, position = [], parent.body
    while position < parent.end:
        child = der_at(data, position)
        children.append(child)
        position = child.end
    return children


def oid_text(body: bytes) -> str:
    numbers, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(value)
            value = 0
    first = min(numbers[0] // 40, 2)
    return ".".join(map(str, [first, numbers[0] - 40 * first, *numbers[1:]]))


HashFactory = Callable[[], hashes.HashAlgorithm]
DIGESTS: dict[str, HashFactory] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
    "1.2.840.10045.4.3.2": hashes.SHA256,  # ecdsa-with-SHA256
    "1.2.840.10045.4.3.3": hashes.SHA384,
    "1.2.840.10045.4.3.4": hashes.SHA512,
    "1.2.840.113549.1.1.11": hashes.SHA256,  # sha256WithRSAEncryption
}
SIGNED_DATA, ID_DATA = "1.2.840.113549.1.7.2", "1.2.840.113549.1.7.1"
CONTENT_TYPE, MESSAGE_DIGEST = "1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4"
SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"


@dataclass
class CmsSignature:
    digest: HashFactory
    signature_hash: HashFactory
    signed_attributes: bytes  # DER of the SET OF attributes: what the signature covers
    attributes: dict[str, bytes]  # attribute OID: DER of its first value
    signature: bytes
    certificate: x509.Certificate


def parse_cms(blob: bytes) -> CmsSignature:
    """The signer's digest, signed attributes, signature and certificate of a CMS SignedData
    (the /Contents of a PAdES signature)."""
    top = _tagged(der_at(blob, 0), 0x30)
    content_type, explicit = der_children(blob, top)[:2]
    if oid_text(_tagged(content_type, 0x06).content(blob)) != SIGNED_DATA:
        raise ValueError("the signature is not CMS SignedData")
    items = der_children(blob, _tagged(der_children(blob, _tagged(explicit, 0xA0))[0], 0x30))
    certificates = [
        x509.load_der_x509_certificate(c.raw(blob))
        for item in items
        if item.tag == 0xA0
        for c in der_children(blob, item)
        if c.tag == 0x30
    ]
    signer = _tagged(der_children(blob, _tagged(items[-1], 0x31))[0], 0x30)
    fields = der_children(blob, signer)
    _tagged(fields[0], 0x02)
    _tagged(fields[2], 0x30)
    digest_oid = oid_text(der_children(blob, fields[2])[0].content(blob))
    rest = fields[3:]
    attributes_element = rest.pop(0) if rest and rest[0].tag == 0xA0 else None
    if attributes_element is None:
        raise ValueError("the CMS signer has no signed attributes (not PAdES)")
    signature_oid = oid_text(der_children(blob, _tagged(rest[0], 0x30))[0].content(blob))
    _tagged(rest[1], 0x04)
    attributes: dict[str, bytes] = {}
    for attribute in der_children(blob, attributes_element):
        oid, values = der_children(blob, attribute)[:2]
        attributes[oid_text(oid.content(blob))] = der_children(blob, values)[0].raw(blob)
    if digest_oid not in DIGESTS:
        raise ValueError(f"unsupported digest algorithm {digest_oid}")
    certificate = _signer_certificate(blob, fields[1], certificates)
    _unsigned_parts_as_made(blob, items, fields, rest, certificate)
    # The signature covers the attributes DER-encoded as a SET OF (RFC 5652 section 5.4).
    raw_attributes = attributes_element.raw(blob)
    return CmsSignature(
        digest=DIGESTS[digest_oid],
        signature_hash=DIGESTS.get(signature_oid, DIGESTS[digest_oid]),
        signed_attributes=b"\x31" + raw_attributes[1:],
        attributes=attributes,
        signature=rest[1].content(blob),
        certificate=certificate,
    )


#: SEQUENCE { id-data }: a detached signature's encapsulated content information.
DETACHED_DATA = bytes.fromhex("300b06092a864886f70d010701")


def _unsigned_parts_as_made(
    blob: bytes, items: list[Der], fields: list[Der], rest: list[Der], signer: Any
) -> None:
    """The parts of a CMS signature that its signature does not cover must be exactly what
    the signer writes (PAdES B-B with Redress's self-signed key), so that no byte of a
    signed PDF can change unnoticed."""
    if items[0].content(blob) not in (b"\x01", b"\x03"):
        raise ValueError("its SignedData version is not 1 or 3")
    listed = {
        oid_text(der_children(blob, a)[0].content(blob)) for a in der_children(blob, items[1])
    }
    if listed != {oid_text(der_children(blob, fields[2])[0].content(blob))}:
        raise ValueError("its digest algorithms are not the signer's")
    if items[2].raw(blob) != DETACHED_DATA:
        raise ValueError("it is not a detached signature of data")
    if any(item.tag == 0xA1 for item in items) or len(der_children(blob, items[-1])) != 1:
        raise ValueError("it carries revocation lists or more than one signer")
    if fields[0].content(blob) != b"\x01" or len(rest) != 2:
        raise ValueError("its signer version is wrong or it has unsigned attributes")
    signer_der = signer.public_bytes(Encoding.DER)
    for item in items:
        if item.tag == 0xA0 and any(c.raw(blob) != signer_der for c in der_children(blob, item)):
            raise ValueError("it carries a certificate other than the signer's")


def _tagged(element: Der, tag: int) -> Der:
    if element.tag != tag:
        raise ValueError(f"a DER element has tag {element.tag:#x} where {tag:#x} belongs")
    return element


def _signer_certificate(blob: bytes, sid: Der, certificates: list[x509.Certificate]) -> Any:
    """The certificate the signer names by issuer and serial number (RFC 5652 5.3)."""
    issuer, serial = der_children(blob, _tagged(sid, 0x30))[:2]
    number = int.from_bytes(_tagged(serial, 0x02).content(blob), "big", signed=True)
    for certificate in certificates:
        if certificate.serial_number == number and certificate.issuer.public_bytes() == issuer.raw(
            blob
        ):
            return certificate
    raise ValueError("the signer's certificate is not in the signature")


def _digest(algorithm: HashFactory, *parts: bytes) -> bytes:
    hasher = hashes.Hash(algorithm())
    for part in parts:
        hasher.update(part)
    return hasher.finalize()


def _certificate_binding(cms: CmsSignature) -> bool | None:
    """Does the signed signingCertificateV2 attribute name the certificate (RFC 5035)?"""
    value = cms.attributes.get(SIGNING_CERTIFICATE_V2)
    if value is None:
        return None
    first = der_children(value, der_children(value, der_at(value, 0))[0])[0]
    parts = der_children(value, first)
    algorithm: HashFactory = hashes.SHA256
    if parts[0].tag == 0x30:
        algorithm = DIGESTS.get(
            oid_text(der_children(value, parts[0])[0].content(value)), hashes.SHA256
        )
        parts = parts[1:]
    return parts[0].content(value) == _digest(algorithm, cms.certificate.public_bytes(Encoding.DER))


# -- PDF: the PAdES signature and the attached case file -----------------------------------------


class Name(str):
    """A PDF name (/Type), as distinct from a string (bytes)."""


@dataclass(frozen=True)
class Ref:
    number: int


@dataclass(frozen=True)
class Stream:
    dictionary: dict[str, Any]
    start: int  # where the stream's bytes begin in the file (or object stream)


_SPACE = b"\x00\t\n\x0c\r "
_DELIMITER = b"()<>[]{}/%"
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}


class PdfLexer:
    """Reads one PDF object (ISO 32000-1 section 7.3) from a position."""

    def __init__(self, data: bytes, position: int) -> None:
        self.data, self.position = data, position

    def skip(self) -> None:
        data = self.data
        while self.position < len(data):
            if data[self.position] in _SPACE:
                self.position += 1
            elif data[self.position] == ord("%"):
                while self.position < len(data) and data[self.position] not in b"\r\n":
                    self.position += 1
            else:
                return

    def token(self) -> bytes:
        self.skip()
        start = self.position
        while self.position < len(self.data) and self.data[self.position] not in (
            _SPACE + _DELIMITER
        ):
            self.position += 1
        return self.data[start : self.position]

    def value(self) -> Any:
        self.skip()
        data, start = self.data, self.position
        if data.startswith(b"<<", start):
            self.position += 2
            return self._dictionary()
        head = data[start : start + 1]
        if head == b"[":
            self.position += 1
            items: list[Any] = []
            while True:
                self.skip()
                if self.data[self.position : self.position + 1] == b"]":
                    self.position += 1
                    return items
                items.append(self.value())
        if head == b"(":
            return self._literal()
        if head == b"<":
            end = data.index(b">", start)
            self.position = end + 1
            digits = re.sub(rb"\s", b"", data[start + 1 : end])
            return binascii.unhexlify(digits + b"0" * (len(digits) % 2))
        if head == b"/":
            self.position += 1
            raw = self.token()
            return Name(
                re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes.fromhex(m[1].decode()), raw).decode(
                    "latin-1"
                )
            )
        word = self.token()
        if not word:
            raise ValueError(f"unexpected {head!r} at {start}")
        if word in (b"true", b"false", b"null"):
            return {b"true": True, b"false": False, b"null": None}[word]
        if re.fullmatch(rb"\d+", word):
            after = self.position
            generation, keyword = self.token(), self.token()
            if re.fullmatch(rb"\d+", generation) and keyword == b"R":
                return Ref(int(word))
            self.position = after
            return int(word)
        return float(word) if re.fullmatch(rb"[+-]?\d*\.?\d*", word) else Name(word.decode())

    def _dictionary(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            self.skip()
            if self.data.startswith(b">>", self.position):
                self.position += 2
                return result
            key = self.value()
            result[str(key)] = self.value()

    def _literal(self) -> bytes:
        data, depth, out = self.data, 0, bytearray()
        position = self.position
        while True:
            byte = data[position]
            position += 1
            if byte == ord("\\"):
                escaped = data[position]
                position += 1
                if escaped in _ESCAPES:
                    out.append(_ESCAPES[escaped])
                elif 48 <= escaped <= 55:
                    digits = data[position - 1 : position + 2]
                    octal = re.match(rb"[0-7]{1,3}", digits)
                    assert octal is not None
                    out.append(int(octal[0], 8) & 0xFF)
                    position += len(octal[0]) - 1
                elif escaped == 13 and data[position : position + 1] == b"\n":
                    position += 1
                elif escaped not in (10, 13):
                    out.append(escaped)
                continue
            depth += (byte == ord("(")) - (byte == ord(")"))
            if depth == 0:
                self.position = position
                return bytes(out)
            if not (byte == ord("(") and depth == 1):
                out.append(byte)


class PdfFile:
    """The objects of a PDF found by scanning for `N G obj` (and inside object streams); the
    latest definition of a number wins, as an incremental update's does."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offsets: dict[int, int] = {}
        for match in re.finditer(rb"(?<![0-9])(\d+)\s+(\d+)\s+obj\b", data):
            self.offsets[int(match[1])] = match.end()
        self.in_streams: dict[int, tuple[bytes, int]] = {}
        for number in list(self.offsets):
            value = self._safe(number)
            if isinstance(value, Stream) and value.dictionary.get("Type") == "ObjStm":
                self._index_object_stream(value)

    def _safe(self, number: int) -> Any:
        try:
            return self.object(number)
        except (ValueError, IndexError, KeyError, AssertionError, zlib.error):
            return None

    def _index_object_stream(self, stream: Stream) -> None:
        body = self.stream_bytes(stream)
        first, count = int(stream.dictionary["First"]), int(stream.dictionary["N"])
        header = re.findall(rb"\d+", body[:first])
        for index in range(count):
            number, offset = int(header[2 * index]), int(header[2 * index + 1])
            if number not in self.offsets:
                self.in_streams[number] = (body, first + offset)

    def object(self, number: int) -> Any:
        if number in self.offsets:
            lexer = PdfLexer(self.data, self.offsets[number])
        elif number in self.in_streams:
            return PdfLexer(*self.in_streams[number]).value()
        else:
            return None
        value = lexer.value()
        if isinstance(value, dict):
            after = lexer.token()
            if after == b"stream":
                start = lexer.position
                start += 2 if self.data.startswith(b"\r\n", start) else 1
                return Stream(value, start)
        return value

    def resolve(self, value: Any) -> Any:
        return self.object(value.number) if isinstance(value, Ref) else value

    def stream_bytes(self, stream: Stream) -> bytes:
        length = self.resolve(stream.dictionary.get("Length"))
        if isinstance(length, int):
            raw = self.data[stream.start : stream.start + length]
        else:
            raw = self.data[stream.start : self.data.index(b"endstream", stream.start)]
        filters = self.resolve(stream.dictionary.get("Filter"))
        for name in filters if isinstance(filters, list) else [filters] if filters else []:
            if name != "FlateDecode":
                raise ValueError(f"unsupported stream filter /{name}")
            raw = zlib.decompress(raw)
        return raw

    def attachments(self) -> dict[str, bytes]:
        """Embedded files by name (file specifications with an /EF entry). Two different
        files under one name would leave a reader unsure which was checked: refused."""
        found: dict[str, bytes] = {}
        for number in sorted({*self.offsets, *self.in_streams}):
            spec = self._safe(number)
            if not isinstance(spec, dict) or not isinstance(spec.get("EF"), dict | Ref):
                continue
            name = self.resolve(spec.get("UF") or spec.get("F"))
            embedded = self.resolve(spec["EF"])
            if not isinstance(embedded, dict):
                continue
            stream = self.resolve(embedded.get("UF") or embedded.get("F"))
            if isinstance(name, bytes) and isinstance(stream, Stream):
                text, content = _pdf_text(name), self.stream_bytes(stream)
                if found.get(text, content) != content:
                    raise ValueError(f"two different files are attached as {text}")
                found[text] = content
        return found


def _pdf_text(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    return raw.decode("latin-1")


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def check_pdf_signatures(data: bytes, scope: Scope, ring: KeyRing) -> x509.Certificate | None:
    """Checks every PAdES signature; returns the certificate of the one over the whole file."""
    ranges = []
    for match in _BYTE_RANGE.finditer(data):
        a, b, c, d = (int(n) for n in match.groups())
        if a == 0 and b < c <= len(data) and re.fullmatch(rb"<[0-9A-Fa-f\s]*>", data[b:c]):
            ranges.append((b, c, d))
    if not ranges:
        scope.fail("pdf signature", "the PDF has no signature (no /ByteRange with /Contents)")
        return None
    whole: x509.Certificate | None = None
    for number, (b, c, d) in enumerate(ranges, start=1):
        part = "pdf signature" if len(ranges) == 1 else f"pdf signature {number}"
        certificate = _check_one_signature(data, b, c, d, scope, part, ring)
        if c + d == len(data):
            whole = certificate
    if all(c + d != len(data) for _, c, d in ranges):
        last = max(c + d for _, c, d in ranges)
        scope.fail(
            "pdf byte range",
            f"the signature covers the file up to byte {last} of "
            f"{len(data)}: {len(data) - last} bytes were added after signing",
        )
        return None
    return whole


def _check_one_signature(
    data: bytes, b: int, c: int, d: int, scope: Scope, part: str, ring: KeyRing
) -> x509.Certificate | None:
    try:
        digits = re.sub(rb"[\s<>]", b"", data[b:c])
        if digits != digits.lower() and digits != digits.upper():
            raise ValueError("its hexadecimal digits mix upper and lower case")
        blob = binascii.unhexlify(digits)
        cms = parse_cms(blob)
        # /Contents is not signed (it holds the signature): nothing may follow the CMS
        # structure but the zeros it was reserved with.
        if blob[der_at(blob, 0).end :].strip(b"\x00"):
            raise ValueError("bytes other than zeros follow the signature in /Contents")
    except (ValueError, IndexError) as error:
        scope.fail(part, f"the signature (/Contents) is malformed or was altered: {error}")
        return None
    digest = _digest(cms.digest, data[:b], data[c : c + d])
    stated = cms.attributes.get(MESSAGE_DIGEST)
    if stated is None or der_at(stated, 0).content(stated) != digest:
        scope.fail(
            part,
            f"the signed digest does not match the file's bytes (0 to {b}, {c} to "
            f"{c + d}): the PDF was altered after signing",
        )
        return None
    try:
        key = cms.certificate.public_key()
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cms.signature, cms.signed_attributes, ec.ECDSA(cms.signature_hash()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(
                cms.signature, cms.signed_attributes, padding.PKCS1v15(), cms.signature_hash()
            )
        else:
            raise InvalidSignature
        bound = _certificate_binding(cms)
    except (InvalidSignature, ValueError, IndexError):
        scope.fail(
            part,
            "the signature over the signed attributes does not verify with the certificate's key",
        )
        return None
    if bound is not True:
        scope.fail(
            part,
            "the signed signingCertificateV2 names another certificate"
            if bound is False
            else "no signed signingCertificateV2 attribute (PAdES requires one)",
        )
        return None
    kid = jwk_of(key).get("kid")
    subject = cms.certificate.subject.rfc4514_string()
    published = ring.certificate_is_published(cms.certificate)
    if published is False:
        scope.fail(
            part,
            f"signed by key {kid} ({subject}), which is not among the published "
            f"keys in {ring.source}",
        )
        return None
    scope.ok(
        part,
        f"PAdES signature by key {kid} ({subject}) verifies over bytes 0 to {b} and {c} to {c + d}",
    )
    if published is None:
        scope.warn(
            part,
            f"key {kid} came from the PDF itself (trust on first use): compare it "
            "with the key the firm publishes",
        )
    return cms.certificate


# -- the referral bundle --------------------------------------------------------------------------


def check_bundle(
    bundle: dict[str, Any], scope: Scope, ring: KeyRing, pdfs: dict[str, bytes]
) -> dict[str, Any]:
    carried = [*embedded_keys(bundle), *embedded_keys(_dict(bundle.get("case_file")))]
    shown = bundle.get("manifest")
    payload = verify_jws(bundle.get("manifest_jws"), ring, carried, scope, "manifest_jws")
    manifest = _signed_manifest(payload, shown, scope)
    about = {
        "referral_id": manifest.get("referral_id"),
        "complaint_id": manifest.get("complaint_id"),
        "head": manifest.get("head"),
    }
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("algorithm") != "sha256":
        scope.fail(
            "manifest format",
            f"is {manifest.get('format')!r} with algorithm "
            f"{manifest.get('algorithm')!r}, not {MANIFEST_FORMAT!r} with 'sha256'",
        )
    _check_parts(bundle, manifest, scope)
    case_file = _dict(bundle.get("case_file"))
    # The manifest's head is held to the case file's last event below; the case file's own
    # `head` is held to the same event when the case file is checked.
    if manifest.get("complaint_id") != case_file.get("complaint_id"):
        scope.fail(
            "manifest complaint_id",
            f"the signed manifest says {_quote(manifest.get('complaint_id'))}, the case file "
            f"{_quote(case_file.get('complaint_id'))}",
        )
    referral = _dict(bundle.get("referral"))
    referral_id = _first(referral, "id", "referral_id")
    if referral_id is not None and str(referral_id) != str(manifest.get("referral_id")):
        scope.fail(
            "manifest referral_id",
            f"is {manifest.get('referral_id')}, but the bundle's referral is {referral_id}",
        )
    events = [e for e in case_file.get("events") or [] if isinstance(e, dict)]
    if events and manifest.get("head") != {
        "version": events[-1].get("version"),
        "hash": events[-1].get("hash"),
    }:
        scope.fail(
            "manifest head",
            f"the signed manifest says {_quote(manifest.get('head'))}, but the case file's "
            f"last event is version {events[-1].get('version')} with hash "
            f"{events[-1].get('hash')}",
        )
    _check_manifest_checkpoint(manifest.get("checkpoint"), case_file, events, scope)
    _check_documents(bundle, manifest, scope)
    check_case_file(case_file, scope.inner("case_file > "), ring, carried)
    _check_bundle_pdf(manifest, pdfs, scope)
    return about


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _signed_manifest(payload: bytes | None, shown: Any, scope: Scope) -> dict[str, Any]:
    """The manifest as signed (what the rest is held to), compared with the one shown."""
    if payload is None:
        return _dict(shown)
    try:
        signed = json.loads(payload)
    except ValueError:
        scope.fail("manifest_jws", "the signed payload is not JSON")
        return _dict(shown)
    if canonical_json(signed) != payload:
        scope.fail("manifest_jws", "the signed payload is not the canonical JSON of a manifest")
    altered = list(differences(shown, signed, "manifest"))
    for where in altered[:10]:
        scope.fail(
            where,
            "the manifest shown differs from the signed manifest here: "
            f"shown {_quote(_value_at(shown, where.split(' (')[0][8:]))}, "
            f"signed {_quote(_value_at(signed, where.split(' (')[0][8:]))}",
        )
    if not altered:
        scope.ok("manifest", "the manifest shown is the signed one")
    return _dict(signed)


def _check_parts(bundle: dict[str, Any], manifest: dict[str, Any], scope: Scope) -> None:
    parts = _dict(manifest.get("parts"))
    good = 0
    for name, digest in sorted(parts.items()):
        if name not in bundle:
            scope.fail(f"part {name}", "is listed in the signed manifest but missing")
        elif sha256_hex(canonical_json(bundle[name])) != digest:
            scope.fail(
                f"part {name}",
                f"its sha256 ({sha256_hex(canonical_json(bundle[name]))}) "
                f"is not the manifest's ({digest}): it was altered after signing",
            )
        else:
            good += 1
    unlisted = sorted(set(bundle) - set(parts) - {"manifest", "manifest_jws"})
    for name in unlisted:
        scope.fail(f"part {name}", "is not covered by the signed manifest")
    if good == len(parts) and parts:
        scope.ok(
            "parts",
            f"the sha256 of each of the {good} parts ({', '.join(sorted(parts))}) "
            "is the one signed",
        )


def _check_manifest_checkpoint(
    signed: Any, case_file: dict[str, Any], events: list[dict[str, Any]], scope: Scope
) -> None:
    """The checkpoint the manifest names must be the case file's (where it shows one), and
    the event it anchored must have the anchored hash: the manifest's signature covers it."""
    if not isinstance(signed, dict):
        return
    shown = _dict(case_file.get("checkpoint"))
    for key in sorted(set(signed) & set(shown)):
        if signed[key] != shown[key] and not isinstance(signed[key], dict | list):
            if _instant(signed[key]) is not None and _instant(signed[key]) == _instant(shown[key]):
                continue
            scope.fail(
                f"manifest checkpoint {key}",
                f"the manifest says {_quote(signed[key])}, "
                f"the case file's checkpoint {_quote(shown[key])}",
            )
    if "anchored_version" in signed and events:
        check_anchor(
            signed["anchored_version"],
            signed.get("anchored_hash"),
            events,
            scope,
            "manifest checkpoint",
            f"checkpoint #{signed.get('seq')} (as the manifest signed it)",
        )


def _check_documents(bundle: dict[str, Any], manifest: dict[str, Any], scope: Scope) -> None:
    listed = {}
    for name in ("attached_documents", "policy_documents", "documents"):
        for entry in bundle.get(name) or []:
            reference = (
                _first(entry, "storage_ref", "ref", "id") if isinstance(entry, dict) else None
            )
            if reference is not None:
                listed[str(reference)] = entry
    documents = [d for d in manifest.get("documents") or [] if isinstance(d, dict)]
    for document in documents:
        entry = listed.get(str(document.get("ref")))
        if entry is not None and entry.get("sha256") not in (None, document.get("sha256")):
            scope.fail(
                f"document {document.get('ref')}",
                f"the bundle lists sha256 "
                f"{entry.get('sha256')}, the signed manifest {document.get('sha256')}",
            )
    if documents:
        scope.ok(
            "documents",
            f"{len(documents)} document(s) are listed with their sha256 in the "
            "signed manifest: compare each file you received with it",
        )


def _check_bundle_pdf(manifest: dict[str, Any], pdfs: dict[str, bytes], scope: Scope) -> None:
    files = _dict(manifest.get("files"))
    for name, digest in sorted(files.items()):
        if not pdfs:
            scope.warn(
                f"files {name}",
                f"the bundle's {name} was not given: pass it as another "
                "FILE to check its digest and signature",
            )
            continue
        matching = [path for path, data in pdfs.items() if sha256_hex(data) == digest]
        if matching:
            scope.ok(f"files {name}", f"{matching[0]} has the sha256 the manifest signed")
        else:
            given = ", ".join(f"{path} ({sha256_hex(data)})" for path, data in pdfs.items())
            scope.fail(
                f"files {name}",
                f"no PDF given has the signed sha256 {digest}: {given}; "
                "the PDF was altered or is another one",
            )


# -- files and the command line -----------------------------------------------------------------


def load_keys(path: str) -> KeyRing:
    """Published keys from a JWKS file (or a PEM certificate)."""
    text = Path(path).read_text()
    if "-----BEGIN CERTIFICATE-----" in text:
        certificate = x509.load_pem_x509_certificate(text.encode())
        return KeyRing([jwk_of(certificate.public_key())], path)
    keys = keys_in(json.loads(text))
    if not keys:
        raise ValueError(f'{path} holds no keys (expected {{"keys": [...]}})')
    return KeyRing(keys, path)


def verify_files(paths: list[str], ring: KeyRing) -> dict[str, Any]:
    """Checks each file; a bundle's PDF is the PDF given beside it."""
    contents = {path: Path(path).read_bytes() for path in paths}
    pdfs = {path: data for path, data in contents.items() if data.startswith(b"%PDF-")}
    verdicts = []
    for path, data in contents.items():
        verdict = FileVerdict(path)
        scope = Scope(verdict)
        try:
            if path in pdfs:
                _check_pdf(data, verdict, ring)
            else:
                _check_json(data, verdict, ring, pdfs)
        except Exception as error:  # a damaged file must give a verdict, not a traceback
            scope.fail("file", f"cannot be read: {type(error).__name__}: {error}")
        verdicts.append(verdict)
    return {
        "valid": all(v.valid for v in verdicts),
        "keys": ring.source if ring.published is not None else "trust-on-first-use",
        "files": [v.as_dict() for v in verdicts],
    }


def _check_json(data: bytes, verdict: FileVerdict, ring: KeyRing, pdfs: dict[str, bytes]) -> None:
    scope = Scope(verdict)
    try:
        document = json.loads(data)
    except ValueError as error:
        scope.fail("file", f"is neither a PDF nor JSON ({error})")
        return
    if isinstance(document, dict) and "manifest" in document and "case_file" in document:
        verdict.kind = "bundle"
        verdict.about = check_bundle(document, scope, ring, pdfs)
    elif isinstance(document, dict) and "events" in document:
        verdict.kind = "case-file"
        verdict.about = check_case_file(document, scope, ring, [])
    else:
        scope.fail("file", "is neither a case file (no `events`) nor a bundle (no `manifest`)")


def _check_pdf(data: bytes, verdict: FileVerdict, ring: KeyRing) -> None:
    verdict.kind = "pdf"
    scope = Scope(verdict)
    certificate = check_pdf_signatures(data, scope, ring)
    carried = [jwk_of(certificate.public_key())] if certificate is not None else []
    try:
        attachments = PdfFile(data).attachments()
        document = json.loads(attachments[ATTACHMENT]) if ATTACHMENT in attachments else None
    except (ValueError, IndexError, KeyError, zlib.error) as error:
        scope.fail("attachments", f"the attached files cannot be read: {error}")
        return
    if ATTACHMENT in attachments:
        verdict.kind = "case-file-pdf"
        verdict.about = check_case_file(document, scope.inner(f"{ATTACHMENT} > "), ring, carried)
    else:
        names = ", ".join(sorted(attachments)) or "none"
        scope.warn(
            "attachments",
            f"no {ATTACHMENT} attached (attachments: {names}): only the "
            "PDF's signature was checked",
        )


def render_text(result: dict[str, Any]) -> str:
    lines = []
    if result["keys"] == "trust-on-first-use":
        lines.append(
            "WARNING: no published keys given (--keys): signatures were checked "
            "against keys carried in the files themselves (trust on first use). That "
            "proves a file is unaltered since signing, not who signed it."
        )
    else:
        lines.append(f"keys: the published keys in {result['keys']}")
    for file in result["files"]:
        about = file["about"]
        head = _dict(about.get("head"))
        described = ", ".join(
            part
            for part in (
                f"complaint {about['complaint_id']}" if about.get("complaint_id") else "",
                f"referral {about['referral_id']}" if about.get("referral_id") else "",
                f"{about['events']} events" if "events" in about else "",
                f"head v{head.get('version')} {head.get('hash')}" if head else "",
            )
            if part
        )
        lines.append(f"{file['file']}: {file['kind']}" + (f" ({described})" if described else ""))
        for check in file["checks"]:
            label = {"ok": "ok   ", "fail": "FAIL ", "warn": "WARN "}[check["status"]]
            lines.append(f"  {label} {check['part']}: {check['message']}")
        if file["more_failures"]:
            lines.append(f"  FAIL  … and {file['more_failures']} more failures")
        lines.append(f"  => {'VALID' if file['valid'] else 'INVALID'}")
    count = sum(len(file["failures"]) + file["more_failures"] for file in result["files"])
    lines.append(
        "VALID" if result["valid"] else f"INVALID: {count} failure{'' if count == 1 else 's'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_export.py",
        description="Check a Redress case file, export PDF or referral bundle offline.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument(
        "--keys",
        help="the published signing keys (JWKS JSON, or a PEM "
        "certificate); without it, keys in the file are trusted on first use",
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    arguments = parser.parse_args(argv)
    try:
        ring = load_keys(arguments.keys) if arguments.keys else KeyRing(None)
    except (OSError, ValueError) as error:
        parser.error(f"--keys: {error}")
    missing = [path for path in arguments.files if not Path(path).is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    result = verify_files(arguments.files, ring)
    print(
        json.dumps(result, indent=2, ensure_ascii=False) if arguments.json else render_text(result)
    )
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
