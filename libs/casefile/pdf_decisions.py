"""The firm's and the provider's decisions in a PDF: the resolution, appeals, the time-limit
waiver and closure; the final response with each element its regime requires; and external
ADR: the referral, eligibility criterion by criterion with any override and its
justification, the provider's reports, the outcome and any award."""

from __future__ import annotations

from collections import Counter

from libs.casefile.formatting import BODY_LIMIT, clipped, human_time, money, plain, words
from libs.casefile.model import CaseFile
from libs.casefile.pdf_base import GREY, CaseFilePdf


def decisions(pdf: CaseFilePdf, case: CaseFile) -> None:
    tz, made = case.regime.timezone, case.decisions
    pdf.heading("Decisions")
    if (
        made.resolution is None
        and not made.appeals
        and not made.time_limit_waiver
        and made.closure is None
    ):
        pdf.none()
    if made.resolution:
        r = made.resolution
        pdf.subheading("Resolution")
        pdf.rows(
            [
                ("Outcome", words(r.outcome)),
                (
                    "Decided",
                    f"{human_time(r.resolved_at, tz)} by {r.decided_by} at {r.decided_at_tier}",
                ),
                ("Summary", r.summary),
                ("Remedy", r.remedy or "—"),
                ("Redress", money(r.redress)),
                *([("Summary resolution", r.summary_resolution)] if r.summary_resolution else []),
            ]
        )
    for number, appeal in enumerate(made.appeals, start=1):
        pdf.subheading(f"Appeal {number}")
        pdf.rows(
            [
                ("Grounds", appeal.grounds),
                (
                    "Lodged",
                    f"{human_time(appeal.lodged_at, tz)} by {appeal.lodged_by}, "
                    f"against the {appeal.against_tier} decision",
                ),
                (
                    "Outcome",
                    f"{appeal.outcome or appeal.status} at {appeal.decided_at_tier or '—'}",
                ),
                ("Decided", f"{human_time(appeal.decided_at, tz)} by {appeal.decided_by or '—'}"),
                ("Reasons", appeal.reasons or "—"),
            ]
        )
    if made.time_limit_waiver:
        w = made.time_limit_waiver
        pdf.subheading("Time-limit waiver")
        pdf.rows(
            [
                ("Decision", "the firm consents" if w.consents else "the firm does not consent"),
                ("Decided", f"{human_time(w.decided_at, tz)} by {w.decided_by}"),
                ("Note", w.note or "—"),
            ]
        )
    if made.closure:
        c = made.closure
        pdf.subheading("Closure")
        pdf.rows(
            [
                ("Closed", f"{human_time(c.closed_at, tz)} by {c.closed_by or '—'}"),
                ("Reason", c.reason),
            ]
        )


def final_response(pdf: CaseFilePdf, case: CaseFile) -> None:
    tz, letter = case.regime.timezone, case.final_response
    pdf.heading("Final response")
    if letter is None:
        pdf.none()
        return
    pdf.rows(
        [
            ("Issued", f"{human_time(letter.issued_at, tz)} by {letter.issued_by}"),
            (
                "Superseded",
                f"by appeal {letter.superseded_by_appeal} on {human_time(letter.superseded_at, tz)}"
                if letter.superseded_by_appeal
                else "no",
            ),
            ("Letter", clipped(letter.letter, BODY_LIMIT, "the whole letter is in case-file.json")),
        ]
    )
    pdf.subheading("Elements of the letter")
    if not letter.elements:
        pdf.none()
    bases = Counter(element.basis for element in letter.elements if element.basis)
    common = bases.most_common(1)[0][0] if bases else None
    if common:
        pdf.rows([("Required by", common)])
    for element in letter.elements:
        stated = element.value is not None and element.value is not False
        mark = "✓" if stated else ("✗ MISSING" if element.required else "—")
        own = f" ({element.basis})" if element.basis and element.basis != common else ""
        pdf.rows([(words(element.name), f"{mark} {plain(element.value)}")])
        if element.description:
            pdf.rows(
                [("", f"{'required: ' if element.required else ''}{element.description}{own}")]
            )


def adr(pdf: CaseFilePdf, case: CaseFile) -> None:
    tz = case.regime.timezone
    pdf.heading("External ADR")
    eligibility, referral = case.eligibility, case.adr
    if referral is None:
        pdf.line_of("not referred", color=GREY)
        return
    pdf.rows(
        [
            ("Referral", referral.referral_id),
            ("Referred", f"{human_time(referral.referred_at, tz)} by {referral.referred_by}"),
            ("Requested method", referral.preferred_method or "not stated"),
            ("Requested provider", referral.preferred_provider_id or "not stated"),
            ("Provider", referral.provider_id or "none has reported yet"),
            ("Provider status", referral.provider_status or "—"),
            ("File complete", human_time(referral.file_complete_at, tz)),
        ]
    )
    if eligibility is not None:
        pdf.subheading(
            "Eligibility at referral "
            + ("(eligible)" if eligibility.eligible else "(NOT eligible)")
        )
        pdf.rows([("Assessed", human_time(eligibility.as_of, tz))])
        for criterion in eligibility.criteria:
            pdf.rows(
                [
                    (
                        words(criterion.name),
                        f"{'met' if criterion.met else 'not met'}: {criterion.reason}",
                    )
                ]
            )
        pdf.rows(
            [
                (
                    "Override",
                    f"justification: {eligibility.override_justification}"
                    if eligibility.override_justification
                    else "none",
                )
            ]
        )
    pdf.subheading("Provider's reports")
    if not referral.updates and referral.outcome is None:
        pdf.none()
    for update in referral.updates:
        pdf.rows([(f"Status {update.status}", human_time(update.occurred_at, tz))])
        if update.detail:
            pdf.rows([("", plain(update.detail))])
    if referral.outcome:
        outcome = referral.outcome
        pdf.subheading("Outcome")
        pdf.rows(
            [
                ("Outcome", outcome.outcome),
                ("Binding", plain(outcome.binding)),
                (
                    "Award",
                    money(outcome.award_money) if outcome.award_money else plain(outcome.award),
                ),
                ("Award terms", plain(outcome.award)),
                ("Summary", outcome.summary),
                ("Recorded", human_time(outcome.recorded_at, tz)),
            ]
        )
