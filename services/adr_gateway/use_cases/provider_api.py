"""What an ADR provider does with its own key (issue 19, the provider API): list and read
the referrals given to it, fetch their documents through expiring links, and exchange
messages with the firm.

A provider's key (`redress keys create --role provider --provider ID`) records its provider;
a referral given to another provider is answered as one that does not exist (OWASP API1,
broken object level authorisation: authorise each case against the caller).

Documents are fetched through links that expire (`DocumentLink`): the gateway seals, with
its cipher key (AES-GCM, `libs/platform/runtime/cipher.py`), which key may fetch which
document of which referral until when. A link works only with the key it was made for, so a
link that leaks (a log, a forwarded e-mail) is worth nothing alone, and a key alone cannot
fetch without asking for a fresh link. The documents the gateway holds are the bundle's
files as built and sent: `bundle.json`, `bundle.pdf` and `manifest.jws`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import Engine, insert, select

from libs.domain.referral import FROM_FIRM, FROM_PROVIDER, Referral
from libs.domain.referral_lifecycle import ReferralStatus
from libs.platform.http.auth import Principal
from libs.platform.runtime.cipher import CannotUnseal, Cipher
from services.adr_gateway.application import GatewayApplication, ReferralNotFound
from services.adr_gateway.delivery.bundle_store import StoredBundle
from services.adr_gateway.tables import provider_documents, referral_facts
from services.adr_gateway.use_cases.referral_delivery import stored_pdf

#: How long a document link works, in seconds.
LINK_SECONDS = 300
LINK_PURPOSE = "provider document link"
#: The bundle's files a provider may fetch, with their media types.
BUNDLE_FILES = {
    "bundle.json": "application/json",
    "bundle.pdf": "application/pdf",
    "manifest.jws": "application/jose",
}


def providers_referral(referral: Referral, principal: Principal) -> Referral:
    """The referral, if it was given to the key's provider (and is of the key's legal
    entity, for a key limited to one); otherwise not found, never forbidden."""
    if principal.provider_id is None or referral.provider_id != principal.provider_id:
        raise ReferralNotFound(referral.reference)
    if not principal.may_see(referral.legal_entity or ""):
        raise ReferralNotFound(referral.reference)
    return referral


@dataclass(frozen=True)
class Page:
    referrals: list[Referral]
    next_after: str | None


def list_providers_referrals(
    principal: Principal,
    *,
    application: GatewayApplication,
    engine: Engine,
    status: ReferralStatus | None,
    limit: int,
    after: str | None,
) -> Page:
    """The provider's referrals, oldest id first, `limit` at a time after the cursor `after`
    (the last gateway id of the page before). Which referrals a provider was given comes
    from the `referral_facts` projection; each is read from its events before it is shown,
    so a status filter and the scope are the aggregate's, never the projection's."""
    found: list[Referral] = []
    cursor = after or ""
    while len(found) < limit:
        query = (
            select(referral_facts.c.referral_id)
            .where(referral_facts.c.provider_id == principal.provider_id)
            .where(referral_facts.c.referral_id > cursor)
            .order_by(referral_facts.c.referral_id)
            .limit(limit)
        )
        with engine.connect() as connection:
            ids = list(connection.execute(query).scalars())
        if not ids:
            return Page(found, None)
        for referral_id in ids:
            cursor = referral_id
            try:
                referral = providers_referral(application.referral(UUID(referral_id)), principal)
            except ReferralNotFound:
                continue
            if status is None or referral.status == status:
                found.append(referral)
                if len(found) == limit:
                    return Page(found, cursor)
    return Page(found, cursor)


class LinkRefused(Exception):
    """A document link that is altered, expired, or made for another key."""


@dataclass(frozen=True)
class DocumentLink:
    cipher: Cipher
    clock: Callable[[], float] = time.time
    seconds: float = LINK_SECONDS

    def make(self, principal: Principal, reference: str, name: str) -> tuple[str, float]:
        expires = self.clock() + self.seconds
        claims = {"key": principal.key_id, "referral": reference, "name": name, "exp": expires}
        return self.cipher.seal(json.dumps(claims), purpose=LINK_PURPOSE), expires

    def check(self, token: str, principal: Principal, reference: str, name: str) -> None:
        try:
            claims = json.loads(self.cipher.open(token, purpose=LINK_PURPOSE))
        except (CannotUnseal, ValueError):
            raise LinkRefused("the link is not one this gateway made, or was altered") from None
        if (claims.get("key"), claims.get("referral"), claims.get("name")) != (
            principal.key_id,
            reference,
            name,
        ):
            raise LinkRefused("the link was made for another key or another document")
        if float(claims.get("exp", 0)) < self.clock():
            raise LinkRefused("the link has expired; ask for the documents again")


def document_bytes(stored: StoredBundle, name: str) -> bytes | None:
    if name == "bundle.json":
        return stored.body
    if name == "bundle.pdf":
        return stored_pdf(stored)
    if name == "manifest.jws":
        return stored.manifest_jws.encode() if stored.manifest_jws else None
    return None


def post_providers_message(
    reference: str, principal: Principal, *, kind: str, body: str, application: GatewayApplication
) -> dict[str, object]:
    """The provider writes to the firm: a message or a request for information."""
    message_id = f"msg_{uuid4().hex}"

    def write(referral: Referral) -> None:
        providers_referral(referral, principal)
        referral.post_message(
            message_id=message_id,
            sender=FROM_PROVIDER,
            kind=kind,
            body=body,
            author=principal.actor,
        )

    referral, _ = application.change_referral(reference, write)
    return referral.messages[-1]


def answer_provider(
    referral: Referral,
    principal: Principal,
    *,
    in_reply_to: str,
    body: str,
    application: GatewayApplication,
) -> dict[str, object]:
    """The firm answers a provider's message (the provider reads it with its key)."""
    message_id = f"msg_{uuid4().hex}"

    def write(current: Referral) -> None:
        current.post_message(
            message_id=message_id,
            sender=FROM_FIRM,
            kind="message",
            body=body,
            author=principal.actor,
            in_reply_to=in_reply_to,
        )

    changed, _ = application.change_referral(referral.reference, write)
    return changed.messages[-1]


# -- documents the provider uploads (decision letters) -------------------------------------

#: What a provider may upload, each with how its content must begin (a PDF that is not a
#: PDF is refused, whatever its Content-Type says).
UPLOADABLE: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "text/plain": (b"",),
}


class DocumentRefused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_document(content: bytes, media_type: str) -> None:
    if media_type not in UPLOADABLE:
        raise DocumentRefused(
            "Content-Type",
            f"'{media_type}' is not taken; send one of: {', '.join(UPLOADABLE)}",
        )
    if not content:
        raise DocumentRefused("body", "the document is empty")
    if not content.startswith(UPLOADABLE[media_type]):
        raise DocumentRefused("body", f"the content is not {media_type}")
    if media_type == "text/plain":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise DocumentRefused("body", "text/plain documents are UTF-8") from None


def upload_document(
    reference: str,
    principal: Principal,
    *,
    content: bytes,
    media_type: str,
    filename: str,
    application: GatewayApplication,
    engine: Engine,
) -> dict[str, object]:
    """Keeps the bytes (by referral and document id), then records the digest on the
    referral (`DocumentUploaded`), which the complaints service lists on the complaint."""
    check_document(content, media_type)
    referral = providers_referral(application.referral(reference), principal)
    document_id = f"doc_{uuid4().hex}"
    digest = hashlib.sha256(content).hexdigest()
    with engine.begin() as connection:
        connection.execute(
            insert(provider_documents).values(
                referral_id=str(referral.id),
                document_id=document_id,
                sha256=digest,
                media_type=media_type,
                size=len(content),
                body=content,
            )
        )

    def record(current: Referral) -> None:
        providers_referral(current, principal)
        current.record_document(
            document_id=document_id,
            filename=filename,
            media_type=media_type,
            size=len(content),
            sha256=digest,
            uploaded_by=principal.actor,
        )

    changed, _ = application.change_referral(reference, record)
    return changed.documents[-1]


def uploaded_document(
    engine: Engine, referral: Referral, document_id: str
) -> tuple[bytes, str] | None:
    """An uploaded document's bytes and media type, if the referral recorded it."""
    if not any(d["id"] == document_id for d in referral.documents):
        return None
    query = select(provider_documents.c.body, provider_documents.c.media_type).where(
        provider_documents.c.referral_id == str(referral.id),
        provider_documents.c.document_id == document_id,
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return (bytes(row[0]), str(row[1])) if row is not None else None
