"""The audit trail in Postgres: one workflow row folded from its events, under retries and races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from notes_pipeline.domain.events import PipelineEvent, WorkflowRef
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import StateStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REF = WorkflowRef(workflow_id="run-1", project_id="doc", run_id="run-1", tier="premium")


def _register(database: Database, doc_id: str = "doc") -> None:
    StateStore(database).register_project(
        SourceRecord(
            doc_id=doc_id,
            source_key=f"inbox/{doc_id}.md",
            source_name=f"{doc_id}.md",
            content_hash="a" * 64,
            size_bytes=10,
            copy_key=None,
            registered_at="2026-11-23T00:00:00+00:00",
        )
    )


def _event(kind: str, seconds: float, ref: WorkflowRef = REF, **fields) -> PipelineEvent:
    return PipelineEvent.of(ref, kind, **fields).model_copy(update={"at": T0 + timedelta(seconds=seconds)})


def test_a_workflow_row_has_every_stage_its_retries_errors_and_total_time(database: Database) -> None:
    _register(database)
    audit = AuditLog(database)
    retried = WorkflowRef(workflow_id="run-1", project_id="doc", run_id="run-2")  # Dagster's retry of run-1
    events = [
        _event("stage_started", 0, stage="video_script"),
        _event("stage_succeeded", 2, stage="video_script"),
        _event("stage_started", 2.5, stage="scene_narration"),
        _event("scene_succeeded", 3, stage="scene_narration", scene=1, data={"provider": "espeak"}),
        _event("stage_failed", 4, stage="scene_narration", error="espeak: every narrator failed"),
        _event("stage_started", 10, ref=retried, stage="scene_narration"),
        _event("stage_succeeded", 12, ref=retried, stage="scene_narration"),
        _event("stage_started", 12, ref=retried, stage="scene_images"),
        _event("stage_succeeded", 13, ref=retried, stage="scene_images"),
        _event("stage_started", 13, ref=retried, stage="final_video"),
    ]
    for event in events:
        audit.record(event)
    running = audit.workflow("run-1")
    assert running is not None and running.status == "running" and running.total_s is None
    assert running.stages["final_video"].status == "running"

    audit.record(_event("stage_succeeded", 20.5, ref=retried, stage="final_video"))
    audit.record(events[3])  # the same event delivered twice is kept once

    record = audit.workflow("run-1")
    assert record is not None
    assert (record.status, record.run_id, record.run_ids, record.tier) == (
        "succeeded",
        "run-2",
        ["run-1", "run-2"],
        "premium",
    )
    assert (record.retries, record.errors) == (1, 1)
    assert record.last_error == "espeak: every narrator failed"
    assert record.total_s == pytest.approx(20.5)
    narration = record.stages["scene_narration"]
    assert (narration.status, narration.attempts, narration.error) == ("succeeded", 2, None)
    assert narration.started_at == T0 + timedelta(seconds=10) and narration.ended_at == T0 + timedelta(seconds=12)
    assert {name: s.attempts for name, s in record.stages.items()} == {
        "video_script": 1,
        "scene_narration": 2,
        "scene_images": 1,
        "final_video": 1,
    }
    logged = audit.events("run-1")
    assert [e.kind for e in logged] == [e.kind for e in events] + ["stage_succeeded"]
    assert logged[3].scene == 1 and logged[3].data == {"provider": "espeak"}
    assert [w.id for w in audit.project_workflows("doc")] == ["run-1"]


def test_a_crashed_run_fails_its_workflow_and_the_stage_it_cut_short(database: Database) -> None:
    _register(database)
    audit = AuditLog(database)
    audit.record(_event("stage_started", 0, stage="video_script"))
    audit.record(_event("stage_succeeded", 1, stage="video_script"))
    audit.record(_event("stage_started", 1, stage="scene_narration"))
    audit.record(_event("run_failed", 30, error="run worker stopped: process 123 was killed"))
    record = audit.workflow("run-1")
    assert record is not None and record.status == "failed" and record.errors == 1
    assert record.stages["scene_narration"].status == "failed"
    assert record.stages["video_script"].status == "succeeded"
    assert record.total_s == pytest.approx(30)

    # A failure reported for an older run of the workflow does not undo its newer run.
    audit.record(_event("stage_started", 40, ref=REF.model_copy(update={"run_id": "run-2"}), stage="scene_narration"))
    audit.record(_event("run_failed", 41, error="late report of run-1"))
    assert audit.workflow("run-1").status == "running"


def test_a_run_that_failed_before_any_stage_still_gets_its_workflow(database: Database) -> None:
    _register(database)
    AuditLog(database).record(_event("run_failed", 0, error="step could not start"))
    record = AuditLog(database).workflow("run-1")
    assert record is not None and record.status == "failed" and record.stages == {}
    assert record.last_error == "step could not start"


def test_stages_finishing_at_the_same_moment_both_land_in_the_row(database: Database) -> None:
    """Narration and images run in two processes at once: neither update may overwrite the other."""
    _register(database)
    audit = AuditLog(database)
    audit.record(_event("stage_started", 0, stage="video_script"))
    stages = [f"stage_{n}" for n in range(8)]
    start = threading.Barrier(len(stages))

    def run(stage: str) -> None:
        start.wait()
        audit.record(_event("stage_started", 1, stage=stage))
        audit.record(_event("stage_succeeded", 2, stage=stage))

    threads = [threading.Thread(target=run, args=(s,)) for s in stages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    record = audit.workflow("run-1")
    assert record is not None
    assert {s: record.stages[s].status for s in stages} == dict.fromkeys(stages, "succeeded")
    assert len(audit.events("run-1")) == 1 + 2 * len(stages)
