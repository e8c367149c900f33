"""Runs whose process died mid-stage are closed as failed by the next process that looks.

A running stage row records its process's database session (store/holder.py); once that
session is gone the stage can never finish, so its row and its workflow are closed as
failed with a reason, exactly once, whoever looks first (the CLI, a sensor, a test).
"""

from __future__ import annotations

from notes_pipeline.providers.audit.base import WorkflowEvents
from notes_pipeline.providers.audit.postgres import PostgresAuditSink
from notes_pipeline.store.state import AbandonedStage, StateStore

ABANDONED_REASON = "the process running this stage ended before it finished (killed or crashed)"


def close_abandoned_runs(state: StateStore) -> list[AbandonedStage]:
    """Close every stage whose process died, and the open workflows of their runs; returns the stages."""
    stages = state.close_abandoned_stages(ABANDONED_REASON)
    close_workflows(state, sorted({s.run_id for s in stages if s.run_id}))
    return stages


def close_workflows(state: StateStore, run_ids: list[str]) -> None:
    """Close as failed the open workflows of runs whose process died."""
    for ref in state.running_workflows_of(run_ids):
        WorkflowEvents(ref, [PostgresAuditSink(state.db)]).publish("run_failed", error=ABANDONED_REASON)
