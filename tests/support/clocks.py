"""Driving a complaint's clocks through the complaints API: a final response each regime
accepts, and the steps that start and stop clocks, each dated so tests can check the dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from libs.domain.deadlines import get_regime
from libs.domain.deadlines.regime import ElementKind, LetterKind
from libs.domain.values import Role
from tests.conftest import RunningComplaints
from tests.support.complaints import new_complaint

#: A final response each regime's letter check accepts.
LETTERS: dict[str, dict[str, Any]] = {
    "uk-fca-disp": {
        "decision": "rejected_with_reasons",
        "ombudsman_leaflet_enclosed": True,
        "ombudsman_website": "https://www.financial-ombudsman.org.uk",
        "may_refer_now_and_within_6_months": True,
        "time_limit_waiver_stated": True,
    },
    "eu-adr": {
        "adr_entity_name": "Consumer Mediation Service",
        "adr_entity_website": "https://mediation.example.eu",
        "will_use_adr_entity": True,
        "durable_medium": True,
    },
    "us-cfpb": {"decision": "closed_with_explanation", "explanation": "No duplicate charge."},
    "au-rg271": {
        "decision": "not_upheld",
        "reasons_given": True,
        "afca_rights_stated": True,
        "afca_contact_details": "www.afca.org.au, 1800 931 678",
        "afca_time_limit_stated": True,
    },
    "default": {"decision": "not_upheld", "adr_rights_stated": True},
}
LETTERS["uk-psd"] = LETTERS["uk-fca-disp"]


def complete_elements(regime: str, letter: LetterKind, sent: datetime) -> dict[str, Any]:
    """Elements that satisfy every requirement the regime's letter check makes of `letter`,
    built from the regime itself, so clock tests send letters their regime accepts."""
    rule = get_regime(regime).letter(letter)
    elements: dict[str, Any] = {}
    for element in rule.elements if rule else ():
        if element.kind is ElementKind.CHOICE:
            elements[element.name] = element.options[0]
        elif element.kind is ElementKind.DATE:
            elements[element.name] = (sent + timedelta(days=14)).date().isoformat()
        elif element.kind is ElementKind.TEXT:
            elements[element.name] = "https://www.example.org/complaints"
        else:
            elements[element.name] = True
    return elements


def ago(**delta: float) -> datetime:
    """A moment in the recent past, to the second (so it reads back exactly)."""
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0)


class ComplaintClocks:
    """One complaint, driven through the API; each step says when it happened."""

    def __init__(self, complaints: RunningComplaints, complaint: dict[str, Any]) -> None:
        self.complaints = complaints
        self.document = complaint

    @classmethod
    async def open(
        cls, complaints: RunningComplaints, at: datetime, **details: Any
    ) -> ComplaintClocks:
        response = await complaints.client.post(
            "/v1/complaints",
            json=new_complaint(occurred_at=at.isoformat(), **details),
            headers=complaints.headers(),
        )
        assert response.status_code == 201, response.text
        return cls(complaints, response.json())

    @property
    def id(self) -> str:
        return str(self.document["id"])

    @property
    def regime(self) -> str:
        return str(self.document["regime"])

    def deadline(self, clock: str) -> dict[str, Any] | None:
        return next((d for d in self.document["deadlines"] if d["clock"] == clock), None)

    async def post(
        self, path: str, body: dict[str, Any], role: Role = Role.AGENT, status: int = 200
    ) -> dict[str, Any]:
        response = await self.complaints.client.post(
            f"/v1/complaints/{self.id}{path}", json=body, headers=self.complaints.headers(role)
        )
        assert response.status_code == status, response.text
        self.document = response.json()
        return self.document

    async def refresh(self, **params: str) -> dict[str, Any]:
        response = await self.complaints.client.get(
            f"/v1/complaints/{self.id}", params=params, headers=self.complaints.headers()
        )
        assert response.status_code == 200, response.text
        self.document = response.json()
        return self.document

    # -- the steps ----------------------------------------------------------------------------

    async def acknowledge(self, at: datetime) -> None:
        await self.post(
            "/acknowledgement",
            {
                "message": "We have your complaint.",
                "channel": "email",
                "elements": complete_elements(self.regime, LetterKind.ACKNOWLEDGEMENT, at),
                "occurred_at": at.isoformat(),
            },
        )

    async def resolve(self, at: datetime) -> None:
        body = {"outcome": "not_upheld", "summary": "No error found", "occurred_at": at.isoformat()}
        await self.post("/resolution", body)

    async def final_response(self, at: datetime) -> None:
        """Resolves the complaint (a second earlier) if it is not, then the final response."""
        if self.document["status"] not in ("resolved",):
            await self.resolve(at - timedelta(seconds=1))
        body = {"letter": "Dear Ada, …", "elements": LETTERS[self.regime]}
        await self.post("/final-response", {**body, "occurred_at": at.isoformat()})

    async def summary_resolution(self, at: datetime) -> None:
        body = {
            "outcome": "upheld",
            "summary": "Refunded",
            "remedy": "Refund",
            "message": "We have refunded the duplicate charge.",
            "elements": complete_elements(self.regime, LetterKind.SUMMARY_RESOLUTION, at),
            "occurred_at": at.isoformat(),
        }
        await self.post("/summary-resolution", body)

    async def holding_reply(self, at: datetime) -> None:
        body = {
            "reason": "Waiting for the card scheme's records",
            "message": "We need more time; we will answer by the date the rules allow.",
            "elements": complete_elements(self.regime, LetterKind.HOLDING_REPLY, at),
            "occurred_at": at.isoformat(),
        }
        await self.post("/holding-reply", body)

    async def refer_to_adr(self, at: datetime, status: int = 201) -> None:
        await self.post(
            "/adr-referral",
            {"preferred_method": "mediation", "occurred_at": at.isoformat()},
            status=status,
        )

    async def close(self, at: datetime, reason: str = "Resolved") -> None:
        await self.post("/closure", {"reason": reason, "occurred_at": at.isoformat()})

    async def reopen(self, at: datetime) -> None:
        await self.post("/reopen", {"reason": "New evidence", "occurred_at": at.isoformat()})


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None
