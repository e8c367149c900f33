"""The audit trail's record: each event appended and folded into its workflow row, as it happens."""

from __future__ import annotations

import logging

from notes_pipeline.domain.events import PipelineEvent
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.db import Database

log = logging.getLogger(__name__)


class PostgresAuditSink:
    """Synchronous (a write takes about a millisecond); a failed write is logged, not raised."""

    name = "postgres"

    def __init__(self, db: Database) -> None:
        self.log = AuditLog(db)

    def record(self, event: PipelineEvent) -> None:
        try:
            self.log.record(event)
        except Exception as err:  # noqa: BLE001 - the audit trail must never fail the pipeline
            log.warning(
                "audit: could not record %s of workflow %s: %s: %s",
                event.kind,
                event.workflow_id,
                type(err).__name__,
                str(err).splitlines()[0] if str(err) else "",
            )
