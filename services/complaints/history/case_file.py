"""Builds a complaint's case file (`libs.casefile.CaseFile`) from its stored events.

Everything comes from the event store, never the read model: the events as stored (with
their chain hashes and bytes), the complaint replayed from them, its deadlines as of the
export, the verification verdict and the checkpoint that anchors the chain. The sections
are typed here once; the JSON and both PDFs are renderings of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import EventSourcingError

from libs.casefile.codec import from_json
from libs.casefile.model import (
    FORMAT,
    CaseFile,
    Checkpoint,
    Event,
    ExportedBy,
    Head,
    InclusionProof,
    Verification,
)
from libs.casefile.sections import (
    Adr,
    AdrOutcome,
    Appeal,
    Clock,
    Closure,
    Customer,
    Decisions,
    Document,
    Eligibility,
    Escalation,
    FinalResponse,
    Firm,
    Interaction,
    LetterElement,
    Money,
    Offer,
    Parties,
    Regime,
    Resolution,
    Summary,
    TimeLimitWaiver,
)
from libs.domain.complaint import Complaint
from libs.domain.deadlines.regime import ElementRule, LetterKind
from libs.platform.eventstore.integrity.chain_writes import Head as ChainHead
from libs.platform.eventstore.integrity.merkle import Leaf, inclusion_proof
from libs.platform.runtime.jsonable import jsonable
from services.complaints.history.point_in_time import view_at
from services.complaints.history.queries import ComplaintHistory
from services.complaints.policy import ComplaintPolicy


def build_case_file(
    history: ComplaintHistory,
    policy: ComplaintPolicy,
    complaint_id: UUID,
    *,
    exported_by: ExportedBy,
    correlation_id: str | None,
    firm_name: str,
    now: datetime | None = None,
) -> CaseFile:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    events = history.all_events(complaint_id, with_stored=True)
    verification = history.verify(complaint_id)
    complaint = _replayed(history, complaint_id, events)
    state = view_at(complaint, policy, moment)
    regime = policy.regime(complaint.regime)
    letter_rule = regime.letter(LetterKind.FINAL_RESPONSE)
    letter_basis = letter_rule.basis if letter_rule else None
    last = events[-1]
    return CaseFile(
        format=FORMAT,
        complaint_id=str(complaint_id),
        exported_at=moment,
        exported_by=exported_by,
        request_correlation_id=correlation_id,
        head=Head(version=int(last["version"]), hash=str(last["hash"] or "")),
        checkpoint=_checkpoint(history, complaint_id),
        verification=from_json(Verification, verification),
        parties=Parties(
            customer=from_json(Customer, jsonable(complaint.customer)), firm=Firm(firm_name)
        ),
        regime=Regime(
            name=regime.name,
            title=regime.title,
            source=regime.source,
            version=regime.version or None,
            timezone=regime.calendar.timezone,
            variant=complaint.regime_variant,
            calendar_subdivision=complaint.calendar_subdivision,
        ),
        summary=_summary(complaint, state),
        clocks=tuple(from_json(Clock, clock) for clock in state["deadlines"]),
        interactions=tuple(_interaction(item) for item in state["interactions"]),
        escalations=tuple(from_json(Escalation, item) for item in state["escalations"]),
        offers=tuple(_offer(item) for item in state["offers"]),
        decisions=_decisions(state),
        final_response=_final_response(
            state["final_response"], regime.final_response, letter_basis
        ),
        eligibility=_eligibility(state["adr"]),
        adr=_adr(state["adr"]),
        documents=tuple(_document(item) for item in state["interactions"] if item.get("document")),
        events=tuple(from_json(Event, event) for event in events),
        state=state,
    )


def _replayed(
    history: ComplaintHistory, complaint_id: UUID, events: list[dict[str, Any]]
) -> Complaint:
    """The complaint replayed to its head; when the stored events no longer replay (one
    was deleted or rewritten), to the last version before the first damaged one, so that
    the file still shows what can be shown, and its verification says why no more."""
    application = history.application
    try:
        return application.complaint(complaint_id)
    except (EventSourcingError, ValueError, KeyError, TypeError):
        pass
    version = 0
    for event in events:  # the versions before the first gap or unreadable row
        if event["version"] != version + 1 or event.get("decode_error"):
            break
        version = event["version"]
    while version >= 1:
        try:
            return application.complaint(complaint_id, version=version)
        except (EventSourcingError, ValueError, KeyError, TypeError):
            version -= 1
    raise DamagedHistory(complaint_id)


class DamagedHistory(EventSourcingError):
    """Not even the complaint's first event replays."""

    def __init__(self, complaint_id: UUID) -> None:
        super().__init__(f"complaint {complaint_id}: no stored event replays")


def _checkpoint(history: ComplaintHistory, complaint_id: UUID) -> Checkpoint | None:
    """The latest checkpoint whose leaves hold this complaint, read from the recorder as
    `ComplaintHistory.verify` reads its anchor."""
    recorder = history.recorder
    anchored = recorder.latest_anchor(complaint_id)
    if anchored is None:
        return None
    seq, version, digest = anchored
    latest = recorder.select_checkpoints(latest_only=True)
    records = latest if latest and latest[0].seq == seq else recorder.select_checkpoints()
    record = next((r for r in records if r.seq == seq), None)
    if record is None:  # the leaves outlived their checkpoint row: verification says so
        return None
    return Checkpoint(
        seq=record.seq,
        created_at=record.created_at,
        root=record.root,
        hash=record.hash,
        prev_hash=record.prev_hash,
        position=record.position,
        aggregates=record.aggregates,
        anchored_version=version,
        anchored_hash=digest,
        jws=record.jws,
        inclusion_proof=_inclusion_proof(recorder.checkpoint_leaves(seq), complaint_id),
    )


def _inclusion_proof(heads: list[ChainHead], complaint_id: UUID) -> InclusionProof | None:
    leaves = sorted(Leaf(str(oid), version, digest) for oid, version, digest in heads)
    index = next(
        (i for i, leaf in enumerate(leaves) if leaf.originator_id == str(complaint_id)), None
    )
    if index is None:
        return None
    return InclusionProof(index=index, size=len(leaves), path=inclusion_proof(leaves, index))


def _money(amount: Any, currency: Any) -> Money | None:
    return Money(str(amount), str(currency)) if amount is not None and currency else None


def _summary(complaint: Complaint, state: Mapping[str, Any]) -> Summary:
    disputed = state["amount_in_dispute"]
    return from_json(  # type: ignore[no-any-return]
        Summary,
        {
            **{key: state[key] for key in ("version", "status", "tier", "category", "channel")},
            **{key: state[key] for key in ("description", "received_at", "recorded_at")},
            "external_ref": state["external_ref"],
            "amount_in_dispute": disputed,
            "desired_remedy": state["desired_remedy"],
            "acknowledged_at": state["acknowledged_at"],
            "flags": state["flags"],
            "reopen_count": complaint.reopen_count,
        },
    )


def _document(interaction: Mapping[str, Any]) -> Document:
    document = interaction["document"]
    return Document(
        ref=str(document.get("storage_ref") or document.get("ref") or ""),
        sha256=str(document.get("sha256") or ""),
        media_type=str(document.get("media_type") or ""),
        size=document.get("size"),
        filename=document.get("filename"),
        summary=interaction.get("summary"),
        interaction_id=interaction.get("id"),
    )


def _interaction(item: Mapping[str, Any]) -> Interaction:
    plain: Interaction = from_json(Interaction, {**item, "document": None})
    return replace(plain, document=_document(item) if item.get("document") else None)


def _offer(item: Mapping[str, Any]) -> Offer:
    offer: Offer = from_json(Offer, {**item, "amount": None})
    return replace(offer, amount=_money(item["amount"], item["currency"]))


def _decisions(state: Mapping[str, Any]) -> Decisions:
    resolution, closure, waiver = state["resolution"], state["closure"], state["time_limit_waiver"]
    decided: Resolution | None = None
    if resolution:
        decided = replace(
            from_json(Resolution, {**resolution, "redress": None}),
            redress=_money(resolution["redress_amount"], resolution["currency"]),
        )
    return Decisions(
        resolution=decided,
        appeals=tuple(from_json(Appeal, appeal) for appeal in state["appeals"]),
        time_limit_waiver=from_json(TimeLimitWaiver, waiver) if waiver else None,
        closure=from_json(Closure, closure) if closure else None,
    )


def _final_response(
    record: Mapping[str, Any] | None, rules: tuple[ElementRule, ...], letter_basis: str | None
) -> FinalResponse | None:
    """The letter, with each element the regime requires (stated or not) and any other the
    letter stated."""
    if not record:
        return None
    stated = record.get("elements") or {}
    elements = [
        LetterElement(
            name=name,
            value=stated.get(name),
            required=True,
            description=rule.description,
            basis=rule.basis or letter_basis,
        )
        for rule in rules
        for name in (rule.name,)
    ]
    elements += [
        LetterElement(name=name, value=value, required=False)
        for name, value in stated.items()
        if name not in {rule.name for rule in rules}
    ]
    letter: FinalResponse = from_json(FinalResponse, {**record, "elements": []})
    return replace(letter, elements=tuple(elements))


def _eligibility(adr: Mapping[str, Any] | None) -> Eligibility | None:
    if not adr:
        return None
    assessment = adr.get("eligibility") or {}
    return from_json(  # type: ignore[no-any-return]
        Eligibility,
        {
            "eligible": bool(assessment.get("eligible")),
            "as_of": assessment.get("as_of"),
            "criteria": assessment.get("criteria") or [],
            "override_justification": adr.get("override_justification"),
        },
    )


def _adr(adr: Mapping[str, Any] | None) -> Adr | None:
    if not adr:
        return None
    referral: Adr = from_json(Adr, {**adr, "outcome": None})
    outcome = adr.get("outcome")
    if not outcome:
        return referral
    award = outcome.get("award") if isinstance(outcome.get("award"), dict) else None
    money = _money(award.get("amount"), award.get("currency")) if award else None
    concluded: AdrOutcome = from_json(AdrOutcome, {**outcome, "award": award})
    return replace(referral, outcome=replace(concluded, award_money=money))
