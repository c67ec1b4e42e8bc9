"""The one path every write takes: authenticate, honour `Idempotency-Key` and `If-Match`,
build the command context, run the use case, answer with the complaint and its ETag.
Refusals become problem documents here, so a replayed key replays them too."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from asgi_correlation_id import correlation_id
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from libs.domain.complaint import Complaint
from libs.domain.values import CommandContext
from libs.platform.http.auth import Principal
from libs.platform.http.etags import strong_if_match
from libs.platform.http.idempotency import IdempotentRequest
from libs.platform.http.json_body import JSONBody
from libs.platform.http.problems import Problem, invalid_field, not_found
from services.complaints.api.problems import complaint_problems
from services.complaints.api.representation import complaint_document, deadline_document
from services.complaints.application import ComplaintsApplication
from services.complaints.policy import ComplaintPolicy
from services.complaints.use_cases.caller import Caller, Created

FUTURE_TOLERANCE = timedelta(minutes=5)
#: A use case called for one request: given the complaint's id and the caller, it answers.
UseCaseCall = Callable[[UUID, Caller[JSONResponse]], JSONResponse]


def parse_complaint_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise not_found("complaint", raw) from None


#: `*`, or an ETag a complaint response gave (`"3"`, `"3.5f0c9a1be2d4"`). A weak tag is
#: well-formed but never matches (412); 18 digits keep int() bounded.
IF_MATCH_PATTERN = r'\*|(W/)?"[0-9]{1,18}(\.[0-9a-f]{1,64})?"'
_VERSION_TAG = re.compile(r"([0-9]{1,18})(\.[0-9a-f]{1,64})?")


def parse_if_match(request: Request) -> int | None:
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    tags = strong_if_match(header)  # W/"3" is a 412: If-Match compares strongly
    # The version is what a write is conditional on: `"3"`, or the tag a read gave (`"3.…"`).
    matched = _VERSION_TAG.fullmatch(tags[0]) if len(tags) == 1 else None
    if matched is None:
        raise Problem(
            400,
            "invalid-if-match",
            "Invalid If-Match",
            "If-Match must be the complaint's ETag, e.g. '\"3\"'",
        )
    return int(matched.group(1))


def etag(complaint: Complaint, document: dict[str, Any] | None = None) -> str:
    """The strong tag of a complaint's representation: its version, and, when `document`
    holds deadlines computed as of now, a digest of them too. A deadline's `state` and
    `approaching` change with time at one version, and a strong tag must change whenever
    the representation does (RFC 9110 §8.8.1), so `If-None-Match` never answers 304 for a
    body whose deadline states have moved on. A complaint with no deadline is just `"3"`."""
    deadlines = (document or {}).get("deadlines")
    if not deadlines:
        return f'"{complaint.version}"'
    digest = hashlib.sha256(orjson.dumps(deadlines, default=str)).hexdigest()[:12]
    return f'"{complaint.version}.{digest}"'


def current_document(complaint: Complaint, policy: ComplaintPolicy) -> dict[str, Any]:
    """The complaint with its deadlines as of now (Python values: see `JSONBody`)."""
    now = datetime.now(UTC)
    deadlines = [
        deadline_document(d, now, policy.lead_business_days)
        for d in policy.deadlines(complaint, now)
    ]
    return complaint_document(complaint, deadlines)


def complaint_response(
    complaint: Complaint,
    policy: ComplaintPolicy,
    status_code: int = 200,
    created: Created | None = None,
) -> JSONResponse:
    """The complaint and its ETag; a 201 says in `Location` what was created: the offer,
    appeal or interaction the command recorded (`created`), else the complaint. The body
    stays the complaint either way (clients rely on it); the new entry is in it, under
    the id `Location` ends with."""
    document = current_document(complaint, policy)
    headers = {"ETag": etag(complaint, document)}
    if status_code == 201:
        headers["Location"] = location_of(complaint, created)
    return JSONBody(document, status_code=status_code, headers=headers)


def location_of(complaint: Complaint, created: Created | None = None) -> str:
    here = f"/v1/complaints/{complaint.id}"
    if created is None:
        return here
    if created.collection == "adr-referral":  # one at a time: its path names no id
        return f"{here}/adr-referral"
    return f"{here}/{created.collection}/{created.id}"


def _invalid_time(message: str) -> Problem:
    return invalid_field("occurred_at", message, detail=f"occurred_at {message}")


def command_context(
    principal: Principal,
    command_id: str | None,
    occurred_at: datetime | None,
    backdate_window: timedelta,
) -> CommandContext:
    """Who, when and which command. A CRM may say when something happened (a call
    yesterday) within the back-dating window; the event records both times."""
    now = datetime.now(UTC)
    if occurred_at is not None and occurred_at > now + FUTURE_TOLERANCE:
        raise _invalid_time("is in the future")
    if occurred_at is not None and occurred_at < now - backdate_window:
        raise _invalid_time(
            f"is more than {backdate_window.days} days ago, beyond the back-dating window"
        )
    return CommandContext(
        actor=principal.actor,
        actor_role=principal.role.value,
        correlation_id=correlation_id.get() or "",
        occurred_at=(occurred_at or now).astimezone(UTC),
        command_id=command_id,
    )


@dataclass(frozen=True)
class CommandRunner:
    """Everything a write needs, resolved once per request by FastAPI."""

    application: ComplaintsApplication
    request: Request
    principal: Principal
    idempotent: IdempotentRequest

    def __call__(
        self,
        complaint_id: str,
        occurred_at: datetime | None,
        use_case: UseCaseCall,
        status_code: int = 200,
    ) -> Response:
        def produce() -> JSONResponse:
            with complaint_problems():
                identity = parse_complaint_id(complaint_id)
                caller = Caller(
                    self.context(occurred_at),
                    present=lambda complaint: complaint_response(
                        complaint, self.policy, status_code
                    ),
                    expected_version=parse_if_match(self.request),
                    present_created=lambda complaint, created: complaint_response(
                        complaint, self.policy, status_code, created
                    ),
                )
                return use_case(identity, caller)

        return self.idempotent.run(produce)

    def context(self, occurred_at: datetime | None) -> CommandContext:
        return command_context(
            self.principal,
            self.idempotent.command_id,
            occurred_at,
            self.request.app.state.settings.backdate_window,
        )

    @property
    def policy(self) -> ComplaintPolicy:
        return self.request.app.state.policy  # type: ignore[no-any-return]
