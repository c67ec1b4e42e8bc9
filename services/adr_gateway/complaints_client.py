"""The complaints service as the gateway reads it: over its API with a `service` key, never
its database. A case is read as three documents: the complaint as it stands, its case file
(the history export, every event with its chain hash) and the checkpoint that anchors it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

#: The export holds every event of the complaint: a long history takes longer than a page.
EXPORT_TIMEOUT_SECONDS = 120.0
#: Reads of the complaint and of its case file that disagree on the version (an event landed
#: between them) are made again, this many times, before the referral waits.
CONSISTENT_READ_ATTEMPTS = 3


class ComplaintsUnavailable(Exception):
    """The complaints service could not be asked (down, busy, or refusing our key)."""


class ComplaintMissing(Exception):
    """The complaints service does not know the complaint (it cannot be bundled)."""


@dataclass(frozen=True)
class CaseRead:
    """One complaint read consistently: the view and the case file at the same version."""

    complaint: dict[str, Any]
    case_file: dict[str, Any]
    checkpoint: dict[str, Any] | None


class ComplaintsClient:
    """Reads complaints over the complaints service's API with a `service` key."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 10.0) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            follow_redirects=False,
        )

    def _get(self, path: str, **options: Any) -> httpx.Response:
        try:
            return self._client.get(path, **options)
        except httpx.HTTPError as error:
            raise ComplaintsUnavailable(f"GET {path}: {type(error).__name__}") from None

    def _document(self, path: str, **options: Any) -> dict[str, Any]:
        response = self._get(path, **options)
        if response.status_code == 404:
            raise ComplaintMissing(path)
        if response.status_code != 200:
            # 429 (exports are limited per key) and 5xx alike: the referral waits and retries.
            raise ComplaintsUnavailable(f"GET {path} answered {response.status_code}")
        body = response.json()
        if not isinstance(body, dict):
            raise ComplaintsUnavailable(f"GET {path} answered something other than an object")
        return body

    def complaint(self, complaint_id: str) -> dict[str, Any]:
        return self._document(f"/v1/complaints/{complaint_id}")

    def case_file(self, complaint_id: str) -> dict[str, Any]:
        """The history export as JSON: one document with every event, however many."""
        return self._document(
            f"/v1/complaints/{complaint_id}/history/export",
            params={"format": "json"},
            headers={"Accept": "application/json"},
            timeout=EXPORT_TIMEOUT_SECONDS,
        )

    def verification(self, complaint_id: str) -> dict[str, Any]:
        """The chain re-derived by the service, with the latest checkpoint covering it."""
        return self._document(f"/v1/complaints/{complaint_id}/history/verify")

    def read_case(self, complaint_id: str) -> CaseRead:
        """The complaint and its case file at one version (read again if an event landed
        between the two reads), and the checkpoint that anchors the history."""
        for _ in range(CONSISTENT_READ_ATTEMPTS):
            case_file = self.case_file(complaint_id)
            complaint = self.complaint(complaint_id)
            head = head_of(case_file)
            if head is None or complaint.get("version") in (None, head["version"]):
                return CaseRead(complaint, case_file, self._checkpoint(complaint_id, case_file))
        raise ComplaintsUnavailable("the complaint kept changing while it was being read")

    def _checkpoint(self, complaint_id: str, case_file: dict[str, Any]) -> dict[str, Any] | None:
        # The case file's own checkpoint (or its verification's) was read with its events;
        # the verify endpoint is asked only when the export does not carry one.
        if "checkpoint" in case_file:
            return _object_or_none(case_file["checkpoint"])
        verification = case_file.get("verification")
        if isinstance(verification, dict) and "checkpoint" in verification:
            return _object_or_none(verification["checkpoint"])
        return _object_or_none(self.verification(complaint_id).get("checkpoint"))

    def close(self) -> None:
        self._client.close()


def head_of(case_file: dict[str, Any]) -> dict[str, Any] | None:
    """The head of the complaint's chain: the last event's version and hash. Derived from
    the events themselves, so it holds for every version of the export document."""
    events = case_file.get("events")
    if not isinstance(events, list) or not events:
        return None
    last = events[-1]
    return {"version": last.get("version"), "hash": last.get("hash")}


def _object_or_none(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None
