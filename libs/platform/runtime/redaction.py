"""Secrets carried in URLs kept out of the logs.

A signed case-history link (`…/history/view?token=…`, valid up to 24 hours) and a survey
link (`/v1/followups/<token>`, valid for weeks) are bearer credentials: whoever reads them in
an access log can open the case or answer the survey. Every log line passes `RedactUrlSecrets`
(installed on the one handler, `logging.py`), so uvicorn's access lines, httpx's request
lines and our own say `[redacted]` where the secret was, and keep the rest of the URL (the
route and the other parameters are what an operator needs).
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

#: Query parameters whose value is a credential, wherever they appear.
SECRET_PARAMETERS = ("token", "signature", "sig", "access_token", "api_key", "key")

_PARAMETER = re.compile(
    r"(?P<name>[?&](?:" + "|".join(SECRET_PARAMETERS) + r"))=(?P<value>[^&#\s\"']*)",
    re.IGNORECASE,
)
#: Path segments that are the credential itself: the survey link's token.
_PATH_TOKEN = re.compile(r"(?P<route>/v1/followups/)(?P<token>[^/?#\s\"']+)")


def redact_url_secrets(text: str) -> str:
    """`text` with every secret-bearing query value and path token replaced by `[redacted]`."""
    if "=" not in text and "/followups/" not in text:
        return text  # the common case: nothing to look at
    text = _PARAMETER.sub(lambda m: f"{m['name']}={REDACTED}", text)
    return _PATH_TOKEN.sub(lambda m: f"{m['route']}{REDACTED}", text)


def _redacted(argument: Any) -> Any:
    if isinstance(argument, str):
        return redact_url_secrets(argument)
    if type(argument).__name__ == "URL":  # httpx.URL in httpx's "HTTP Request" line
        return redact_url_secrets(str(argument))
    return argument


class RedactUrlSecrets(logging.Filter):
    """Rewrites a record's message and arguments before any formatter sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_url_secrets(record.msg)
        elif isinstance(record.msg, dict):  # a structlog event, before it is rendered
            record.msg = {name: _redacted(value) for name, value in record.msg.items()}
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(argument) for argument in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: _redacted(value) for name, value in record.args.items()}
        return True
