"""Which parts of a URL are credentials the logs must not keep, and which stay."""

from __future__ import annotations

import logging

import pytest

from libs.platform.runtime.redaction import RedactUrlSecrets, redact_url_secrets


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        (
            "/v1/complaints/c1/history/view?token=abc.def&version=3",
            "/v1/complaints/c1/history/view?token=[redacted]&version=3",
        ),
        (
            "/v1/complaints/c1/history/export?format=pdf&token=abc",
            "/v1/complaints/c1/history/export?format=pdf&token=[redacted]",
        ),
        ("/v1/followups/s3cr3t.tok", "/v1/followups/[redacted]"),
        ("/v1/followups/s3cr3t.tok/response", "/v1/followups/[redacted]/response"),
        (
            "https://x.example/cb?Signature=ab%2F&id=7",
            "https://x.example/cb?Signature=[redacted]&id=7",
        ),
        ("/v1/complaints?category=billing&limit=20", "/v1/complaints?category=billing&limit=20"),
        ("/v1/complaints?tokens_used=3", "/v1/complaints?tokens_used=3"),
    ],
)
def test_credentials_in_urls_are_redacted_and_the_rest_kept(logged: str, kept: str) -> None:
    assert redact_url_secrets(logged) == kept


def test_an_access_log_record_is_redacted_before_it_is_formatted() -> None:
    """uvicorn's access logger passes the path as an argument of the record."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v1/followups/s3cr3t", "1.1", 200),
        None,
    )
    assert RedactUrlSecrets().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /v1/followups/[redacted] HTTP/1.1" 200'
