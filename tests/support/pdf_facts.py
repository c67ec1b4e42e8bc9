"""What a PDF says and is, read the way an archive or a reader's software reads it: its
text per page (pypdf), its attachments, its PDF/A metadata and output intent, its fonts,
and whether its PAdES signature verifies against a published certificate (pyHanko)."""

from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader


def flat(text: str) -> str:
    """Whitespace (line breaks included) as single spaces: facts are found across lines."""
    return re.sub(r"\s+", " ", text)


@dataclass
class PdfFacts:
    reader: PdfReader

    @classmethod
    def of(cls, data: bytes) -> PdfFacts:
        return cls(PdfReader(BytesIO(data)))

    @property
    def pages(self) -> list[str]:
        return [flat(page.extract_text() or "") for page in self.reader.pages]

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    def attachment(self, name: str) -> bytes:
        return bytes(self.reader.attachments[name][0])

    def attachment_relationship(self, name: str) -> str | None:
        names = self.reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
        for index in range(0, len(names), 2):
            if names[index] == name:
                return str(names[index + 1].get_object().get("/AFRelationship"))
        return None

    @property
    def xmp(self) -> str:
        return bytes(self.reader.trailer["/Root"]["/Metadata"].get_object().get_data()).decode()

    @property
    def output_intents(self) -> list[dict[str, Any]]:
        intents = self.reader.trailer["/Root"].get("/OutputIntents") or []
        return [dict(intent.get_object()) for intent in intents]

    def fonts(self) -> dict[str, bool]:
        """Each font used on any page, and whether its program is embedded."""
        found: dict[str, bool] = {}
        for page in self.reader.pages:
            resources = page.get("/Resources") or {}
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts")
                target = descendants[0].get_object() if descendants else font
                descriptor = target.get("/FontDescriptor")
                embedded = bool(
                    descriptor
                    and any(
                        k in descriptor.get_object()
                        for k in ("/FontFile", "/FontFile2", "/FontFile3")
                    )
                )
                found[str(font.get("/BaseFont"))] = embedded
        return found


def signature_verifies(data: bytes, published: list[dict[str, Any]]) -> bool:
    """True when the file's one signature is intact, valid and made by a published
    certificate (`x5c` of `SigningKeyStore.published()`)."""
    # pyHanko's validator runs its own event loop: a thread of its own, then, so that async
    # tests can ask too.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(_verifies, data, published).result()


def _verifies(data: bytes, published: list[dict[str, Any]]) -> bool:
    roots = [asn1_x509.Certificate.load(base64.b64decode(key["x5c"][0])) for key in published]
    signatures = PdfFileReader(BytesIO(data)).embedded_signatures
    if len(signatures) != 1:
        return False
    status = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=roots))
    return bool(status.intact and status.valid and status.coverage.name == "ENTIRE_FILE")
