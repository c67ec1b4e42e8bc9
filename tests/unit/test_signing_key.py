"""The deployment signing key: made once, shared by every process, rotated without
unpublishing what it signed; JWS and PAdES signatures made with it verify, and fail when
a byte changes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from fpdf import FPDF
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from libs.platform.signing.jws import BadSignature, sign_compact, verify_compact
from libs.platform.signing.keys import NoSigningKey, SigningKeyStore
from libs.platform.signing.pdf import sign_pdf


def test_the_key_is_made_on_first_use_and_kept(tmp_path: Path) -> None:
    store = SigningKeyStore(tmp_path / "signing")
    first = store.load_or_create()
    assert store.load_or_create().kid == first.kid
    assert (tmp_path / "signing" / "key.pem").stat().st_mode & 0o777 == 0o600


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    for attempt in range(20):
        directory = tmp_path / str(attempt)
        with ThreadPoolExecutor(8) as pool:
            kids = set(pool.map(lambda d: SigningKeyStore(d).load_or_create().kid, [directory] * 8))
        assert len(kids) == 1
        assert SigningKeyStore(directory).load().kid in kids


def test_showing_a_key_never_created_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(NoSigningKey, match="redress keys signing create"):
        SigningKeyStore(tmp_path).load()


def test_a_rotated_key_stays_published_so_old_signatures_verify(tmp_path: Path) -> None:
    store = SigningKeyStore(tmp_path)
    old = store.load_or_create()
    token = sign_compact(b'{"a":1}', old)
    new = store.rotate()
    assert new.kid != old.kid
    assert [key["kid"] for key in store.published()] == [new.kid, old.kid]
    assert verify_compact(token, store.published()) == b'{"a":1}'


def test_a_jws_fails_when_its_payload_or_key_changes(tmp_path: Path) -> None:
    key = SigningKeyStore(tmp_path / "a").load_or_create()
    other = SigningKeyStore(tmp_path / "b").load_or_create()
    token = sign_compact(b'{"amount":"10.00"}', key)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    with pytest.raises(BadSignature):
        verify_compact(forged, [key.jwk])
    with pytest.raises(BadSignature, match="not published"):
        verify_compact(token, [other.jwk])


def test_a_signed_pdf_verifies_and_an_altered_one_does_not(tmp_path: Path) -> None:
    key = SigningKeyStore(tmp_path).load_or_create()
    pdf = FPDF()
    pdf.compress = False
    pdf.add_page()
    pdf.set_font("Helvetica")
    pdf.cell(0, 10, "Final response issued")
    signed = sign_pdf(bytes(pdf.output()), key, reason="test")
    trust = ValidationContext(
        trust_roots=[
            asn1_x509.Certificate.load(key.certificate.public_bytes(serialization.Encoding.DER))
        ]
    )

    def status(data: bytes):  # type: ignore[no-untyped-def]
        return validate_pdf_signature(PdfFileReader(BytesIO(data)).embedded_signatures[0], trust)

    assert status(signed).intact and status(signed).valid
    altered = signed.replace(b"Final response issued", b"Final response ignored")
    assert not status(altered).intact
