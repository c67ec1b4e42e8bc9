"""The ADR provider is down for a while: the gateway's deliveries fail, back off (each wait
longer than the one before) and arrive once the provider is back — each referral as exactly
one case, and the provider's decision makes its way back to the complaint.

REDRESS_SOAK=1 (`make soak`) keeps the provider down longer and refers more complaints.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.support.adr import eventually
from tests.support.crm import Crm
from tests.support.system import soak, whole_system

pytestmark = pytest.mark.postgres

REFERRALS = 10 if soak() else 3
OUTAGE_SECONDS = 40.0 if soak() else 5.0
# Retries at 0.5, 1, 2, 4 s, then every 5 s: enough attempts to outlast the outage.
SCHEDULE = "[0.5, 1, 2, 4" + ", 5" * 20 + "]"


def test_deliveries_back_off_while_the_provider_is_down_and_arrive_once_it_is_back(
    tmp_path: Path,
) -> None:
    with whole_system(
        tmp_path,
        prefix="redress_outage",
        env={"adr_gateway": {"REDRESS_DELIVERY_SCHEDULE_SECONDS": SCHEDULE}},
    ) as system:
        system.sandbox.kill()
        down_since = time.monotonic()
        crm = Crm([system.complaints[0].url], system.crm_key())
        complaint_ids = [crm.referred_journey(interactions=1) for _ in range(REFERRALS)]
        referral_ids = [system.complaint(c)["adr"]["referral_id"] for c in complaint_ids]

        def failing(referral_id: str) -> dict[str, Any]:
            referral = system.referral(referral_id)
            return referral if len(referral.get("attempts", [])) >= 3 else {}

        for referral_id in referral_ids:
            referral = eventually(lambda r=referral_id: failing(r), timeout=OUTAGE_SECONDS + 20)
            assert referral["delivery"] != "delivered"
            attempts = referral["attempts"]
            assert all(a["status_code"] is None and a["error"] for a in attempts), attempts
            times = [datetime.fromisoformat(a["at"]) for a in attempts]
            gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
            assert gaps[-1] > gaps[0], f"no back-off between attempts: {gaps}"
        assert system.referral(referral_ids[0])["next_attempt_at"] is not None
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_since)))

        system.sandbox.start()
        for complaint_id in complaint_ids:
            eventually(
                lambda c=complaint_id: system.complaint(c)["status"] == "adr_concluded",
                timeout=60,
            )
            crm.close_complaint(complaint_id)
        crm.close()

        cases = system.sandbox_cases()
        received = Counter(case["referral_id"] for case in cases)
        assert received == Counter(referral_ids)  # every referral, once
        assert all(case["deliveries"] == 1 for case in cases), cases
        for referral_id in referral_ids:
            referral = system.referral(referral_id)
            assert referral["delivery"] == "delivered"
            assert referral["status"] == "decided"
            assert [a["status_code"] for a in referral["attempts"]][-1] == 200
            assert sum(1 for a in referral["attempts"] if a["status_code"] == 200) == 1
