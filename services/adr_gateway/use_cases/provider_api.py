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

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import Engine, select

from libs.domain.referral import FROM_FIRM, FROM_PROVIDER, Referral
from libs.domain.referral_lifecycle import ReferralStatus
from libs.platform.http.auth import Principal
from libs.platform.runtime.cipher import CannotUnseal, Cipher
from services.adr_gateway.application import GatewayApplication, ReferralNotFound
from services.adr_gateway.delivery.bundle_store import StoredBundle
from services.adr_gateway.tables import referral_facts
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
