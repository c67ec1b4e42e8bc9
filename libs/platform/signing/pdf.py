"""PAdES signatures over whole PDF files with the deployment key (pyHanko).

The signature is an incremental update (PAdES B-B, ETSI EN 319 142-1): the signed bytes are
the file as rendered, so the embedded attachments and the PDF/A metadata stay as they were.
"""

from __future__ import annotations

from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from libs.platform.signing.keys import SigningKey

FIELD_NAME = "RedressSignature"


def _signer(key: SigningKey) -> signers.SimpleSigner:
    certificate = asn1_x509.Certificate.load(
        key.certificate.public_bytes(serialization.Encoding.DER)
    )
    private = asn1_keys.PrivateKeyInfo.load(
        key.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=private,
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )


def sign_pdf(pdf: bytes, key: SigningKey, *, reason: str, location: str = "Redress") -> bytes:
    """`pdf`, signed (PAdES B-B, SHA-256) in an invisible signature field."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    output = signers.sign_pdf(writer, metadata, signer=_signer(key), in_place=False)
    return output.getvalue()
