"""The record's sections in a PDF: the verification verdict and checkpoint, documents with
their digests, the timeline of every event (each with both its times, who and in which role,
and its correlation id), and the hash chain as an annex.

When verification fails, the events it names are marked in the timeline: an altered event
is shown as stored, under a mark saying its content does not match what was recorded, and
a missing (deleted) event is listed as missing; neither is printed as fact.
"""

from __future__ import annotations

from libs.casefile.event_text import describe
from libs.casefile.formatting import TIMELINE_LIMIT, clipped, human_time
from libs.casefile.model import CaseFile, Event
from libs.casefile.pdf_base import GREEN, GREY, RED, CaseFilePdf


def verdict_line(case: CaseFile) -> str:
    found = case.verification
    if found.valid:
        return "VALID: the stored history is unaltered and matches its recorded hash chain"
    return (
        f"INVALID: the stored history fails verification, first at version "
        f"{found.first_bad_version}: {found.reason}"
    )


def verification(pdf: CaseFilePdf, case: CaseFile) -> None:
    tz, found = case.regime.timezone, case.verification
    pdf.heading("Verification")
    pdf.banner(verdict_line(case), GREEN if found.valid else RED)
    if not found.valid:
        pdf.para(
            "The sections of this file are read from the history as it is stored now. Events "
            "marked ALTERED or MISSING in the timeline are not the recorded history: treat "
            "what depends on them as unproven.",
            bold=True,
            color=RED,
        )
        for problem in found.problems:
            pdf.rows([(f"version {problem.version} ({problem.kind})", problem.reason)])
        if case.summary.version < case.head.version:
            pdf.rows(
                [
                    (
                        "Replayed to",
                        f"version {case.summary.version}: the stored events after it no longer "
                        "replay, so the sections below show the complaint as it stood then",
                    )
                ]
            )
    pdf.rows(
        [
            ("Verified", human_time(found.verified_at, tz)),
            ("Events", str(found.events)),
            ("Method", found.algorithm),
        ]
    )
    pdf.mono_rows([("Head", f"version {case.head.version}, hash {case.head.hash}")])
    checkpoint(pdf, case)


def checkpoint(pdf: CaseFilePdf, case: CaseFile) -> None:
    anchor, tz = case.checkpoint, case.regime.timezone
    if anchor is None:
        pdf.rows([("Checkpoint", "not yet anchored in a checkpoint")])
        return
    pdf.rows(
        [
            ("Checkpoint", f"#{anchor.seq}, made {human_time(anchor.created_at, tz)}"),
            (
                "Anchors",
                f"version {anchor.anchored_version} of this complaint "
                f"(of {anchor.aggregates} chains)",
            ),
            (
                "Signed",
                "yes, with the deployment key (the JWS is in the attached case-file.json)"
                if anchor.jws
                else "no (written before checkpoints were signed)",
            ),
        ]
    )
    pdf.mono_rows(
        [
            ("Checkpoint root", anchor.root),
            ("Checkpoint hash", anchor.hash),
            ("Anchored hash", anchor.anchored_hash),
        ]
    )


def documents(pdf: CaseFilePdf, case: CaseFile) -> None:
    pdf.heading("Documents")
    if not case.documents:
        pdf.none()
    for document in case.documents:
        pdf.subheading(document.filename or document.ref)
        pdf.rows(
            [
                ("What", document.summary or "—"),
                ("Kept at", document.ref),
                (
                    "Type, size",
                    f"{document.media_type}, {document.size:,} bytes"
                    if document.size is not None
                    else document.media_type,
                ),
            ]
        )
        pdf.mono_rows([("sha256", document.sha256)])


def _event(pdf: CaseFilePdf, event: Event, mark: str | None, why: str | None, tz: str) -> None:
    if pdf.get_y() > pdf.h - 35:
        pdf.add_page()
    title = f"v{event.version}  {event.type}" + ("  — ALTERED" if mark == "altered" else "")
    pdf.line_of(title, bold=True, color=RED if mark else 0)
    if mark == "altered":
        pdf.line_of(
            f"ALTERED: {why or 'its stored content is not what was recorded'}",
            size=8,
            bold=True,
            color=RED,
        )
    happened = human_time(event.occurred_at, tz)
    pdf.line_of(
        f"happened {happened} · recorded {human_time(event.recorded_at, tz)}", size=8, color=GREY
    )
    pdf.line_of(
        f"by {event.actor or '—'} ({event.actor_role or '—'}) · correlation id "
        f"{event.correlation_id or '—'}",
        size=8,
        color=GREY,
    )
    text = clipped(describe(event), TIMELINE_LIMIT, f"see events[] version {event.version}")
    if mark == "altered":
        text = f"as stored now, not as recorded: {text}"
    if len(text) < 110:
        pdf.line_of(text, color=RED if mark else 0)
    else:
        pdf.para(text, color=RED if mark else 0)
    pdf.y += 1.2


def timeline(pdf: CaseFilePdf, case: CaseFile) -> None:
    tz = case.regime.timezone
    marks = case.event_marks()
    reasons = {problem.version: problem.reason for problem in case.verification.problems}
    pdf.heading("Timeline: every event")
    pdf.para(
        "Each event with when it happened (as reported, possibly back-dated) and when it was "
        "recorded, who recorded it in which role, and the request's correlation id.",
        size=8,
        color=GREY,
    )
    by_version = {event.version: event for event in case.events}
    last = max([*by_version, *marks, 0])
    for version in range(1, last + 1):
        event = by_version.get(version)
        if event is None:
            pdf.line_of(
                f"v{version}  MISSING: deleted from the store; what it recorded is unknown",
                bold=True,
                color=RED,
            )
            pdf.y += 1.2
        else:
            _event(pdf, event, marks.get(version), reasons.get(version), tz)


def hash_annex(pdf: CaseFilePdf, case: CaseFile) -> None:
    pdf.heading("Annex: the hash chain")
    pdf.para(
        f"{case.verification.algorithm}. Each event's stored bytes are in case-file.json "
        "(events[].stored), so anyone can re-derive these hashes (docs/proof-formats.md).",
        size=8,
        color=GREY,
    )
    for event in case.events:
        pdf.line_of(f"v{event.version:<5} {event.hash or '(no recorded hash)'}", size=7, mono=True)
