"""/v1/complaints/{id}/history: the auditor's replay (read-only, every route a GET).

The full event history (paged), its verification against the hash chain and the latest
checkpoint, an export (JSON or PDF) and a case-history page for a browser, which opens
with a read key or with a short-lived signed link minted here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from libs.casefile.model import ExportedBy
from libs.platform.eventstore.integrity.audit import chain_recorder
from libs.platform.http.auth import BEARER, READERS, Principal, require_roles
from libs.platform.http.export_limit import export_slot
from libs.platform.http.json_body import JSONBody
from libs.platform.http.problems import Problem, problem_responses
from libs.platform.http.query_parameters import KnownQueryParameters
from libs.platform.runtime.jsonable import rfc3339_utc, utc_text
from services.complaints.api.deps import READ_PROBLEMS, App, Reader
from services.complaints.application import ComplaintsApplication
from services.complaints.history.human import AS_OF_PATTERN
from services.complaints.history.links import (
    DEFAULT_TTL_SECONDS,
    MAX_TTL_SECONDS,
    InvalidLink,
    ViewLinks,
)
from services.complaints.history.page import render_history_page
from services.complaints.history.page_state import regime_of, requested_moment, shown_state
from services.complaints.history.problems import history_problems, parse_id
from services.complaints.history.queries import MAX_PAGE, ComplaintHistory
from services.complaints.use_cases.case_files import (
    ExportCaseFile,
    export_case_file,
    export_case_file_pdf,
)

router = APIRouter(prefix="/v1/complaints/{complaint_id}/history", tags=["history"])
audit_router = APIRouter(prefix="/v1/audit", tags=["history"])

_links_lock = threading.Lock()
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


async def history(application: ComplaintsApplication = App) -> ComplaintHistory:
    return ComplaintHistory(application)


History = Depends(history)


def view_links(request: Request) -> ViewLinks:
    """The app's link signer, made on first use from the settings."""
    state = request.app.state
    links: ViewLinks | None = getattr(state, "history_links", None)
    if links is None:
        with _links_lock:
            links = getattr(state, "history_links", None)
            if links is None:
                links = ViewLinks.from_setting(getattr(state.settings, "history_link_secret", None))
                state.history_links = links
    return links


@router.get("", responses=READ_PROBLEMS, summary="Every event of a complaint, in order (paged)")
def list_history(
    complaint_id: str,
    _: Principal = Reader,
    _known: None = KnownQueryParameters,
    events: ComplaintHistory = History,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    identity = parse_id(complaint_id)
    with history_problems():
        page = events.page(identity, limit=limit, cursor=cursor)
    return {
        "complaint_id": str(identity),
        "head_version": page.head_version,
        "items": page.items,
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/verify",
    responses=READ_PROBLEMS,
    summary="Re-derive the hash chain and check it against the latest checkpoint",
    operation_id="verifyHistory",
)
def verify(
    complaint_id: str, _: Principal = Reader, events: ComplaintHistory = History
) -> dict[str, Any]:
    identity = parse_id(complaint_id)
    with history_problems():
        return events.verify(identity)


_reader = require_roles(*READERS)


@dataclass(frozen=True)
class Viewer:
    """Who reads a complaint's history: a read key's principal, or a signed link.

    `key_id` is what export slots are counted against: the key, or for a link the
    complaint it opens (every holder of one complaint's links shares its slots)."""

    key_id: str
    principal: Principal | None
    token: str | None = None


async def page_viewer(
    complaint_id: str,
    request: Request,
    token: Annotated[str | None, Query(max_length=1000)] = None,
    _declared: HTTPAuthorizationCredentials | None = Security(BEARER),
) -> Viewer:
    """A signed link for this complaint, or a read key in the Authorization header.

    The page and the exports it links to take either: a page opened from a signed link
    (a browser with no API key) can download the history it shows."""
    if token is None:
        principal = await _reader(request)
        return Viewer(principal.key_id, principal)
    try:
        view_links(request).check(token, parse_id(complaint_id))
    except InvalidLink as error:
        raise Problem(
            401,
            "invalid-link",
            "Invalid link",
            str(error),
            headers={"WWW-Authenticate": 'Bearer realm="redress"'},
        ) from None
    return Viewer(f"link:{complaint_id}", None, token)


PageViewer = Depends(page_viewer)
#: OpenAPI: a read key, or none at all when the signed link's `token` is in the query
#: (added to the bearer requirement `page_viewer` declares: either one will do).
KEY_OR_SIGNED_LINK: dict[str, Any] = {"security": [{}]}


def exported_by(viewer: Viewer) -> ExportedBy:
    """Who the case file's cover names as its exporter."""
    if viewer.principal is None:
        return ExportedBy(actor="holder of a signed case-history link", role="link")
    return ExportedBy(actor=viewer.principal.actor, role=viewer.principal.role.value)


#: An export holds one of its reader's export slots while it runs (429 beyond the limit).
ExportSlot = export_slot(PageViewer)


@router.get(
    "/export",
    responses={
        **READ_PROBLEMS,
        **problem_responses(429),
        200: {"content": {"application/json": {}, "application/pdf": {}}},
    },
    summary="The history as a report: JSON (events, hashes, verification) or PDF",
    operation_id="exportHistory",
    openapi_extra=KEY_OR_SIGNED_LINK,
)
def export(
    complaint_id: str,
    request: Request,
    viewer: Viewer = PageViewer,
    _slot: None = ExportSlot,
    application: ComplaintsApplication = App,
    format: Literal["json", "pdf"] | None = None,
) -> Response:
    identity = parse_id(complaint_id)
    wants_pdf = format == "pdf" or (
        format is None and "application/pdf" in request.headers.get("accept", "")
    )
    settings = request.app.state.settings
    query = ExportCaseFile(
        complaint_id=identity,
        exported_by=exported_by(viewer),
        correlation_id=correlation_id.get(),
        firm_name=settings.firm_name,
    )
    policy = request.app.state.policy
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    filename = f"complaint-{identity}-history-{stamp}"
    with history_problems():
        if wants_pdf:
            return Response(
                export_case_file_pdf(application, policy, query, settings.signing_dir),
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{filename}.pdf"'},
            )
        document = export_case_file(application, policy, query).to_json()
    return JSONBody(
        document, headers={"Content-Disposition": f'attachment; filename="{filename}.json"'}
    )


@router.get(
    "/view-link",
    responses=READ_PROBLEMS,
    summary="Mint a short-lived signed link to the case-history page",
    operation_id="getHistoryViewLink",
)
def view_link(
    complaint_id: str,
    request: Request,
    _: Principal = Reader,
    events: ComplaintHistory = History,
    ttl_seconds: Annotated[int, Query(ge=30, le=MAX_TTL_SECONDS)] = DEFAULT_TTL_SECONDS,
) -> dict[str, Any]:
    identity = parse_id(complaint_id)
    with history_problems():
        events.head_version(identity)
    token, expires = view_links(request).sign(identity, ttl_seconds)
    path = f"/v1/complaints/{identity}/history/view?token={token}"
    return {
        "url": str(request.base_url).rstrip("/") + path,
        "path": path,
        "expires_at": rfc3339_utc(datetime.fromtimestamp(expires, UTC)),
    }


@router.get(
    "/view",
    response_class=HTMLResponse,
    responses=problem_responses(401, 403, 404, 422),
    summary="The case-history page: the state at any version or time, timeline, verification",
    description="Opens with a read key or a signed link (`token`, from `…/history/view-link`). "
    "`version` shows the state after that version; `as_of` the last version recorded by "
    "that moment — RFC 3339 with an offset, or a local date-time without one (as the page's "
    "picker sends it), read in the complaint's regime's time zone. Not both.",
    operation_id="viewHistoryPage",
    openapi_extra=KEY_OR_SIGNED_LINK,
)
def view(
    complaint_id: str,
    request: Request,
    viewer: Viewer = PageViewer,
    events: ComplaintHistory = History,
    version: Annotated[int | None, Query()] = None,
    as_of: Annotated[str | None, Query(max_length=64, pattern=AS_OF_PATTERN)] = None,
) -> HTMLResponse:
    identity = parse_id(complaint_id)
    policy = getattr(request.app.state, "policy", None)
    with history_problems():
        head = events.head_version(identity)
        stored = events.all_events(identity)
        regime = regime_of(stored, policy)
        moment = requested_moment(as_of, version, regime.calendar.zone if regime else UTC)
        shown = shown_state(events, policy, identity, stored, version=version, as_of=moment)
        html = render_history_page(
            complaint_id=str(identity),
            events=stored,
            recorded_versions=sorted(events.recorder.select_chain(identity)),
            shown=shown,
            regime=regime,
            head=head,
            verification=events.verify(identity),
            token=viewer.token,
        )
    return HTMLResponse(html, headers=PAGE_HEADERS)


@audit_router.get(
    "/checkpoints",
    responses=READ_PROBLEMS,
    summary="The latest Merkle checkpoints (roots to archive or publish)",
    operation_id="listCheckpoints",
)
def checkpoints(
    principal: Principal = Reader,
    _known: None = KnownQueryParameters,
    application: ComplaintsApplication = App,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    if principal.legal_entity is not None:
        # A checkpoint's root covers every legal entity's events: it is for group-wide
        # keys (a scoped key verifies its own complaints with .../history/verify).
        return {"items": []}
    records = chain_recorder(application.recorder).select_checkpoints()
    items = [record.as_dict() for record in reversed(records[-limit:])]
    # Shown in UTC with Z as every instant is; the signed header (`jws`) keeps its own text.
    return {"items": [{**item, "created_at": utc_text(item["created_at"])} for item in items]}
