"""Request and response bodies. Requests forbid unknown fields (no mass assignment), bound
every string, keep control characters out of text, take only ISO 4217 currencies, strict
booleans and RFC 3339 date-times, so a bad body is refused before anything is recorded (see
docs/api-conventions.md, "What the API refuses")."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from libs.domain.values import (
    AppealOutcome,
    Category,
    Channel,
    Direction,
    InteractionKind,
    ResolutionOutcome,
)
from libs.platform.http.currencies import Currency
from libs.platform.http.free_text import ALL_CONTROLS, multi_line, single_line, without_controls
from libs.platform.http.instants import Instant

MAX_DESCRIPTION = 20_000
#: An interaction's body (a note, a message, a transcript): 20,000 characters, about 3,300
#: words or eight typed pages, which the longest complaint letter we have seen fits in, and
#: the same bound as the complaint's own description. Anything longer (a statement, a
#: scanned letter, call recordings) is a document, sent by reference (`document`, with its
#: sha256), not as text. The bound also bounds what an export renders per event: it was
#: 100,000, and 100 notes of 99 KB made one complaint's PDF take minutes (issue 18).
MAX_BODY_TEXT = 20_000
MAX_LETTER = 50_000

# Free text (libs/platform/http/free_text.py): multi-line text may hold TAB, LF and CR and
# no other control character; single-line text (names, ids, codes) none at all.
Text = multi_line(2_000)
LongText = multi_line(5_000)
Description = multi_line(MAX_DESCRIPTION)
Letter = multi_line(MAX_LETTER, trim=False)
Name = single_line(200)
Code = single_line(64, trim=False)
RegimeName = single_line(32, trim=False)
#: A legal entity's id: lower-case letters, digits and '-' (see libs.domain.legal_entities).
LegalEntityId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Subdivision = single_line(16, min_length=0, trim=False)
Phone = single_line(40, min_length=0, trim=False)
Address = multi_line(1_000, min_length=0, trim=False)
StorageRef = single_line(1_000, trim=False)
Filename = single_line(255, min_length=0, trim=False)
BodyText = multi_line(MAX_BODY_TEXT, min_length=0, trim=False)
ProviderId = single_line(200, trim=False)
OccurredAt = Annotated[
    Instant | None,
    Field(
        description="When this happened in the world, if not now (RFC 3339 with offset). "
        "The event also records when it was recorded."
    ),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


AMOUNT_TEXT = r"^[0-9]{1,14}(\.[0-9]{1,2})?$"


def _amount(value: object) -> object:
    # A string is read only in the plain form the schema shows ("42.50"), not as anything
    # Python's Decimal would take ("4.25e1", " 42.5", "+42.50", "NaN").
    if isinstance(value, bool) or (isinstance(value, str) and not re.fullmatch(AMOUNT_TEXT, value)):
        raise PydanticCustomError(
            "money_amount",
            "an amount is a number or a string like '42.50': at most 14 digits, 2 decimals",
        )
    return value


Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=16, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMaximum": 10**14,
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": AMOUNT_TEXT},
            ],
            "description": "At most 14 digits before the point and 2 after, not negative",
        }
    ),
    BeforeValidator(_amount),
]


class Money(Request):
    """A sum of money in an ISO 4217 currency (libs/platform/http/currencies.py)."""

    amount: Amount
    currency: Currency


Email = Annotated[
    str,
    StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$"),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 320,
            "pattern": rf"^[^@\s{ALL_CONTROLS}]+@[^@\s{ALL_CONTROLS}]+$",
        }
    ),
    without_controls(320, multi_line=False),
]


LanguageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]


class CustomerIn(Request):
    id: Name
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None
    language: LanguageTag | None = Field(
        None,
        description="The language the customer is written to in (BCP 47, e.g. en-GB or cy): "
        "the notifications service sends its e-mails in it where it has templates for it",
    )


class FlagsIn(Request):
    """Strict booleans: `true` or `false`; "yes", "true", 1 or "on" are refused."""

    legal: StrictBool = False
    regulatory: StrictBool = False
    vulnerable_customer: StrictBool = False
    public_attention: StrictBool = False
    long_standing_customer: StrictBool = False
    relationship_at_risk: StrictBool = False
    regulator_contacted: StrictBool = False


class ChangeFlags(Request):
    """Only the flags named change (strict booleans, as in `FlagsIn`)."""

    legal: StrictBool | None = None
    regulatory: StrictBool | None = None
    vulnerable_customer: StrictBool | None = None
    public_attention: StrictBool | None = None
    long_standing_customer: StrictBool | None = None
    relationship_at_risk: StrictBool | None = None
    regulator_contacted: StrictBool | None = None
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"vulnerable_customer": True, "regulator_contacted": False}]
        }
    )


class OpenComplaint(Request):
    customer: CustomerIn
    channel: Channel
    category: Category
    description: Description
    amount_in_dispute: Money | None = None
    desired_remedy: Text | None = None
    regime: RegimeName = "default"
    regime_variant: RegimeName | None = Field(
        None, description="A variant of the regime, e.g. 'superannuation' or 'hardship'"
    )
    calendar_subdivision: Subdivision | None = None
    external_ref: Name | None = None
    flags: FlagsIn = Field(default_factory=FlagsIn)
    occurred_at: OccurredAt = None
    legal_entity: LegalEntityId | None = Field(
        None,
        description="The legal entity the complaint belongs to. A key scoped to one entity "
        "opens complaints for it (naming another is refused); a group-wide key must name "
        "one unless the deployment has only one. Unset regime and calendar subdivision "
        "default to the entity's.",
    )

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
    storage_ref: StorageRef
    filename: Filename | None = None


class RecordInteraction(Request):
    kind: InteractionKind
    direction: Direction
    summary: Text
    body: BodyText | None = Field(
        None,
        description=f"The text of the note, message or call (at most {MAX_BODY_TEXT:,} "
        "characters; longer material is a `document`, sent by reference)",
    )
    document: DocumentRef | None = None
    language: LanguageTag | None = Field(
        None, description="BCP 47 language tag of the interaction, e.g. en-GB or cy"
    )
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "call",
                    "direction": "inbound",
                    "summary": "Customer rang, upset",
                }
            ]
        }
    )


class Escalate(Request):
    reason: Text
    to_tier: Code | None = None
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Asked for a supervisor"}]}
    )


class MakeOffer(Request):
    description: Text
    amount: Money | None = None
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "description": "Refund of the duplicate charge",
                    "amount": {"amount": "42.50", "currency": "GBP"},
                }
            ]
        }
    )


class RespondToOffer(Request):
    decision: Literal["accepted", "rejected"]
    customer_comment: Text | None = None
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"decision": "accepted", "customer_comment": "Thank you"}]}
    )


class Resolve(Request):
    outcome: ResolutionOutcome
    summary: LongText
    remedy: Text | None = None
    redress: Money | None = None
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "upheld",
                    "summary": "Duplicate charge confirmed",
                    "remedy": "Refund",
                    "redress": {"amount": "42.50", "currency": "GBP"},
                }
            ]
        }
    )


ElementName = single_line(64, trim=False)
ElementText = multi_line(2_000, min_length=0, trim=False)
_element_text = without_controls(2_000, multi_line=True).func


def _element_value(value: object) -> object:
    # One rule with one message, where a union would report a failure per branch.
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _element_text(value)
    raise PydanticCustomError("element_value", "an element is true, false or text")


ElementValue = Annotated[
    bool | str,
    PlainValidator(_element_value),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, TypeAdapter(ElementText).json_schema()]}),
]


def _elements_schema(schema: dict[str, Any]) -> None:
    """The rule for names as `propertyNames` and the rule for values as
    `additionalProperties`, not as `patternProperties` with no other property allowed: the
    same object, in the form code generators (openapi-python-client) turn into a map, where
    they would make the other form an object that can hold nothing."""
    patterns = schema.pop("patternProperties", {})
    for pattern, value in patterns.items():
        schema["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": pattern}
        schema["additionalProperties"] = value


def letter_elements(letter: str, example: str) -> Any:
    """The `elements` of a regulated letter: what it contains, checked against the regime."""
    return Field(
        default_factory=dict,
        max_length=32,
        # Names follow the rule for names (propertyNames); any other name is refused.
        json_schema_extra=_elements_schema,
        description=f"What the {letter} contains, as the complaint's regime requires it "
        f"(GET /v1/regimes/{{name}} lists each letter's elements and the rule for each), e.g. "
        f"{example}. A letter missing any is refused (422 letter-incomplete) with the list of "
        "what is missing, and nothing is recorded. Under a regime that requires nothing of "
        "this letter, leave it out.",
    )


class IssueFinalResponse(Request):
    letter: Letter
    elements: dict[ElementName, ElementValue] = Field(
        default_factory=dict,
        max_length=32,
        # A name that breaks the rule for names is refused, whatever its value.
        json_schema_extra=_elements_schema,
        description="What the letter contains, as the complaint's regime requires it, e.g. "
        "under uk-fca-disp: decision (accepted_with_redress | redress_without_acceptance | "
        "rejected_with_reasons), ombudsman_leaflet_enclosed, ombudsman_website, "
        "may_refer_now_and_within_6_months, time_limit_waiver_stated. A letter missing any "
        "is refused with the list of what is missing.",
    )
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "letter": "Dear Ms Lovelace, ...",
                    "elements": {
                        "decision": "accepted_with_redress",
                        "ombudsman_leaflet_enclosed": True,
                        "ombudsman_website": "https://www.financial-ombudsman.org.uk",
                        "may_refer_now_and_within_6_months": True,
                        "time_limit_waiver_stated": True,
                    },
                }
            ]
        }
    )


class IssueSummaryResolution(Request):
    outcome: ResolutionOutcome
    summary: LongText
    remedy: Text | None = None
    message: Letter = Field(description="The summary resolution communication sent to the customer")
    elements: dict[ElementName, ElementValue] = letter_elements(
        "summary resolution communication",
        "under uk-fca-disp (DISP 1.5.4R): resolved_stated, may_refer_to_ombudsman, "
        "time_limit_waiver_stated, ombudsman_website, further_information_on_website",
    )
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "upheld",
                    "summary": "Duplicate charge refunded within three business days",
                    "remedy": "Refund",
                    "message": "Dear Ms Lovelace, we have refunded the duplicate charge. ...",
                }
            ]
        }
    )


class ReferToAdr(Request):
    preferred_method: Literal["mediation", "arbitration", "conciliation"] | None = None
    preferred_provider_id: ProviderId | None = None
    override_justification: LongText | None = Field(
        None,
        description="Refer although internal processes are not exhausted (supervisors and "
        "above): at least a sentence saying why. Recorded with the referral.",
    )
    occurred_at: OccurredAt = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"preferred_method": "mediation"}]})


class DecideTimeLimitWaiver(Request):
    consents: StrictBool = Field(
        description="true: the firm consents to the ombudsman (or ADR entity) considering the "
        "complaint after the regime's referral window (DISP 2.8.2R); false: it does not. "
        "A consent cannot be withdrawn; a refusal may later become a consent."
    )
    note: Text | None = Field(None, description="Why, or where the decision was made")
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"consents": True, "note": "Agreed at the case review"}]}
    )


class AnswerAdrEntity(Request):
    message: Letter = Field(
        description="What the firm answered the ADR entity (sent by the entity's own channel)"
    )
    participates: Annotated[bool, Field(strict=True)] | None = Field(
        None,
        description="Whether the firm agrees to take part in the ADR procedure, where the "
        "entity asked (under Directive (EU) 2025/2647 no answer counts as a refusal)",
    )
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"message": "We agree to take part in the mediation.", "participates": True}
            ]
        }
    )


class LodgeAppeal(Request):
    grounds: LongText
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"grounds": "The refund came without interest"}]}
    )


class DecideAppeal(Request):
    outcome: AppealOutcome
    decided_at_tier: Code
    reasons: LongText
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "dismissed",
                    "decided_at_tier": "manager",
                    "reasons": "Interest is not due on a refund made within 8 weeks",
                }
            ]
        }
    )


class Acknowledge(Request):
    message: Letter
    channel: Channel
    elements: dict[ElementName, ElementValue] = letter_elements(
        "acknowledgement",
        "under uk-fca-disp and uk-psd (DISP 1.6.1R as amended from 1 June 2026): "
        "receipt_confirmed, response_timeframes_stated",
    )
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message": "Dear Ms Lovelace, we have received your complaint. ...",
                    "channel": "email",
                }
            ]
        }
    )


class SendHoldingReply(Request):
    reason: Text
    message: Letter
    elements: dict[ElementName, ElementValue] = letter_elements(
        "holding reply",
        "under uk-psd (DISP 1.6.2AR(2)(a)): delay_reasons_given, final_response_by "
        "(YYYY-MM-DD). Only a reply that passes the check is recorded, so only such a reply "
        "extends a deadline",
    )
    occurred_at: OccurredAt = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "Waiting for the bank's statement",
                    "message": "Dear Ms Lovelace, we need a little more time. ...",
                }
            ]
        }
    )


class Reopen(Request):
    reason: Text
    occurred_at: OccurredAt = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "New evidence"}]})


class Close(Request):
    reason: Text
    occurred_at: OccurredAt = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Resolved"}]})


# -- responses -------------------------------------------------------------------------


class DeadlineView(BaseModel):
    clock: str
    name: str
    party: Literal["firm", "adr_entity", "customer"]
    started_at: datetime
    due_at: datetime = Field(
        description="When the clock runs out, in UTC (`Z`) like every instant; the end of the "
        "due day on the regime's calendar (see `due_local`)"
    )
    due_local: str = Field(
        description="The same instant as `due_at` in the regime's time zone, with its offset "
        "(e.g. 2026-04-30T23:59:59.999999+01:00): the only local time in the document"
    )
    timezone: str = Field(description="The IANA time zone of `due_local` (the calendar's)")
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
    legal_entity: str = Field(description="The legal entity the complaint belongs to")
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
    legal_entity: str = Field(description="The legal entity the complaint belongs to")
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
