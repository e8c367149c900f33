"""The audit hooks of the media assets: which workflow a step belongs to, and its event publisher.

A workflow is a document's first run and every retry of it (Dagster's root run id), so one id names it
in Postgres, the webhook and the sheet. It is also the scene-task worker: a crashed run's scene claims die
with its database session.
"""

from __future__ import annotations

import dagster as dg

from notes_pipeline.defs.ops.priority import TIER_TAG
from notes_pipeline.defs.resources import ProvidersResource
from notes_pipeline.domain.events import WorkflowRef
from notes_pipeline.domain.tiers import TIERS
from notes_pipeline.providers.audit.base import AuditSink, WorkflowEvents
from notes_pipeline.providers.audit.postgres import PostgresAuditSink
from notes_pipeline.stages.tracking import SceneTracker
from notes_pipeline.store.state import StateStore, TaskKind

ROOT_RUN_TAG = "dagster/root_run_id"


def workflow_of(run: dg.DagsterRun, project_id: str) -> WorkflowRef:
    tier = run.tags.get(TIER_TAG)
    root = run.root_run_id or run.tags.get(ROOT_RUN_TAG)
    return WorkflowRef(
        workflow_id=root or run.run_id, project_id=project_id, run_id=run.run_id, tier=tier if tier in TIERS else None
    )


def audit_sinks(state: StateStore, providers: ProvidersResource | None) -> list[AuditSink]:
    """Postgres first (the record), then the copies the environment asks for."""
    return [PostgresAuditSink(state.db), *(providers.get_audit_sinks(state.db) if providers is not None else [])]


def workflow_events(
    context: dg.AssetExecutionContext, state: StateStore, providers: ProvidersResource | None
) -> WorkflowEvents:
    return WorkflowEvents(workflow_of(context.run, context.partition_key), audit_sinks(state, providers))


def scene_tracker(
    context: dg.AssetExecutionContext, state: StateStore, kind: TaskKind, providers: ProvidersResource | None
) -> SceneTracker:
    """The step's tracker: claims in the workflow's name, scene events to the audit trail."""
    events = workflow_events(context, state, providers)
    return SceneTracker(
        state, context.partition_key, kind, worker=events.ref.workflow_id, run_id=context.run.run_id, events=events
    )
