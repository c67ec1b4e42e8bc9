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
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import constants
from pyhanko_certvalidator.registry import SimpleCertificateStore

from libs.platform.signing.keys import SigningKey

FIELD_NAME = "RedressSignature"
#: Room for the signature's CMS: one ECDSA P-256 signature with its certificate and signed
#: attributes takes about 1.5 KB. Reserving it spares pyHanko the dry run that measures it
#: (a third of the signing time).
SIGNATURE_BYTES = 8192


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


class _Pdf17Signer(signers.PdfSigner):
    """Declares PAdES the PDF 1.7 way (the ESIC developer extension) and nothing more.

    pyHanko would also declare ISO/TS 32002 for ECDSA on P-256, which raises the file's
    catalog version to PDF 2.0; a PDF/A-3 file (ISO 19005-3, built on PDF 1.7) must stay
    1.7, and ETSI EN 319 142-1 (PAdES) already admits ECDSA signatures in it."""

    def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(constants.ESIC_EXTENSION_1)


def sign_pdf(pdf: bytes, key: SigningKey, *, reason: str, location: str = "Redress") -> bytes:
    """`pdf`, signed (PAdES B-B, SHA-256) in an invisible signature field. Call it off the
    event loop: pyHanko's synchronous API runs a loop of its own."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    output = _Pdf17Signer(metadata, signer=_signer(key)).sign_pdf(
        writer, in_place=False, bytes_reserved=SIGNATURE_BYTES
    )
    return output.getvalue()  # type: ignore[no-any-return]
