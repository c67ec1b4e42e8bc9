"""Export a complaint's case file: the typed document (`libs.casefile`) as JSON, or as a
signed PDF/A-3b with that JSON attached.

The case file is built from the event store (`services.complaints.history.case_file`);
rendering it is the library's. The PDF is signed with the deployment key (PAdES), which is
read from its folder on each export, so a rotated key signs the next export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from libs.casefile.history_pdf import render_history_pdf
from libs.casefile.model import CaseFile, ExportedBy
from libs.platform.signing.keys import SigningKeyStore
from services.complaints.application import ComplaintsApplication
from services.complaints.history.case_file import build_case_file
from services.complaints.history.queries import ComplaintHistory
from services.complaints.policy import ComplaintPolicy


@dataclass(frozen=True)
class ExportCaseFile:
    complaint_id: UUID
    exported_by: ExportedBy
    #: The correlation id of the request that asked for it, shown on the cover.
    correlation_id: str | None
    firm_name: str
    now: datetime | None = None


def export_case_file(
    application: ComplaintsApplication, policy: ComplaintPolicy, query: ExportCaseFile
) -> CaseFile:
    return build_case_file(
        ComplaintHistory(application),
        policy,
        query.complaint_id,
        exported_by=query.exported_by,
        correlation_id=query.correlation_id,
        firm_name=query.firm_name,
        now=query.now,
    )


def export_case_file_pdf(
    application: ComplaintsApplication,
    policy: ComplaintPolicy,
    query: ExportCaseFile,
    signing_dir: str | None,
) -> bytes:
    """The case file as a signed PDF/A-3b (docs/proof-formats.md, "The case file as PDF")."""
    case_file = export_case_file(application, policy, query)
    return render_history_pdf(case_file, SigningKeyStore(signing_dir).load_or_create())
