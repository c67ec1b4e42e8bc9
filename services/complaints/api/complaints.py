"""/v1/complaints: open a complaint, read one, list them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from libs.domain.values import Category, Status
from libs.platform.http.etags import NOT_MODIFIED, not_modified
from libs.platform.http.free_text import single_line
from libs.platform.http.instants import Instant
from libs.platform.http.json_body import JSONBody
from libs.platform.http.openapi_contract import ETAG, LOCATION, success_headers
from libs.platform.http.problems import invalid_field
from libs.platform.http.query_parameters import KnownQueryParameters
from services.complaints.api.commands import (
    command_context,
    complaint_response,
    current_document,
    etag,
    parse_complaint_id,
)
from services.complaints.api.deps import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    App,
    Idempotent,
    IdempotentRequest,
    Principal,
    Reader,
    Writer,
    projector,
    read_engine,
)
from services.complaints.api.legal_entity_scope import (
    LegalEntityFilter,
    directory,
    entity_for_new_complaint,
    hides_everything,
    visible_entity,
)
from services.complaints.api.list_filters import (
    FlagName,
    check_clock_filter,
    check_regime_filter,
)
from services.complaints.api.problems import complaint_problems
from services.complaints.api.representation import summary_view
from services.complaints.api.schemas import ComplaintPage, ComplaintView, OpenComplaint
from services.complaints.application import ComplaintsApplication
from services.complaints.history.point_in_time import complaint_at, view_at
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.projector import ComplaintListProjector
from services.complaints.readmodel.queries import ComplaintFilter, InvalidCursor, list_complaints
from services.complaints.use_cases import commands, intake
from services.complaints.use_cases.caller import Caller

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

MAX_PAGE = 200
# Filters are compared with stored text: no control characters (PostgreSQL cannot hold NUL).
TierFilter = single_line(64, min_length=0, trim=False)
IdFilter = single_line(200, min_length=0, trim=False)


@router.post(
    "",
    status_code=201,
    response_model=ComplaintView,
    responses={**WRITE_PROBLEMS, **success_headers(201, ETag=ETAG, Location=LOCATION)},
    summary="Open a complaint",
)
def open_complaint(
    body: OpenComplaint,
    request: Request,
    principal: Principal = Writer,
    idempotent: IdempotentRequest = Idempotent,
    application: ComplaintsApplication = App,
) -> Response:
    policy: ComplaintPolicy = request.app.state.policy
    settings = request.app.state.settings
    # Refused before the idempotency key is claimed, so a request mended after this refusal
    # may use its key again (the use case checks again: the rule is its to keep).
    entities = directory(request)
    entity_id = entity_for_new_complaint(principal, body.legal_entity, entities)
    entity = entities.get(entity_id)
    # What the request leaves unsaid follows the entity's defaults.
    given = body.model_fields_set
    regime = body.regime if "regime" in given or entity is None else entity.default_regime
    subdivision = body.calendar_subdivision
    if "calendar_subdivision" not in given and entity is not None:
        subdivision = entity.calendar_subdivision
    with complaint_problems():
        intake.check_regime(policy, regime, body.regime_variant)
    amount = body.amount_in_dispute
    command = commands.OpenComplaint(
        # Without a language the customer is recorded as it always was (no `language` key).
        customer=body.customer.model_dump(
            exclude={"language"} if body.customer.language is None else set()
        ),
        channel=body.channel.value,
        category=body.category.value,
        description=body.description,
        amount_in_dispute=amount.amount if amount else None,
        currency=amount.currency if amount else None,
        desired_remedy=body.desired_remedy,
        regime=regime,
        regime_variant=body.regime_variant,
        calendar_subdivision=subdivision,
        external_ref=body.external_ref,
        flags=body.flags.model_dump(),
        legal_entity=entity_id,
    )

    def produce() -> JSONResponse:
        with complaint_problems():
            context = command_context(
                principal, idempotent.command_id, body.occurred_at, settings.backdate_window
            )
            return intake.open_complaint(
                application,
                policy,
                settings.ladder,
                command,
                Caller(
                    context, present=lambda complaint: complaint_response(complaint, policy, 201)
                ),
            )

    return idempotent.run(produce)


@router.get(
    "/{complaint_id}",
    response_model=ComplaintView,
    responses={**READ_PROBLEMS, **NOT_MODIFIED, **success_headers(200, ETag=ETAG)},
    summary="A complaint as it stands now",
)
def get_complaint(
    complaint_id: str,
    request: Request,
    _: Principal = Reader,
    application: ComplaintsApplication = App,
    version: Annotated[
        int | None, Query(description="The complaint as it stood at this version (replayed)")
    ] = None,
    as_of: Annotated[
        Instant | None, Query(description="The complaint as recorded at this RFC 3339 time")
    ] = None,
) -> Response:
    if version is not None or as_of is not None:
        past, moment = complaint_at(
            application, parse_complaint_id(complaint_id), version=version, as_of=as_of
        )
        unchanged = not_modified(request, etag(past))
        if unchanged is not None:
            return unchanged
        view = view_at(past, request.app.state.policy, moment)
        return JSONBody(view, headers={"ETag": etag(past)})
    with complaint_problems():
        complaint = application.complaint(parse_complaint_id(complaint_id))
    document = current_document(complaint, request.app.state.policy)
    tag = etag(complaint, document)
    return not_modified(request, tag) or JSONBody(document, headers={"ETag": tag})


@router.get(
    "",
    response_model=ComplaintPage,
    responses=READ_PROBLEMS,
    summary="List complaints, newest first",
    operation_id="listComplaints",
)
def list_all(
    request: Request,
    principal: Principal = Reader,
    _known: None = KnownQueryParameters,
    engine: Engine = Depends(read_engine),
    projection: ComplaintListProjector = Depends(projector),
    status: Status | None = None,
    tier: Annotated[TierFilter | None, Query()] = None,
    category: Category | None = None,
    customer_id: Annotated[IdFilter | None, Query()] = None,
    external_ref: Annotated[IdFilter | None, Query()] = None,
    received_from: Instant | None = None,
    received_to: Instant | None = None,
    due_before: Annotated[
        Instant | None, Query(description="Only complaints with a deadline running before this")
    ] = None,
    breached: Annotated[
        bool | None,
        Query(
            description="Only complaints with (true) or without (false) a deadline breached "
            "now: met late, or past due and unmet"
        ),
    ] = None,
    regime: Annotated[str | None, Query(max_length=32, description="Only this regime")] = None,
    regime_variant: Annotated[
        str | None, Query(max_length=64, description="Only complaints under this variant")
    ] = None,
    flag: Annotated[
        list[FlagName] | None, Query(description="Only complaints with each of these flags set")
    ] = None,
    deadline: Annotated[
        str | None,
        Query(max_length=64, description="Only complaints with this clock (e.g. final_response)"),
    ] = None,
    legal_entity: LegalEntityFilter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ComplaintPage:
    policy: ComplaintPolicy = request.app.state.policy
    check_regime_filter(policy, regime, regime_variant)
    check_clock_filter(policy, deadline)
    if hides_everything(principal, legal_entity):
        return ComplaintPage.model_validate({"items": [], "next_cursor": None})
    # Read your own writes: the list catches up with the log before it answers.
    projection.catch_up()
    filters = ComplaintFilter(
        status=status.value if status else None,
        tier=tier,
        category=category.value if category else None,
        customer_id=customer_id,
        external_ref=external_ref,
        received_from=received_from,
        received_to=received_to,
        due_before=due_before,
        breached=breached,
        regime=regime,
        regime_variant=regime_variant,
        flags=tuple(f.value for f in flag or ()),
        deadline=deadline,
        legal_entity=visible_entity(principal, legal_entity),
    )
    try:
        page = list_complaints(engine, filters, limit=limit, cursor=cursor)
    except InvalidCursor as error:
        raise invalid_field("cursor", str(error)) from None
    return ComplaintPage.model_validate(
        {"items": [summary_view(row) for row in page.items], "next_cursor": page.next_cursor}
    )
