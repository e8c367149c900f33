"""The dead-run sensor: a run whose worker's session ended mid-stage is closed as failed, once."""

from __future__ import annotations

from contextlib import AbstractContextManager

import dagster as dg

from notes_pipeline.defs.ops.dead_runs import HOLDER_TAG, dead_run_sensor, fail_dead_runs
from notes_pipeline.defs.resources import DatabaseResource
from notes_pipeline.domain.events import WorkflowRef
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.providers.audit.base import WorkflowEvents
from notes_pipeline.providers.audit.postgres import PostgresAuditSink
from notes_pipeline.stages.abandoned import ABANDONED_REASON
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.db import Database
from notes_pipeline.store.holder import SessionHolder
from notes_pipeline.store.state import StateStore


def _started_run(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRun:
    return instance.add_run(dg.DagsterRun(job_name="notes_video", run_id=run_id, status=dg.DagsterRunStatus.STARTED))


def _stage_left_running(state: StateStore, doc_id: str, run_id: str) -> AbstractContextManager[None]:
    """A stage begun by a worker that then vanished: its stage row and workflow stay 'running'.
    Keep the returned stage: collecting it would end the stage as failed."""
    WorkflowEvents(
        WorkflowRef(workflow_id=run_id, project_id=doc_id, run_id=run_id), [PostgresAuditSink(state.db)]
    ).stage_started("scene_narration")
    stage = state.stage(doc_id, "scene_narration", run_id)
    stage.__enter__()  # never left: the process died inside
    return stage


def test_the_sensor_fails_runs_whose_worker_died_and_leaves_live_ones_alone(database: Database) -> None:
    state = StateStore(database)
    for doc_id in ("dead-doc", "live-doc"):
        state.register_project(
            SourceRecord(
                doc_id=doc_id,
                source_key=f"inbox/{doc_id}.md",
                source_name="n.md",
                content_hash="a" * 64,
                size_bytes=1,
                copy_key=None,
                registered_at="2026-12-01T00:00:00+00:00",
            )
        )
    dead_worker = StateStore(database)
    dead_worker.holder = SessionHolder(database.url)  # a worker process of its own
    instance = dg.DagsterInstance.ephemeral()
    dead, live = _started_run(instance, "dead-run"), _started_run(instance, "live-run")
    dead_stage = _stage_left_running(dead_worker, "dead-doc", dead.run_id)
    live_stage = _stage_left_running(state, "live-doc", live.run_id)
    dead_worker.holder.close()  # what Postgres does when that worker is killed

    resources = {"database": DatabaseResource(url=database.url)}
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        assert "dead-run" in dead_run_sensor(context).skip_message
    assert instance.get_run_by_id("dead-run").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("live-run").status == dg.DagsterRunStatus.STARTED
    with database.connection() as conn:
        rows = {r["run_id"]: r for r in conn.execute("SELECT run_id, status, error, ended_at FROM stage_runs")}
    assert rows["dead-run"]["status"] == "failed" and rows["dead-run"]["error"] == ABANDONED_REASON
    assert rows["dead-run"]["ended_at"] is not None and rows["live-run"]["status"] == "running"
    audit = AuditLog(database)
    assert audit.workflow("dead-run").status == "failed" and audit.workflow("live-run").status == "running"
    assert audit.workflow("dead-run").stages["scene_narration"].status == "failed"

    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        assert dead_run_sensor(context).skip_message == "no run worker died mid-stage"  # closed once
    live_stage.__exit__(None, None, None)  # the live worker was left alone and finishes its stage
    with database.connection() as conn:
        assert conn.execute("SELECT run_id, status FROM stage_runs ORDER BY run_id").fetchall() == [
            {"run_id": "dead-run", "status": "failed"},
            {"run_id": "live-run", "status": "succeeded"},
        ]
    del dead_stage


def test_a_run_killed_between_two_stages_is_failed_through_its_holder_tag(database: Database) -> None:
    """No stage is running when the process dies between two stages: the run's holder tag tells."""
    state = StateStore(database)
    state.register_project(
        SourceRecord(
            doc_id="dead-doc",
            source_key="inbox/dead-doc.md",
            source_name="n.md",
            content_hash="a" * 64,
            size_bytes=1,
            copy_key=None,
            registered_at="2026-12-01T00:00:00+00:00",
        )
    )
    dead_worker, live_worker = SessionHolder(database.url), SessionHolder(database.url)
    instance = dg.DagsterInstance.ephemeral()
    for run_id, holder in (("dead-run", dead_worker), ("live-run", live_worker)):
        instance.add_run(
            dg.DagsterRun(
                job_name="notes_video",
                run_id=run_id,
                status=dg.DagsterRunStatus.STARTED,
                tags={HOLDER_TAG: str(holder.token())},
            )
        )
    events = WorkflowEvents(
        WorkflowRef(workflow_id="dead-run", project_id="dead-doc", run_id="dead-run"), [PostgresAuditSink(state.db)]
    )
    events.stage_started("video_script")
    events.stage_finished("video_script")
    dead_worker.close()  # killed after its first stage ended, before the next began

    assert fail_dead_runs(instance, state) == ["dead-run"]
    assert instance.get_run_by_id("dead-run").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("live-run").status == dg.DagsterRunStatus.STARTED
    assert AuditLog(database).workflow("dead-run").status == "failed"
    assert fail_dead_runs(instance, state) == []  # once
    live_worker.close()
