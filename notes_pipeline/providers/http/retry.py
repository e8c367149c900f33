"""How the policy reads one failed attempt (retry or not, after how long, does it count for the breaker).

Retried: 429, 5xx, timeouts, dropped connections and truncated bodies. Other 4xx are not: the request
itself is wrong. A Retry-After header is honoured up to the configured cap. SDK adapters
(`providers/google_errors.py`, `providers/google_api.py`) raise these Failures so the policy stays the
one retry owner.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from notes_pipeline.providers.http.errors import HttpError

Sleep = Callable[[float], None]
Clock = Callable[[], float]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# 401/403 mean the key is wrong or revoked: every later call will fail the same way, so
# they count towards opening the circuit. Other 4xx are about one request only.
BREAKER_STATUSES = frozenset({401, 403})


@dataclass
class Failure(Exception):
    """One failed attempt as the retry loop sees it (raised by an attempt function)."""

    reason: str
    retryable: bool
    status: int | None = None
    retry_after_s: float | None = None
    counts_for_breaker: bool = True
    kind: type[HttpError] = HttpError


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


def status_failure(status: int, headers: Mapping[str, str]) -> Failure | None:
    """The policy's reading of an HTTP status: None for success, else a Failure saying whether to retry."""
    if status < 400:
        return None
    if status in RETRY_STATUSES or status >= 500:
        return Failure(
            f"answered {status}",
            retryable=True,
            status=status,
            retry_after_s=parse_retry_after(headers.get("Retry-After")),
        )
    return Failure(f"answered {status}", retryable=False, status=status, counts_for_breaker=status in BREAKER_STATUSES)


def sdk_failure(status: int, detail: str, headers: Mapping[str, str]) -> Failure:
    """`status_failure` for an error an SDK raised, its reason naming the SDK's word for it (e.g. RESOURCE_EXHAUSTED).
    An error without a usable status (below 400) is final and does not count towards the breaker."""
    failure = status_failure(status, headers) or Failure("", retryable=False, status=status, counts_for_breaker=False)
    return replace(failure, reason=f"answered {status} {detail}".strip())
