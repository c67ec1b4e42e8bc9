"""A complaint's offers, appeals and interactions, each with its own GET: read from the
complaint as its own GET reads it (they are parts of the complaint, not tables of their
own), shown exactly as the complaint shows them.

Their ETag is the complaint's version (`"7"`): none of their fields changes with time at
one version, and it is the tag a write's `If-Match` compares (see `commands.parse_if_match`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from libs.domain.complaint import Complaint
from libs.domain.errors import UnknownEntity
from libs.platform.http.etags import NOT_MODIFIED, not_modified
from libs.platform.http.json_body import JSONBody
from libs.platform.http.openapi_contract import ETAG, response_header, success_headers
from libs.platform.http.problems import Problem
from services.complaints.api.commands import parse_complaint_id
from services.complaints.api.deps import READ_PROBLEMS
from services.complaints.api.problems import complaint_problems
from services.complaints.api.representation import adr_record, entries
from services.complaints.application import ComplaintsApplication

SINGULAR = {
    "offers": "offer",
    "appeals": "appeal",
    "interactions": "interaction",
    "adr-referral": "ADR referral",
}

#: What a read of one of them may answer, and the headers its 200 carries.
SUB_RESOURCE_READ = {**READ_PROBLEMS, **NOT_MODIFIED, **success_headers(200, ETag=ETAG)}


def created_location(collection: str) -> dict[int | str, dict[str, Any]]:
    """The 201 of a POST that creates one of them: `Location` names it."""
    singular = SINGULAR[collection]
    if collection == "adr-referral":
        described = (
            "Where the referral is read (`GET` it); its id is the body's `adr.referral_id`",
            "/v1/complaints/{complaint_id}/adr-referral",
        )
    else:
        described = (
            f"Where the created {singular} is read (`GET` it); it ends with the {singular}'s "
            f"id, which the body (the complaint) lists under `{collection}`",
            f"/v1/complaints/{{complaint_id}}/{collection}/{{{singular}_id}}",
        )
    return success_headers(201, Location=response_header(*described))


class _Entry(BaseModel):
    # Fields added later are shown too; a generated client keeps them as extra properties.
    model_config = ConfigDict(extra="allow")


class OfferView(_Entry):
    id: str
    description: str
    amount_money: dict[str, str] | None = Field(
        description="The sum offered as `{amount, currency}`; null for an offer without money"
    )
    amount: str | None = Field(description="Deprecated: use amount_money")
    currency: str | None = Field(description="Deprecated: use amount_money")
    status: str
    made_by: str
    made_at: datetime
    tier: str = Field(description="The tier the complaint was at when the offer was made")
    responded_at: datetime | None
    customer_comment: str | None


class AppealView(_Entry):
    id: str
    grounds: str
    lodged_by: str
    lodged_at: datetime
    against_tier: str = Field(description="The tier whose decision is appealed")
    status: str
    outcome: str | None
    decided_at_tier: str | None
    reasons: str | None
    decided_by: str | None
    decided_at: datetime | None


class InteractionView(_Entry):
    id: str
    kind: str
    direction: str
    summary: str
    body: str | None
    document: dict[str, Any] | None
    language: str | None
    actor: str
    occurred_at: datetime
    recorded_at: datetime


class OfferList(BaseModel):
    items: list[OfferView] = Field(description="Every offer made, oldest first")


class AppealList(BaseModel):
    items: list[AppealView] = Field(description="Every appeal lodged, oldest first")


class InteractionList(BaseModel):
    items: list[InteractionView] = Field(description="Every interaction recorded, oldest first")


def the_referral(
    request: Request, application: ComplaintsApplication, complaint_id: str
) -> Response:
    """The complaint's ADR referral as the complaint records it; 404 before one is made."""
    complaint = _complaint(application, complaint_id)
    if complaint.adr is None:
        raise Problem(
            404,
            "not-found",
            "Not found",
            f"complaint '{complaint.id}' has not been referred to ADR",
        )
    return _answer(request, complaint, adr_record(complaint.adr))


def _complaint(application: ComplaintsApplication, complaint_id: str) -> Complaint:
    with complaint_problems():
        return application.complaint(parse_complaint_id(complaint_id))


def _answer(request: Request, complaint: Complaint, content: Any) -> Response:
    tag = f'"{complaint.version}"'
    return not_modified(request, tag) or JSONBody(content, headers={"ETag": tag})


def list_entries(
    request: Request, application: ComplaintsApplication, complaint_id: str, collection: str
) -> Response:
    complaint = _complaint(application, complaint_id)
    return _answer(request, complaint, {"items": entries(complaint, collection)})


def one_entry(
    request: Request,
    application: ComplaintsApplication,
    complaint_id: str,
    collection: str,
    entry_id: str,
) -> Response:
    """The entry with this id, or a 404 naming it (also when it is another complaint's)."""
    complaint = _complaint(application, complaint_id)
    for entry in entries(complaint, collection):
        if entry["id"] == entry_id:
            return _answer(request, complaint, entry)
    with complaint_problems():
        raise UnknownEntity(SINGULAR[collection], entry_id)
