"""JSON logs, one object per line, with the service name and the request's correlation id.

Everything goes through the standard library's root logger, so uvicorn's, alembic's and our
own structlog lines come out the same way, once each, flushed line by line (a supervisor
reading a pipe sees them as they happen), with the credentials that URLs carry redacted
(`redaction.py`).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from asgi_correlation_id import correlation_id

from libs.platform.runtime.redaction import RedactUrlSecrets


def _add_correlation_id(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    current = correlation_id.get()
    if current:
        event.setdefault("correlation_id", current)
    return event


def configure_logging(service: str, level: str = "INFO") -> None:
    def add_service(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("service", service)
        return event

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_service,
        _add_correlation_id,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(RedactUrlSecrets())  # signed links and survey tokens stay out of logs
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
