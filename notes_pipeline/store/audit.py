"""The audit trail in Postgres: one `workflows` row per workflow, built from `audit_events`.

Each event is appended once (its id is unique) and folded into its workflow's row in the
same transaction, so the row is always the sum of the log: per-stage start, end, status,
attempts and error, the workflow's retries, errors and total time.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from notes_pipeline.domain.events import FINAL_STAGE, PipelineEvent, WorkflowRecord
from notes_pipeline.store.db import Database


def _workflow(row: dict[str, Any]) -> WorkflowRecord:
    return WorkflowRecord.model_validate(row)


class AuditLog:
    """Reads and writes the audit tables; every statement is a named query in `sql/queries/`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, event: PipelineEvent) -> None:
        """Append the event and fold it into its workflow (created by its first stage or run event)."""
        params: dict[str, Any] = {
            "workflow_id": event.workflow_id,
            "project_id": event.project_id,
            "run_id": event.run_id,
            "tier": event.tier,
            "stage": event.stage,
            "at": event.at,
            "error": event.error,
        }
        with self.db.transaction() as conn:
            if event.kind == "stage_started":
                self.db.rows("workflow_stage_started", conn, **params)
            elif event.kind in ("stage_succeeded", "stage_failed"):
                status = "succeeded" if event.kind == "stage_succeeded" else "failed"
                self.db.rows(
                    "workflow_stage_finished",
                    conn,
                    **params,
                    status=status,
                    completes=event.kind == "stage_succeeded" and event.stage == FINAL_STAGE,
                )
            elif event.kind in ("run_succeeded", "run_failed"):
                self.db.rows("workflow_opened", conn, **params)
                self.db.rows(
                    "workflow_run_finished",
                    conn,
                    **params,
                    status="succeeded" if event.kind == "run_succeeded" else "failed",
                )
            self.db.rows(
                "record_audit_event",
                conn,
                event_id=event.event_id,
                workflow_id=event.workflow_id,
                project_id=event.project_id,
                run_id=event.run_id,
                kind=event.kind,
                stage=event.stage,
                scene=event.scene,
                error=event.error,
                data=Jsonb(event.data),
                at=event.at,
            )

    def workflows(self, ids: list[str]) -> list[WorkflowRecord]:
        return [_workflow(r) for r in self.db.rows("workflow_records", ids=ids)]

    def workflow(self, workflow_id: str) -> WorkflowRecord | None:
        found = self.workflows([workflow_id])
        return found[0] if found else None

    def project_workflows(self, project_id: str) -> list[WorkflowRecord]:
        return [_workflow(r) for r in self.db.rows("project_workflows", project_id=project_id)]

    def events(self, workflow_id: str) -> list[PipelineEvent]:
        return [PipelineEvent.model_validate(r) for r in self.db.rows("workflow_events", workflow_id=workflow_id)]
