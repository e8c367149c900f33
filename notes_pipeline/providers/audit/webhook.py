"""Each stage and scene event POSTed as signed JSON to the operator's webhook, off the pipeline's path.

The body is the event as JSON with the send time in it; the header
`X-Notes-Pipeline-Signature: sha256=<hex>` is the HMAC-SHA256 of exactly those bytes under
the shared secret, so a receiver can check both origin and age (`verify_signature`).
Deliveries go through the shared HTTP policy (short timeouts; retries on 429, 5xx and
timeouts with backoff and jitter; a circuit breaker that stops hammering a dead receiver)
from one background thread with a bounded queue: a slow, failing or hanging receiver
costs the pipeline nothing, and its events are dropped with a warning once it is hopeless.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from notes_pipeline.domain.events import PipelineEvent
from notes_pipeline.providers.audit.background import BackgroundQueue
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import HttpError

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Notes-Pipeline-Signature"
TIMESTAMP_HEADER = "X-Notes-Pipeline-Timestamp"
EVENT_HEADER = "X-Notes-Pipeline-Event"
DELIVERY_HEADER = "X-Notes-Pipeline-Delivery"
# Short on purpose: a receiver slower than this is treated as down, and events must not pile up.
DEFAULT_HTTP = HttpConfig(
    connect_timeout_s=2,
    read_timeout_s=3,
    max_attempts=3,
    backoff_base_s=0.5,
    backoff_max_s=5,
    breaker_failures=5,
    breaker_cooldown_s=30,
    max_response_bytes=65536,
)


class WebhookConfigError(ValueError):
    """The webhook's URL or secret cannot be used; the message never repeats either of them."""


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(
    body: bytes, header: str | None, secret: str, *, max_age_s: float | None = 300, now: Callable[[], float] = time.time
) -> bool:
    """What a receiver does: constant-time signature check, then the signed send time is recent."""
    if not header or not hmac.compare_digest(header, sign(body, secret)):
        return False
    if max_age_s is None:
        return True
    try:
        sent = float(json.loads(body)["timestamp"])
    except (ValueError, KeyError, TypeError):
        return False
    return abs(now() - sent) <= max_age_s


def event_body(event: PipelineEvent, timestamp: float) -> bytes:
    """The JSON a receiver gets: the event's fields, `type` for its kind, and the signed send time."""
    payload = event.model_dump(mode="json")
    payload["type"] = payload.pop("kind")
    payload["document"] = payload["project_id"]
    payload["timestamp"] = int(timestamp)
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


class WebhookSink:
    """An AuditSink that delivers events to one URL, in order, from a background thread."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        http: HttpConfig | None = None,
        queue_size: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise WebhookConfigError(f"the webhook URL must be http or https, not {scheme or 'scheme-less'}")
        if not urlsplit(url).hostname:
            raise WebhookConfigError("the webhook URL has no host")
        if not secret:
            raise WebhookConfigError("the webhook needs a secret to sign its events")
        self.url, self._secret, self.clock = url, secret, clock
        # The whole URL is a secret too: hook URLs often carry a token in their path.
        self.client = HttpClient(self.name, http or DEFAULT_HTTP, secrets=[secret, url])
        self.queue: BackgroundQueue[PipelineEvent] = BackgroundQueue(self.name, self._deliver, maxsize=queue_size)
        self.delivered = 0
        self.failed = 0

    def record(self, event: PipelineEvent) -> None:
        self.queue.submit(event)

    def _deliver(self, events: list[PipelineEvent]) -> None:
        for event in events:
            timestamp = self.clock()
            body = event_body(event, timestamp)
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "notes-pipeline-webhook",
                SIGNATURE_HEADER: sign(body, self._secret),
                TIMESTAMP_HEADER: str(int(timestamp)),
                EVENT_HEADER: event.kind,
                DELIVERY_HEADER: event.event_id,
            }
            try:
                self.client.request("POST", self.url, headers=headers, data=body)
            except HttpError as err:  # already redacted by the client
                self.failed += 1
                log.warning("webhook: %s of workflow %s not delivered: %s", event.kind, event.workflow_id, err)
            else:
                self.delivered += 1

    def close(self, timeout_s: float = 0.0) -> bool:
        return self.queue.close(timeout_s)
