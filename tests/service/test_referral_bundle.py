"""The referral bundle a provider can check without trusting the firm: the whole history (the
case file, however long), the complaint's head, a manifest of every part's sha256 and the
checkpoint that anchors the history, signed with the deployment key; delivered by webhook
and by e-mail (docs/proof-formats.md, "The referral bundle").

The complaints service and the gateway run in-process on SQLite, served on loopback HTTP; the
providers are a real webhook receiver and a real SMTP server."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
from pypdf import PdfReader

from libs.domain.referral import Referral
from libs.domain.values import Role
from libs.platform.eventstore.integrity.hashchain import canonical_json
from libs.platform.signing.jws import BadSignature, verify_compact
from libs.platform.signing.keys import SigningKeyStore
from services.adr_gateway.adapters.webhook import CASE_EVENT_TYPE
from tests.support.gateway import gateway_settings, running_gateway, sqlite_url
from tests.support.referral_bundles import (
    EMAIL_PROVIDER,
    EMAIL_TO,
    BundleSystem,
    bundle_system,
    eventually,
)

#: More than ten pages of the paged history (100 events a page): the bundle used to stop
#: at the first.
LONG_HISTORY = 1_050


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BundleSystem]:
    with bundle_system(tmp_path_factory.mktemp("bundles")) as running:
        yield running


@pytest.fixture(scope="module")
def long_case(system: BundleSystem) -> dict[str, Any]:
    """A complaint of more than 1,000 events, checkpointed, referred and delivered by
    webhook: its id, its referral and its bundle as the gateway serves it."""
    complaint_id = system.open_complaint(interactions=LONG_HISTORY)
    system.checkpoint()
    referral_id = system.refer(complaint_id)
    referral = system.delivered(referral_id)
    served = system.gateway(f"/v1/referrals/{referral_id}/bundle")
    assert served.status_code == 200, served.text
    return {
        "complaint_id": complaint_id,
        "referral_id": referral_id,
        "referral": referral,
        "body": served.content,
        "bundle": served.json(),
    }


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def published_keys(system: BundleSystem) -> list[dict[str, Any]]:
    return [dict(key) for key in SigningKeyStore(system.signing_dir).published()]


def test_the_referral_records_its_complaints_legal_entity(long_case: dict[str, Any]) -> None:
    """The complaint did not name an entity (as one from before entities): the referral, told
    nothing by the feed, learnt it when it was prepared, and it is the default one."""
    assert long_case["referral"]["legal_entity"] == "default"
    assert long_case["referral"]["selection"]["case"]["legal_entity"] == "default"


def test_the_bundle_holds_every_event_of_a_long_history(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    complaint = system.complaints_api(f"/v1/complaints/{long_case['complaint_id']}").json()
    events = long_case["bundle"]["case_file"]["events"]

    assert complaint["version"] > 1_000
    assert [e["version"] for e in events] == list(range(1, complaint["version"] + 1))
    notes = [e["data"]["summary"] for e in events if e["type"] == "InteractionRecorded"]
    assert notes == [f"note {n}" for n in range(1, LONG_HISTORY + 1)]


def test_the_case_file_is_the_history_export_as_the_complaints_service_serves_it(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    export = system.complaints_api(
        f"/v1/complaints/{long_case['complaint_id']}/history/export?format=json"
    ).json()
    case_file = long_case["bundle"]["case_file"]

    # Exported again later, by another key: only who asked, and when, differ.
    who_and_when = ("exported_at", "exported_by", "request_correlation_id", "verification")
    assert {k: v for k, v in case_file.items() if k not in who_and_when} == {
        k: v for k, v in export.items() if k not in who_and_when
    }


def test_the_head_is_the_complaints_head_version_and_hash(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    verified = system.complaints_api(
        f"/v1/complaints/{long_case['complaint_id']}/history/verify"
    ).json()
    manifest = long_case["bundle"]["manifest"]

    assert verified["valid"] is True
    assert manifest["head"] == {"version": verified["head_version"], "hash": verified["head_hash"]}
    assert len(manifest["head"]["hash"]) == 64
    # The referral records the same head (it used to record null).
    assert long_case["referral"]["bundle"]["head_hash"] == verified["head_hash"]
    assert long_case["referral"]["bundle"]["head"] == manifest["head"]


def test_the_manifest_names_the_checkpoint_that_anchors_the_history(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    verified = system.complaints_api(
        f"/v1/complaints/{long_case['complaint_id']}/history/verify"
    ).json()
    checkpoint = long_case["bundle"]["manifest"]["checkpoint"]

    assert checkpoint is not None
    assert {k: checkpoint[k] for k in verified["checkpoint"]} == verified["checkpoint"]
    # Checkpointed before the referral: the anchored head is in the case file.
    anchored = long_case["bundle"]["case_file"]["events"][checkpoint["anchored_version"] - 1]
    assert anchored["hash"] == checkpoint["anchored_hash"]


def test_every_part_has_its_digest_in_the_manifest(long_case: dict[str, Any]) -> None:
    bundle = long_case["bundle"]
    parts = {
        name: value for name, value in bundle.items() if name not in ("manifest", "manifest_jws")
    }

    assert set(bundle["manifest"]["parts"]) == set(parts)
    assert {
        "bundle_version",
        "referral",
        "case_file",
        "parties",
        "policy_documents",
        "attached_documents",
        "summary",
        "timeline",
        "offers",
    } <= set(parts)
    for name, value in parts.items():
        assert bundle["manifest"]["parts"][name] == digest(value), name
    # The body served is the canonical JSON of the whole bundle, and its ETag its digest.
    assert long_case["body"] == canonical_json(bundle)


def test_the_bundle_names_the_referral_provider_and_the_customers_contact_details(
    long_case: dict[str, Any],
) -> None:
    bundle = long_case["bundle"]
    referral = bundle["referral"]

    assert bundle["bundle_version"] == 2
    assert referral["id"] == referral["reference"] == long_case["referral_id"]
    assert referral["complaint_id"] == long_case["complaint_id"]
    assert referral["provider"]["id"] == "webhook-provider"
    assert referral["provider"]["name"] == "Provider webhook-provider"
    assert referral["requested_method"] == "mediation"
    assert referral["referred_at"]
    assert bundle["parties"]["customer"]["email"] == "ada@example.com"
    assert bundle["parties"]["firm"]["name"]
    manifest = bundle["manifest"]
    assert manifest["format"] == "redress.bundle-manifest/1"
    assert manifest["algorithm"] == "sha256"
    assert manifest["referral_id"] == long_case["referral_id"]
    assert manifest["complaint_id"] == long_case["complaint_id"]


def test_the_manifest_jws_verifies_with_the_published_key_and_carries_the_manifest(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    bundle = long_case["bundle"]

    payload = verify_compact(bundle["manifest_jws"], published_keys(system))

    assert payload == canonical_json(bundle["manifest"])
    served = system.gateway(f"/v1/referrals/{long_case['referral_id']}/bundle/manifest.jws")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/jose"
    assert served.text == bundle["manifest_jws"]


def test_a_manifest_with_one_byte_changed_does_not_verify(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    token = long_case["bundle"]["manifest_jws"]
    header, payload, signature = token.split(".")
    manifest = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    manifest[manifest.index(b'"hash":"') + 8] ^= 0x01  # one hex digit of the head hash
    altered = base64.urlsafe_b64encode(bytes(manifest)).rstrip(b"=").decode()

    with pytest.raises(BadSignature):
        verify_compact(f"{header}.{altered}.{signature}", published_keys(system))
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(BadSignature):
        verify_compact(f"{header}.{payload}.{flipped}", published_keys(system))


def test_an_event_changed_in_the_bundle_no_longer_matches_its_part_digest(
    long_case: dict[str, Any],
) -> None:
    case_file = orjson.loads(orjson.dumps(long_case["bundle"]["case_file"]))
    case_file["events"][500]["data"]["summary"] = "note 50I"  # one character

    assert digest(case_file) != long_case["bundle"]["manifest"]["parts"]["case_file"]


def test_the_pdf_served_is_the_pdf_whose_digest_is_signed(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    pdf = system.gateway(f"/v1/referrals/{long_case['referral_id']}/bundle", format="pdf")
    again = system.gateway(f"/v1/referrals/{long_case['referral_id']}/bundle", format="pdf")

    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.content == again.content  # kept as built, not made again
    signed = orjson.loads(
        verify_compact(long_case["bundle"]["manifest_jws"], published_keys(system))
    )
    assert signed["files"] == {"bundle.pdf": hashlib.sha256(pdf.content).hexdigest()}


def test_the_webhook_provider_receives_the_bundle_with_its_signed_manifest(
    system: BundleSystem, long_case: dict[str, Any]
) -> None:
    received = [
        orjson.loads(r["body"])
        for r in system.receiver.requests
        if orjson.loads(r["body"])["subject"] == long_case["referral_id"]
    ]

    assert len(received) == 1
    event = received[0]
    assert event["type"] == CASE_EVENT_TYPE
    assert event["data"] == long_case["bundle"]
    payload = verify_compact(event["data"]["manifest_jws"], published_keys(system))
    assert orjson.loads(payload)["head"] == long_case["bundle"]["manifest"]["head"]


def test_the_email_provider_receives_the_signed_manifest_as_an_attachment(
    system: BundleSystem,
) -> None:
    complaint_id = system.open_complaint(interactions=3)
    referral_id = system.refer(complaint_id, provider_id=EMAIL_PROVIDER)
    system.delivered(referral_id)
    bundle = system.gateway(f"/v1/referrals/{referral_id}/bundle").json()

    mail = eventually(lambda: [m for _, m in system.mail.raw() if referral_id.encode() in m])
    message = message_from_bytes(mail[0], policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == EMAIL_TO
    attachments = {part.get_filename(): part for part in message.iter_attachments()}

    assert set(attachments) == {
        "case-bundle.pdf",
        "case-bundle.json",
        "case-bundle.manifest.jws",
    }
    token = attachments["case-bundle.manifest.jws"].get_content()
    token = token.decode() if isinstance(token, bytes) else token
    assert attachments["case-bundle.manifest.jws"].get_content_type() == "application/jose"
    assert token == bundle["manifest_jws"]
    manifest = orjson.loads(verify_compact(token, published_keys(system)))
    pdf = attachments["case-bundle.pdf"].get_content()
    assert manifest["files"]["bundle.pdf"] == hashlib.sha256(pdf).hexdigest()
    assert orjson.loads(attachments["case-bundle.json"].get_content()) == bundle
    # Received, three notes, referred.
    assert manifest["head"]["version"] == len(bundle["case_file"]["events"]) == 5


async def test_a_bundle_built_before_manifests_were_signed_is_still_served(
    tmp_path: Path,
) -> None:
    """Bundle version 1 (no PDF kept, no manifest_jws): its PDF is rendered from its JSON,
    and its signed manifest is refused by name, not a 500."""
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        provider = await gateway.register("http://127.0.0.1:9/cases")
        referral = gateway.prepared_referral(provider["id"])
        path = f"/v1/referrals/{referral.reference}/bundle"

        pdf = await gateway.client.get(path, params={"format": "pdf"}, headers=gateway.headers())
        unsigned = await gateway.client.get(f"{path}/manifest.jws", headers=gateway.headers())

    assert pdf.status_code == 200
    assert "charged twice" in pdf_text(pdf.content)
    assert unsigned.status_code == 404
    assert unsigned.json()["type"].endswith("unsigned-bundle")


async def test_no_signed_manifest_yet_is_a_named_refusal(tmp_path: Path) -> None:
    """Unknown referral: 404; received but not prepared: 409 with Retry-After; a role that
    may not read bundles: 403."""
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        waiting = Referral.open(
            reference=str(uuid4()),
            complaint_id=str(uuid4()),
            eligibility={"eligible": True},
            referred_by="supervisor:test",
            referred_at=datetime.now(UTC),
            upstream_event_id="test",
        )
        gateway.service.application.save(waiting)

        async def manifest(referral_id: str, role: Role = Role.ADMIN) -> Any:
            return await gateway.client.get(
                f"/v1/referrals/{referral_id}/bundle/manifest.jws", headers=gateway.headers(role)
            )

        unknown = await manifest(str(uuid4()))
        not_prepared = await manifest(waiting.reference)
        forbidden = await manifest(waiting.reference, Role.CRM)

    assert unknown.status_code == 404
    assert not_prepared.status_code == 409
    assert not_prepared.json()["type"].endswith("not-prepared")
    assert not_prepared.headers["retry-after"] == "2"
    assert forbidden.status_code == 403


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
