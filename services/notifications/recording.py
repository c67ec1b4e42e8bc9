"""A delivered acknowledgement recorded on the complaint, so its deadline stops.

The regime's acknowledgement clock (DISP 1.6.1R: "a prompt written acknowledgement") stops
on the complaint's `ComplaintAcknowledged` event, which only the complaints service writes.
Once the acknowledgement e-mail is delivered, this posts it to the complaints API
(`POST /v1/complaints/{id}/acknowledgement`) with the notifications service's own `service`
key (`REDRESS_COMPLAINTS_API_KEY`, the key it reads the feed with): its words, its channel,
when it was delivered, and the letter elements the regime asks of an acknowledgement that
the e-mail states (receipt confirmed; the response timeframes, DISP 1.6.1R(1)(b) as amended
from 1 June 2026: the templates state them from the regime's data, see
services.notifications.variables.response_timeframe).

The request carries an `Idempotency-Key` derived from the notification, so a retry records
one acknowledgement, never two. A complaints service that is down is tried a few times; one
that refuses (the complaint closed meanwhile, a regime asking for more than the e-mail says)
is logged with its answer, since the e-mail has gone either way.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import structlog

from libs.domain.deadlines import ElementKind, LetterKind, RegimeError, UnknownRegime, get_regime
from libs.domain.notification import Notification
from libs.domain.values import Channel

log = structlog.get_logger()
ATTEMPTS = 3
PAUSE_SECONDS = 1.0


def stated_elements(regime_name: str, regimes_dir: str | None) -> dict[str, Any]:
    """The acknowledgement elements of `regime_name` an acknowledgement e-mail states: each
    yes/no element (receipt confirmed, timeframes stated) is true; the templates say them."""
    try:
        regime = get_regime(regime_name, *([] if regimes_dir is None else [Path(regimes_dir)]))
    except (UnknownRegime, RegimeError, OSError):
        return {}
    letter = regime.letter(LetterKind.ACKNOWLEDGEMENT)
    if letter is None:
        return {}
    return {e.name: True for e in letter.elements if e.kind is ElementKind.FLAG}


class AcknowledgementRecorder:
    def __init__(
        self,
        complaints_url: str,
        api_key: str,
        regimes_dir: str | None = None,
        timeout: float = 10.0,
        pause_seconds: float = PAUSE_SECONDS,
    ) -> None:
        self._url = complaints_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._regimes_dir = regimes_dir
        self._timeout = timeout
        self._pause = pause_seconds

    def body(self, notification: Notification) -> dict[str, Any]:
        message = notification.message
        assert message is not None and notification.delivered_at is not None
        regime = str((notification.variables.get("complaint") or {}).get("regime") or "default")
        return {
            "message": message.text,
            "channel": notification.channel
            if notification.channel in set(Channel)
            else Channel.OTHER.value,
            "elements": stated_elements(regime, self._regimes_dir),
            "occurred_at": notification.delivered_at.isoformat(),
        }

    def record(self, notification: Notification) -> bool:
        """Whether the complaint now records this acknowledgement."""
        path = f"/v1/complaints/{notification.complaint_id}/acknowledgement"
        headers = {**self._headers, "Idempotency-Key": f"acknowledgement-{notification.id}"}
        body = self.body(notification)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = httpx.post(
                    self._url + path, json=body, headers=headers, timeout=self._timeout
                )
            except httpx.HTTPError as error:
                answer = type(error).__name__
            else:
                if response.status_code in (200, 201):
                    log.info("acknowledgement recorded", complaint_id=notification.complaint_id)
                    return True
                if response.status_code < 500 and response.status_code != 429:
                    log.warning(
                        "acknowledgement sent but refused by the complaints service",
                        complaint_id=notification.complaint_id,
                        status=response.status_code,
                        problem=response.text[:500],
                    )
                    return False
                answer = f"HTTP {response.status_code}"
            if attempt < ATTEMPTS:
                time.sleep(self._pause * attempt)
        log.error(
            "acknowledgement sent but not recorded: the complaints service is unavailable",
            complaint_id=notification.complaint_id,
            answer=answer,
        )
        return False
