"""What a provider call's failure looks like, and how secrets are kept out of every log line and error.

The error classes come first because every other part of the HTTP policy raises them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from notes_pipeline.domain.errors import BadInputError, PipelineError

REDACTED = "***"


class HttpError(PipelineError):
    """A provider call that failed after the policy gave up. Carries what the stages record."""

    def __init__(
        self,
        cause: str,
        *,
        provider: str,
        status: int | None = None,
        attempts: int = 0,
        latency_s: float = 0.0,
        retryable: bool = True,
    ) -> None:
        super().__init__(cause)
        self.provider = provider
        self.status = status
        self.attempts = attempts
        self.latency_s = latency_s
        self.retryable = retryable


class CircuitOpenError(HttpError):
    """The provider failed repeatedly and is being skipped until its cool-down ends; nothing was sent."""


class ResponseTooLargeError(HttpError):
    """The answer was bigger than the size cap; reading stopped at the cap."""


class UnexpectedContentError(HttpError):
    """The answer's content type (or shape) is not what the endpoint documents."""


class UnsafeUrlError(BadInputError):
    """A URL from outside (e.g. a search result) points at a scheme or address we never fetch."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (longest first, so a key containing another is fully hidden)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


_secrets_lock = threading.Lock()
_registered_secrets: set[str] = set()
_QUERY_KEY = re.compile(r"([?&](?:key|api_key|apikey|token|access_token)=)[^&\s\"']+", re.IGNORECASE)
# Libraries that log request URLs (with paths and queries) at DEBUG/INFO level.
_URL_LOGGERS = (
    "urllib3.connectionpool",
    "googleapiclient.discovery",
    "googleapiclient.http",
    "googleapiclient.model",
    "httplib2",
)


class _RedactingFilter(logging.Filter):
    """Rewrites records of URL-logging libraries so keys in paths or queries never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _secrets_lock:
            secrets = tuple(_registered_secrets)
        message = record.getMessage()
        cleaned = _QUERY_KEY.sub(r"\1" + REDACTED, redact(message, secrets))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_filter = _RedactingFilter()


def register_secrets(secrets: Iterable[str]) -> None:
    """Add secrets to the process-wide set redacted from third-party HTTP logging."""
    values = [s for s in secrets if s]
    with _secrets_lock:
        _registered_secrets.update(values)
    for name in _URL_LOGGERS:
        target = logging.getLogger(name)
        if _filter not in target.filters:
            target.addFilter(_filter)


def display_url(url: str) -> str:
    """scheme://host/path: the query string is dropped because keys travel there (Google APIs)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
