"""Request and response bodies. Requests forbid unknown fields (no mass assignment) and
bound every string, so a bad body is refused before anything is recorded."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from libs.domain.values import (
    AppealOutcome,
    Category,
    Channel,
    Direction,
    InteractionKind,
    ResolutionOutcome,
)

MAX_DESCRIPTION = 20_000
MAX_BODY_TEXT = 100_000
MAX_LETTER = 50_000

Text = Annotated[str, StringConstraints(min_length=1, max_length=2_000, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=5_000, strip_whitespace=True)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
OccurredAt = Annotated[
    AwareDatetime | None,
    Field(
        description="When this happened in the world, if not now (RFC 3339 with offset). "
        "The event also records when it was recorded."
    ),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Money(Request):
    amount: Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
    currency: Currency


class CustomerIn(Request):
    id: Name
    name: Name
    email: (
        Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    address: Annotated[str, StringConstraints(max_length=1_000)] | None = None


class FlagsIn(Request):
    legal: bool = False
    regulatory: bool = False
    vulnerable_customer: bool = False
    public_attention: bool = False
    long_standing_customer: bool = False
    relationship_at_risk: bool = False
    regulator_contacted: bool = False


class ChangeFlags(Request):
    """Only the flags named change."""

    legal: bool | None = None
    regulatory: bool | None = None
    vulnerable_customer: bool | None = None
    public_attention: bool | None = None
    long_standing_customer: bool | None = None
    relationship_at_risk: bool | None = None
    regulator_contacted: bool | None = None
    occurred_at: OccurredAt = None


class OpenComplaint(Request):
    customer: CustomerIn
    channel: Channel
    category: Category
    description: Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_DESCRIPTION, strip_whitespace=True)
    ]
    amount_in_dispute: Money | None = None
    desired_remedy: Text | None = None
    regime: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "default"
    regime_variant: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        None, description="A variant of the regime, e.g. 'superannuation' or 'hardship'"
    )
    calendar_subdivision: Annotated[str, StringConstraints(max_length=16)] | None = None
    external_ref: Name | None = None
    flags: FlagsIn = Field(default_factory=FlagsIn)
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer": {
                        "id": "C-1001",
                        "name": "Ada Lovelace",
                        "email": "ada@example.com",
                    },
                    "channel": "email",
                    "category": "billing",
                    "description": "I was charged twice for my March subscription.",
                    "amount_in_dispute": {"amount": "42.50", "currency": "GBP"},
                    "desired_remedy": "Refund of the duplicate charge",
                    "regime": "uk-fca-disp",
                    "external_ref": "CRM-123",
                }
            ]
        },
    )


class DocumentRef(Request):
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    media_type: Annotated[str, StringConstraints(max_length=127, pattern=r"^[\w.+-]+/[\w.+-]+$")]
    size: Annotated[int, Field(ge=0, le=10 * 1024**4)]
    storage_ref: Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
    filename: Annotated[str, StringConstraints(max_length=255)] | None = None


class RecordInteraction(Request):
    kind: InteractionKind
    direction: Direction
    summary: Text
    body: Annotated[str, StringConstraints(max_length=MAX_BODY_TEXT)] | None = None
    document: DocumentRef | None = None
    language: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")] | None
    ) = Field(None, description="BCP 47 language tag of the interaction, e.g. en-GB or cy")
    occurred_at: OccurredAt = None


class Escalate(Request):
    reason: Text
    to_tier: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    occurred_at: OccurredAt = None


class MakeOffer(Request):
    description: Text
    amount: Money | None = None
    occurred_at: OccurredAt = None


class RespondToOffer(Request):
    decision: Literal["accepted", "rejected"]
    customer_comment: Text | None = None
    occurred_at: OccurredAt = None


class Resolve(Request):
    outcome: ResolutionOutcome
    summary: LongText
    remedy: Text | None = None
    redress: Money | None = None
    occurred_at: OccurredAt = None


ElementName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ElementValue = bool | Annotated[str, StringConstraints(max_length=2_000)]


def letter_elements(letter: str, example: str) -> Any:
    """The `elements` of a regulated letter: what it contains, checked against the regime."""
    return Field(
        default_factory=dict,
        max_length=32,
        description=f"What the {letter} contains, as the complaint's regime requires it "
        f"(GET /v1/regimes/{{name}} lists each letter's elements and the rule for each), e.g. "
        f"{example}. A letter missing any is refused (422 letter-incomplete) with the list of "
        "what is missing, and nothing is recorded. Under a regime that requires nothing of "
        "this letter, leave it out.",
    )


class IssueFinalResponse(Request):
    letter: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LETTER)]
    elements: dict[ElementName, ElementValue] = Field(
        default_factory=dict,
        max_length=32,
        description="What the letter contains, as the complaint's regime requires it, e.g. "
        "under uk-fca-disp: decision (accepted_with_redress | redress_without_acceptance | "
        "rejected_with_reasons), ombudsman_leaflet_enclosed, ombudsman_website, "
        "may_refer_now_and_within_6_months, time_limit_waiver_stated. A letter missing any "
        "is refused with the list of what is missing.",
    )
    occurred_at: OccurredAt = None


class IssueSummaryResolution(Request):
    outcome: ResolutionOutcome
    summary: LongText
    remedy: Text | None = None
    message: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LETTER)] = Field(
        description="The summary resolution communication sent to the customer"
    )
    elements: dict[ElementName, ElementValue] = letter_elements(
        "summary resolution communication",
        "under uk-fca-disp (DISP 1.5.4R): resolved_stated, may_refer_to_ombudsman, "
        "time_limit_waiver_stated, ombudsman_website, further_information_on_website",
    )
    occurred_at: OccurredAt = None


class ReferToAdr(Request):
    preferred_method: Literal["mediation", "arbitration", "conciliation"] | None = None
    preferred_provider_id: (
        Annotated[str, StringConstraints(min_length=1, max_length=200)] | None
    ) = None
    override_justification: (
        Annotated[str, StringConstraints(min_length=1, max_length=5_000, strip_whitespace=True)]
        | None
    ) = Field(
        None,
        description="Refer although internal processes are not exhausted (supervisors and "
        "above): at least a sentence saying why. Recorded with the referral.",
    )
    occurred_at: OccurredAt = None


class DecideTimeLimitWaiver(Request):
    consents: StrictBool = Field(
        description="true: the firm consents to the ombudsman (or ADR entity) considering the "
        "complaint after the regime's referral window (DISP 2.8.2R); false: it does not. "
        "A consent cannot be withdrawn; a refusal may later become a consent."
    )
    note: Text | None = Field(None, description="Why, or where the decision was made")
    occurred_at: OccurredAt = None


class AnswerAdrEntity(Request):
    message: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LETTER)] = Field(
        description="What the firm answered the ADR entity (sent by the entity's own channel)"
    )
    participates: Annotated[bool, Field(strict=True)] | None = Field(
        None,
        description="Whether the firm agrees to take part in the ADR procedure, where the "
        "entity asked (under Directive (EU) 2025/2647 no answer counts as a refusal)",
    )
    occurred_at: OccurredAt = None


class LodgeAppeal(Request):
    grounds: LongText
    occurred_at: OccurredAt = None


class DecideAppeal(Request):
    outcome: AppealOutcome
    decided_at_tier: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    reasons: LongText
    occurred_at: OccurredAt = None


class Acknowledge(Request):
    message: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LETTER)]
    channel: Channel
    elements: dict[ElementName, ElementValue] = letter_elements(
        "acknowledgement",
        "under uk-fca-disp and uk-psd (DISP 1.6.1R as amended from 1 June 2026): "
        "receipt_confirmed, response_timeframes_stated",
    )
    occurred_at: OccurredAt = None


class SendHoldingReply(Request):
    reason: Text
    message: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LETTER)]
    elements: dict[ElementName, ElementValue] = letter_elements(
        "holding reply",
        "under uk-psd (DISP 1.6.2AR(2)(a)): delay_reasons_given, final_response_by "
        "(YYYY-MM-DD). Only a reply that passes the check is recorded, so only such a reply "
        "extends a deadline",
    )
    occurred_at: OccurredAt = None


class Reopen(Request):
    reason: Text
    occurred_at: OccurredAt = None


class Close(Request):
    reason: Text
    occurred_at: OccurredAt = None


# -- responses -------------------------------------------------------------------------


class DeadlineView(BaseModel):
    clock: str
    name: str
    party: Literal["firm", "adr_entity", "customer"]
    started_at: datetime
    due_at: datetime
    state: Literal["pending", "met", "breached"]
    approaching: bool = Field(description="Pending, and within the warning lead time")
    approaching_from: datetime = Field(
        description="When the warning lead time begins: the lead the regime declares for "
        "this clock (see its explanation), never before half the clock has run"
    )
    met_at: datetime | None
    met_by: str | None
    basis: str
    explanation: str


class TimeLimitWaiverView(BaseModel):
    consents: bool
    decided_at: datetime
    decided_by: str
    decided_by_role: str
    note: str | None


class ComplaintView(BaseModel):
    """A complaint as it stands (or stood, at a past version)."""

    id: str
    version: int
    status: str
    tier: str
    regime: str
    regime_variant: str | None
    calendar_subdivision: str | None
    customer: dict[str, Any]
    channel: str
    category: str
    description: str
    amount_in_dispute: dict[str, str] | None
    desired_remedy: str | None
    external_ref: str | None
    flags: dict[str, bool]
    ladder: list[str]
    received_at: datetime
    recorded_at: datetime
    updated_at: datetime
    interactions: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    resolution: dict[str, Any] | None
    final_response: dict[str, Any] | None
    appeals: list[dict[str, Any]]
    acknowledged_at: datetime | None
    holding_replies: list[dict[str, Any]]
    deadline_alerts: list[dict[str, Any]]
    adr: dict[str, Any] | None
    closure: dict[str, Any] | None
    reopen_count: int
    last_progress_at: datetime
    deadlines: list[DeadlineView]
    time_limit_waiver: TimeLimitWaiverView | None = Field(
        None,
        description="The firm's recorded decision on waiving the referral window "
        "(POST .../time-limit-waiver); null while none is recorded",
    )


class CriterionView(BaseModel):
    name: str
    met: bool
    reason: str
    facts: dict[str, Any]


class EligibilityView(BaseModel):
    complaint_id: str
    as_of: datetime
    eligible: bool
    criteria: list[CriterionView]


class ComplaintSummary(BaseModel):
    id: str
    version: int
    status: str
    tier: str
    category: str
    channel: str
    regime: str
    regime_variant: str | None = None
    customer_id: str
    customer_name: str
    external_ref: str | None
    amount_in_dispute: dict[str, str] | None
    flags: dict[str, bool]
    received_at: datetime
    updated_at: datetime
    next_deadline: str | None = Field(description="The firm's earliest deadline still running")
    next_deadline_at: datetime | None
    breached: bool = Field(
        description="Some deadline of the firm's (or the ADR entity's) is breached now: met "
        "late, or past due and unmet"
    )
    breached_deadlines: list[str] = Field(
        default_factory=list, description="The clocks breached now, earliest due first"
    )


class ComplaintPage(BaseModel):
    items: list[ComplaintSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


# -- regimes ---------------------------------------------------------------------------


class RegimeSummary(BaseModel):
    name: str
    title: str
    source: str = Field(description="The rules the regime encodes")
    version: str = Field(description="Which text of those rules (e.g. its last amendment)")
    effective_from: date | None = Field(description="The day from which that text applies")
    href: str


class RegimeList(BaseModel):
    items: list[RegimeSummary]


class RegimeDocument(BaseModel):
    """Everything a regime says, read from its file: a field the regime model gains appears
    here as it is, so more may be present than is listed."""

    model_config = ConfigDict(extra="allow")

    name: str
    title: str
    source: str
    version: str
    effective_from: date | None
    calendar: dict[str, Any] = Field(description="timezone, and the holiday calendar")
    clocks: list[dict[str, Any]] = Field(
        description="Each clock: what starts and stops it, its period (unit and length), the "
        "rule it encodes (basis), any early resolution, extension, pause and variants"
    )
    variants: dict[str, str]
    letters: dict[str, dict[str, Any]] = Field(
        description="Each regulated letter by kind (acknowledgement, holding_reply, "
        "summary_resolution, final_response): its title, the rule, and the elements it must "
        "contain, each with its kind, description, rule and effective date"
    )
