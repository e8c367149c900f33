"""Run status sensors: a finished run closes its workflow in the audit trail; a failed one says why.

Failures the assets cannot see for themselves (a killed run worker, a run stopped by run
monitoring for exceeding its maximum runtime, a step that never started) reach the
product database only through here: the project is marked failed with the run's failure
message, and the workflow gets a `run_failed` event (and so do the webhook and the sheet).
"""

from __future__ import annotations

import dagster as dg

from notes_pipeline.defs.ops.audit import audit_sinks, workflow_of
from notes_pipeline.defs.ops.dead_runs import dead_run_sensor
from notes_pipeline.defs.resources import DatabaseResource, ProvidersResource
from notes_pipeline.providers.audit.base import WorkflowEvents
from notes_pipeline.store.state import StateStore

PARTITION_TAG = "dagster/partition"


def _project(run: dg.DagsterRun, state: StateStore) -> str | None:
    doc_id = run.tags.get(PARTITION_TAG)
    return doc_id if doc_id and state.project(doc_id) is not None else None


def _not_a_document(run: dg.DagsterRun) -> dg.SkipReason:
    return dg.SkipReason(f"run {run.run_id} is not a run of a registered document: nothing to record")


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=10)
def record_run_failure(
    context: dg.RunFailureSensorContext, database: DatabaseResource, providers: ProvidersResource
) -> dg.SkipReason | None:
    """Marks the document failed and closes its workflow with the run's failure message."""
    run = context.dagster_run
    state = database.state()
    doc_id = _project(run, state)
    if doc_id is None:
        return _not_a_document(run)
    message = (context.failure_event.message or "").strip() or "the run failed"
    state.set_status(doc_id, "failed", error=f"run {run.run_id} failed: {message}")
    WorkflowEvents(workflow_of(run, doc_id), audit_sinks(state, providers)).publish("run_failed", error=message)
    context.log.info(f"recorded the failure of run {run.run_id} for document {doc_id}")
    return None


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS, default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=10
)
def record_run_success(
    context: dg.RunStatusSensorContext, database: DatabaseResource, providers: ProvidersResource
) -> dg.SkipReason | None:
    """Closes the workflow of a successful run, also one that stopped before the video (e.g. for review)."""
    run = context.dagster_run
    state = database.state()
    doc_id = _project(run, state)
    if doc_id is None:
        return _not_a_document(run)
    WorkflowEvents(workflow_of(run, doc_id), audit_sinks(state, providers)).publish("run_succeeded")
    return None


ops_sensors = [record_run_failure, record_run_success, dead_run_sensor]
