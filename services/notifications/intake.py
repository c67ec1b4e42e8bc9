"""From upstream events to scheduled notifications, in the follower's transaction.

Each page of the complaints or ADR gateway feed is turned into events of this service —
case-file facts, notifications scheduled, surveys offered, follow-ups cancelled — which are
recorded together with the feed position (libs.platform.follower.ApplicationSink). A page is thus
processed exactly once; and since a notification's id is derived from its rule and the
upstream event, even a page applied twice could not schedule a message twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog

from libs.domain.notification import (
    CaseFile,
    Notification,
    Survey,
    case_file_id_for,
    notification_id_for,
)
from libs.platform.follower import FeedEvent, UnitOfWork
from services.notifications.catalogue import FEEDS
from services.notifications.rules import Rule, Rules
from services.notifications.settings import NotificationsSettings
from services.notifications.templates import TemplateBook
from services.notifications.variables import case_facts, variables_for

log = structlog.get_logger()
Clock = Callable[[], datetime]

# The status a complaint event leaves the case in (the case file keeps it for templates).
STATUS_AFTER = {
    "ComplaintReceived": "open",
    "Escalated": "escalated",
    "ComplaintResolved": "resolved",
    "SummaryResolutionIssued": "resolved",
    "FinalResponseIssued": "final_response_issued",
    "AppealLodged": "appealed",
    "ReferredToAdr": "referred_to_adr",
    "AdrOutcomeRecorded": "adr_concluded",
    "ComplaintClosed": "closed",
    "Reopened": "open",
}


def _moment(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback


class Intake:
    def __init__(
        self,
        rules: Rules,
        book: TemplateBook,
        settings: NotificationsSettings,
        clock: Clock,
    ) -> None:
        self.rules = rules
        self.book = book
        self.settings = settings
        self.clock = clock

    # -- the two feeds ----------------------------------------------------------------------

    def complaint_event(self, unit: UnitOfWork, event: FeedEvent) -> None:
        case = self._case(unit, event.subject)
        if event.name == "ComplaintReceived" and case is None:
            case = self._open_case(unit, event)
        if case is None:
            # The feed is followed from its start, so this means a complaint whose first
            # event this service never saw: nothing can be addressed to its customer.
            log.warning("event of an unknown complaint", event=event.id, type=event.type)
            return
        self._note_facts(case, event)
        self.process("complaints", event, case, unit)

    def gateway_event(self, unit: UnitOfWork, event: FeedEvent) -> None:
        field = FEEDS["adr_gateway"].complaint_field
        complaint_id = event.data.get(field or "")
        if not isinstance(complaint_id, str):
            return  # events that do not name their complaint trigger nothing
        case = self._case(unit, complaint_id)
        if case is None:
            log.warning("gateway event of an unknown complaint", event=event.id)
            return
        if event.name == "Opened":
            case.note(adr_used=True)
        self.process("adr_gateway", event, case, unit)

    # -- what an event does -------------------------------------------------------------------

    def process(self, feed: str, event: FeedEvent, case: CaseFile, unit: UnitOfWork) -> None:
        happened = _moment(event.data.get("occurred_at") or event.time, self.clock())
        self._cancel_followups(f"{feed}.{event.name}", case, unit, happened)
        for rule in self.rules.triggered_by(feed, event.name, event.data):
            self._schedule(rule, event, case, unit, happened)

    def _cancel_followups(self, name: str, case: CaseFile, unit: UnitOfWork, at: datetime) -> None:
        cancelled = case.followups_cancelled_by(name)
        for followup in cancelled:
            notification = unit.find(UUID(followup.notification_id))
            if isinstance(notification, Notification) and notification.is_open:
                notification.cancel(reason=f"cancelled by {name}", at=at)
            if followup.survey_id:
                survey = unit.find(UUID(followup.survey_id))
                if isinstance(survey, Survey):
                    survey.withdraw(reason=f"withdrawn after {name}", at=at)
        case.drop_followups([f.notification_id for f in cancelled], because_of=name)

    def _schedule(
        self, rule: Rule, event: FeedEvent, case: CaseFile, unit: UnitOfWork, at: datetime
    ) -> None:
        notification_id = notification_id_for(rule.name, event.id)
        if unit.find(notification_id) is not None:
            return  # this rule already acted on this event
        send_at = at + rule.after
        survey: Survey | None = None
        if rule.survey:
            survey = Survey.offer(
                complaint_id=case.complaint_id,
                rule=rule.name,
                trigger_event_id=event.id,
                notification_id=str(notification_id),
                category=case.category,
                tier_reached=case.tier,
                adr_used=case.adr_used,
                at=self.clock(),
                opens_at=send_at,
                valid_for=timedelta(days=self.settings.survey_valid_days),
            )
            unit.add(survey)
        customer = case.customer
        locale = self.book.resolve_locale(
            rule.template,
            customer.language if rule.audience == "customer" else None,
        )
        notification = Notification.schedule(
            complaint_id=case.complaint_id,
            rule=rule.name,
            template=rule.template,
            channel=rule.channel,
            audience=rule.audience,
            recipient=(
                customer.email if rule.audience == "customer" else self.settings.staff_email
            ),
            locale=locale,
            variables=variables_for(
                rule, case_facts(case), {"id": event.id, "data": event.data}, self.settings
            ),
            send_at=send_at,
            expires_at=send_at + rule.expires_after if rule.expires_after else None,
            trigger_event_id=event.id,
            survey_id=str(survey.id) if survey is not None else None,
            scheduled_at=self.clock(),
        )
        unit.add(notification)
        if rule.is_followup:
            case.add_followup(
                notification_id=str(notification.id),
                survey_id=str(survey.id) if survey is not None else None,
                cancel_on=list(rule.cancel_on),
            )

    # -- the case file ------------------------------------------------------------------------

    def _case(self, unit: UnitOfWork, complaint_id: str) -> CaseFile | None:
        case = unit.find(case_file_id_for(complaint_id))
        return case if isinstance(case, CaseFile) else None

    def _open_case(self, unit: UnitOfWork, event: FeedEvent) -> CaseFile:
        data = event.data
        ladder = data.get("ladder") or ["frontline"]
        case = CaseFile.open(
            complaint_id=event.subject,
            customer=dict(data.get("customer") or {}),
            category=str(data.get("category", "other")),
            regime=str(data.get("regime", "default")),
            reference=data.get("external_ref"),
            tier=str(ladder[0]),
            received_at=_moment(data.get("occurred_at") or event.time, self.clock()),
        )
        unit.add(case)
        return case

    def _note_facts(self, case: CaseFile, event: FeedEvent) -> None:
        facts: dict[str, Any] = {}
        if event.name in STATUS_AFTER:
            facts["status"] = STATUS_AFTER[event.name]
        if event.name == "Escalated":
            facts["tier"] = str(event.data.get("to_tier", case.tier))
        if event.name == "AppealDecided":
            # Dismissed or upheld, the appeal was heard at that tier: the case reached it.
            facts["tier"] = str(event.data.get("decided_at_tier", case.tier))
        if event.name == "ReferredToAdr":
            facts["adr_used"] = True
        if facts:
            case.note(**facts)
