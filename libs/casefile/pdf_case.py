"""The case's sections in a PDF: parties, the complaint, regime and clocks, interactions,
escalations, offers, decisions, the final response, ADR eligibility and the referral.

Both PDFs (the history export and the ADR bundle) draw these with the same code, from the
same `CaseFile`. Each section says "none" rather than standing empty.
"""

from __future__ import annotations

from libs.casefile.formatting import BODY_LIMIT, clipped, human_time, money, words
from libs.casefile.model import CaseFile
from libs.casefile.pdf_base import AMBER, GREEN, GREY, RED, CaseFilePdf

STATE_COLOURS = {"met": GREEN, "breached": RED, "pending": AMBER}


def parties(pdf: CaseFilePdf, case: CaseFile) -> None:
    pdf.heading("Parties")
    customer = case.parties.customer
    pdf.subheading("Customer")
    pdf.rows(
        [
            ("Name", customer.name),
            ("Customer id", customer.id),
            ("E-mail", customer.email or "—"),
            ("Telephone", customer.phone or "—"),
            ("Address", customer.address or "—"),
        ]
    )
    pdf.subheading("Firm")
    pdf.rows([("Name", case.parties.firm.name)])
    staff = sorted({(e.actor, e.actor_role) for e in case.events if e.actor})
    pdf.rows([("Staff and systems", "; ".join(f"{a} ({r})" for a, r in staff) or "—")])


def complaint(pdf: CaseFilePdf, case: CaseFile) -> None:
    tz, summary = case.regime.timezone, case.summary
    pdf.heading("The complaint")
    flags = [words(name) for name, on in summary.flags.items() if on]
    pdf.rows(
        [
            ("Status", f"{words(summary.status)} (version {summary.version})"),
            ("Tier", summary.tier),
            ("Category / channel", f"{summary.category} / {summary.channel}"),
            ("External reference", summary.external_ref or "—"),
            ("Received", human_time(summary.received_at, tz)),
            ("Recorded", human_time(summary.recorded_at, tz)),
            ("Acknowledged", human_time(summary.acknowledged_at, tz)),
            ("Amount in dispute", money(summary.amount_in_dispute)),
            ("Desired remedy", summary.desired_remedy or "—"),
            ("Flags set", ", ".join(flags) or "none"),
            ("Reopened", f"{summary.reopen_count} times"),
            ("Description", summary.description),
        ]
    )


def regime_and_clocks(pdf: CaseFilePdf, case: CaseFile) -> None:
    regime, tz = case.regime, case.regime.timezone
    pdf.heading("Regime and deadlines")
    pdf.rows(
        [
            ("Regime", f"{regime.title or regime.name} ({regime.name})"),
            ("Rules", f"{regime.source or '—'}; text of {regime.version or '—'}"),
            (
                "Variant / calendar",
                f"{regime.variant or '—'} / {regime.calendar_subdivision or '—'}",
            ),
            ("Times shown in", f"{tz} (offset from UTC after each time)"),
        ]
    )
    if not case.clocks:
        pdf.none()
    for clock in case.clocks:
        pdf.subheading(f"{clock.name} ({clock.party}'s clock)")
        pdf.line_of(
            clock.state.upper() + (" — approaching" if clock.approaching else ""),
            bold=True,
            color=STATE_COLOURS.get(clock.state, 0),
        )
        met = f"{human_time(clock.met_at, tz)} by {words(clock.met_by or '—')}"
        pdf.rows(
            [
                ("Started", human_time(clock.started_at, tz)),
                ("Due", human_time(clock.due_at, tz)),
                ("Met", met if clock.met_at else "not met"),
                ("Rule", clock.basis or "—"),
                ("How it was computed", clock.explanation or "—"),
            ]
        )


def interactions(pdf: CaseFilePdf, case: CaseFile) -> None:
    """Each interaction in a few lines: when it happened and was recorded, by whom, what;
    its document; its body up to `BODY_LIMIT` characters."""
    tz = case.regime.timezone
    pdf.heading("Interactions")
    if not case.interactions:
        pdf.none()
    marks = case.event_marks()
    altered = {
        str((event.data or {}).get("interaction_id"))
        for event in case.events
        if marks.get(event.version) == "altered"
    }
    for number, item in enumerate(case.interactions, start=1):
        pdf.subheading(f"{number}. {item.kind} ({item.direction}): {item.summary}")
        if item.id in altered:
            pdf.line_of(
                "ALTERED: recorded by an event whose stored content does not match its hash; "
                "shown as stored now, not as recorded",
                size=8,
                bold=True,
                color=RED,
            )
        pdf.line_of(
            f"happened {human_time(item.occurred_at, tz)} · recorded "
            f"{human_time(item.recorded_at, tz)} · by {item.actor or '—'}"
            + (f" · language {item.language}" if item.language else ""),
            size=8,
            color=GREY,
        )
        document = item.document
        if document:
            pdf.rows([("Document", f"{document.filename or document.ref} ({document.media_type})")])
            pdf.mono_rows([("sha256", document.sha256)])
        if item.body:
            pointer = f"the whole body is in case-file.json, interactions[{number - 1}].body"
            pdf.para(clipped(item.body, BODY_LIMIT, pointer))


def escalations_and_offers(pdf: CaseFilePdf, case: CaseFile) -> None:
    tz = case.regime.timezone
    pdf.heading("Escalations")
    if not case.escalations:
        pdf.none()
    for step in case.escalations:
        pdf.rows(
            [
                (
                    "Escalated",
                    f"{step.from_tier} → {step.to_tier}, {human_time(step.occurred_at, tz)}",
                ),
                ("By", step.actor or "—"),
                ("Reason", step.reason),
            ]
        )
    pdf.heading("Offers")
    if not case.offers:
        pdf.none()
    for number, offer in enumerate(case.offers, start=1):
        pdf.subheading(f"Offer {number}: {offer.description}")
        pdf.rows(
            [
                ("Amount", money(offer.amount) if offer.amount else "not in money"),
                ("Made", f"{human_time(offer.made_at, tz)} by {offer.made_by} ({offer.tier})"),
                (
                    "Customer's answer",
                    f"{offer.status} {human_time(offer.responded_at, tz)}"
                    if offer.responded_at
                    else offer.status,
                ),
                ("Customer's comment", offer.customer_comment or "—"),
            ]
        )
