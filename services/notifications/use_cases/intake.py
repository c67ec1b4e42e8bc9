"""From upstream events to scheduled notifications, in the follower's transaction.

Each page of the complaints or ADR gateway feed is turned into events of this service —
case-file facts, notifications scheduled, surveys offered, follow-ups cancelled — which are
recorded together with the feed position (libs.platform.follower.ApplicationSink). A page is
thus processed exactly once; and since a notification's id is derived from its rule and the
upstream event, even a page applied twice could not schedule a message twice.

The command is the upstream event itself (a `FeedEvent`: frozen, typed, its type a string);
what it changes in the case file is services.notifications.case_files' to say, which rules
it triggers the rules' (services.notifications.rules).
"""

from __future__ import annotations

from datetime import datetime, timedelta
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
from services.notifications.case_files import (
    COMPLAINT_FACTS,
    GATEWAY_FACTS,
    OPENS_A_CASE,
    moment_of,
    note_facts,
    open_case_file,
)
from services.notifications.catalogue import FEEDS
from services.notifications.clock import Clock
from services.notifications.rules import Rule, Rules
from services.notifications.settings import NotificationsSettings
from services.notifications.templates import TemplateBook
from services.notifications.variables import template_facts, variables_for

log = structlog.get_logger()


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
        if case is None and event.name == OPENS_A_CASE:
            case = open_case_file(event, self.clock)
            unit.add(case)
        if case is None:
            # The feed is followed from its start, so this means a complaint whose first
            # event this service never saw: nothing can be addressed to its customer.
            log.warning("event of an unknown complaint", event=event.id, type=event.type)
            return
        note_facts(case, event, COMPLAINT_FACTS)
        self._follow_rules("complaints", event, case, unit)

    def gateway_event(self, unit: UnitOfWork, event: FeedEvent) -> None:
        field = FEEDS["adr_gateway"].complaint_field
        complaint_id = event.data.get(field or "")
        if not isinstance(complaint_id, str):
            return  # events that do not name their complaint trigger nothing
        case = self._case(unit, complaint_id)
        if case is None:
            log.warning("gateway event of an unknown complaint", event=event.id)
            return
        note_facts(case, event, GATEWAY_FACTS)
        self._follow_rules("adr_gateway", event, case, unit)

    # -- what an event does -------------------------------------------------------------------

    def _follow_rules(self, feed: str, event: FeedEvent, case: CaseFile, unit: UnitOfWork) -> None:
        happened = moment_of(event, self.clock)
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
                legal_entity=case.legal_entity,
            )
            unit.add(survey)
        to_customer = rule.audience == "customer"
        notification = Notification.schedule(
            complaint_id=case.complaint_id,
            rule=rule.name,
            template=rule.template,
            channel=rule.channel,
            audience=rule.audience,
            recipient=case.customer.email if to_customer else self.settings.staff_email,
            locale=self.book.resolve_locale(
                rule.template, case.customer.language if to_customer else None
            ),
            variables=variables_for(
                rule,
                template_facts(case),
                {"id": event.id, "data": event.data},
                self.settings,
                late_at=send_at + rule.late_after if rule.late_after else None,
            ),
            send_at=send_at,
            expires_at=send_at + rule.expires_after if rule.expires_after else None,
            trigger_event_id=event.id,
            survey_id=str(survey.id) if survey is not None else None,
            scheduled_at=self.clock(),
            legal_entity=case.legal_entity,
        )
        unit.add(notification)
        if rule.is_followup:
            case.add_followup(
                notification_id=str(notification.id),
                survey_id=str(survey.id) if survey is not None else None,
                cancel_on=list(rule.cancel_on),
            )

    def _case(self, unit: UnitOfWork, complaint_id: str) -> CaseFile | None:
        case = unit.find(case_file_id_for(complaint_id))
        return case if isinstance(case, CaseFile) else None
