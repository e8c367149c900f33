"""The optional audit sinks the environment asks for, one of each per process.

A sink owns a background thread and a queue, so it is built once per configuration and
shared by every stage of the process (a step process, or the whole in-process run). A
sink that cannot be built (a URL that is not http(s), unreadable credentials) is left out
with one warning that names the variable, never its value: the pipeline runs on without it.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from notes_pipeline.providers.audit.base import AuditSink
from notes_pipeline.providers.audit.sheets import (
    Loader,
    SheetsAuditSink,
    SheetsConfigError,
    service_account_credentials,
    sheets_service,
)
from notes_pipeline.providers.audit.webhook import WebhookConfigError, WebhookSink
from notes_pipeline.providers.config import AuditConfig, HttpConfig, Secrets

log = logging.getLogger(__name__)

_built: dict[str, AuditSink | None] = {}
_lock = threading.Lock()


def _key(*parts: object) -> str:
    # Secrets take part in the key only as a digest: this dict is not where they should be readable.
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def webhook_sink(config: AuditConfig, http: HttpConfig, secrets: Secrets) -> AuditSink | None:
    url, secret = secrets.value("webhook_url"), secrets.value("webhook_secret")
    if not url:
        return None
    key = _key("webhook", url, secret, config, http)
    with _lock:
        if key not in _built:
            try:
                if not secret:
                    raise WebhookConfigError("NOTES_PIPELINE_WEBHOOK_SECRET is not set; events are only sent signed")
                policy = http.model_copy(
                    update={
                        "read_timeout_s": config.webhook_timeout_s,
                        "connect_timeout_s": min(http.connect_timeout_s, config.webhook_timeout_s),
                        "max_attempts": config.webhook_attempts,
                        "backoff_max_s": min(http.backoff_max_s, 5),
                        "max_response_bytes": 65536,
                    }
                )
                _built[key] = WebhookSink(url, secret, http=policy, queue_size=config.queue_size)
            except WebhookConfigError as err:
                log.warning("webhook disabled (NOTES_PIPELINE_WEBHOOK_URL): %s", err)
                _built[key] = None
        return _built[key]


def sheets_sink(
    config: AuditConfig, http: HttpConfig, secrets: Secrets, load: Loader, load_key: str
) -> AuditSink | None:
    credentials, sheet_id = secrets.value("sheets_credentials"), secrets.value("audit_sheet_id")
    if not (credentials and sheet_id):
        return None
    key = _key("sheets", credentials, sheet_id, config, http, load_key)
    with _lock:
        if key not in _built:
            try:
                service = sheets_service(
                    service_account_credentials(credentials),
                    endpoint=config.sheets_base_url,
                    timeout_s=http.connect_timeout_s + http.read_timeout_s,
                )
                _built[key] = SheetsAuditSink(
                    service,
                    sheet_id,
                    load,
                    tab=config.sheets_tab,
                    http=http,
                    flush_interval_s=config.sheets_flush_interval_s,
                    queue_size=config.queue_size,
                    secrets=[credentials],
                )
            except SheetsConfigError as err:
                log.warning("audit sheet disabled: %s", err)
                _built[key] = None
        return _built[key]


def external_sinks(
    config: AuditConfig, http: HttpConfig, secrets: Secrets, load: Loader, load_key: str
) -> list[AuditSink]:
    """The webhook and the Google Sheet, each when its environment variables are set."""
    found = [webhook_sink(config, http, secrets), sheets_sink(config, http, secrets, load, load_key)]
    return [sink for sink in found if sink is not None]


def close_sinks(timeout_s: float = 0.0) -> None:
    """Close and forget every sink built in this process (tests; a clean shutdown drains first)."""
    with _lock:
        built = [sink for sink in _built.values() if sink is not None]
        _built.clear()
    for sink in built:
        close = getattr(sink, "close", None)
        if close is not None:
            close(timeout_s)
