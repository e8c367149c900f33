"""Operations in Dagster: priority tiers on run requests, the run status sensors, dagster.yaml."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg
import pytest

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.defs.media.assets import media_assets
from notes_pipeline.defs.ops.sensors import record_run_failure, record_run_success
from notes_pipeline.defs.resources import PipelineSettings
from notes_pipeline.instance import prepare_instance
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.db import Database
from notes_pipeline_tests.conftest import drop

GOOD = b"# Tides\n\n## The moon\nThe moon pulls the oceans into two bulges.\n\n## The sun\nThe sun pulls too.\n"


def _requests(instance: dg.DagsterInstance, resources) -> dict[str, dg.RunRequest]:
    result = inbox_tick(instance, resources)
    return {r.tags["notes_pipeline/source"]: r for r in result.run_requests}


def test_the_tier_in_the_front_matter_sets_the_run_priority(resources, bucket) -> None:
    drop(bucket, "premium.md", b"---\ntier: premium\nresolution: 480\n---\n" + GOOD, mtime_s=1000)
    drop(bucket, "free.md", b"---\ntier: free\n---\n" + GOOD + b"Free.", mtime_s=1001)
    drop(bucket, "plain.md", GOOD + b"Plain.", mtime_s=1002)
    drop(bucket, "odd.md", b"---\ntier: platinum\n---\n" + GOOD + b"Odd.", mtime_s=1003)
    drop(bucket, "ad.json", b'{"prompt": "A short ad for a bakery.", "tier": "premium"}', mtime_s=1004)
    requests = _requests(dg.DagsterInstance.ephemeral(), resources)
    tags = {
        source.removeprefix("inbox/"): (r.tags["notes_pipeline/tier"], r.tags["dagster/priority"])
        for source, r in requests.items()
    }
    assert tags == {
        "premium.md": ("premium", "10"),
        "free.md": ("free", "-10"),
        "plain.md": ("standard", "0"),
        "odd.md": ("standard", "0"),
        "ad.json": ("premium", "10"),
    }

    drop(bucket, "later.md", GOOD + b"Later.", mtime_s=1004)
    cheap = {**resources, "settings": PipelineSettings(default_tier="free", inbox_settle_s=0)}
    later = _requests(dg.DagsterInstance.ephemeral(), cheap)["inbox/later.md"]
    assert (later.tags["notes_pipeline/tier"], later.tags["dagster/priority"]) == ("free", "-10")


def test_a_failed_run_is_recorded_by_the_failure_sensor(resources, bucket, database: Database) -> None:
    instance = dg.DagsterInstance.ephemeral()
    drop(bucket, "broken.md", b"---\ntier: premium\nresolution: 123\n---\n" + GOOD, mtime_s=1000)
    (request,) = _requests(instance, resources).values()
    result = dg.materialize(
        media_assets,
        partition_key=request.partition_key,
        instance=instance,
        resources=resources,
        tags=request.tags,
        raise_on_error=False,
    )
    assert not result.success
    doc_id, run = request.partition_key, result.dagster_run
    with dg.build_run_status_sensor_context(
        sensor_name="record_run_failure",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=result.get_run_failure_event(),
        resources=resources,
    ) as built:
        assert record_run_failure(built.for_run_failure()) is None

    with psycopg.connect(database.url) as conn:
        status, error = conn.execute("SELECT status, last_error FROM projects WHERE id = %s", (doc_id,)).fetchone()
    assert status == "failed" and error.startswith(f"run {run.run_id} failed: ")
    (workflow,) = AuditLog(database).project_workflows(doc_id)
    assert (workflow.id, workflow.status, workflow.tier, workflow.errors) == (run.run_id, "failed", "premium", 2)
    assert "resolution" in (workflow.stages["video_script"].error or "")
    assert [e.kind for e in AuditLog(database).events(run.run_id)] == ["stage_started", "stage_failed", "run_failed"]


def test_the_status_sensors_skip_runs_that_are_not_a_documents(resources) -> None:
    instance = dg.DagsterInstance.ephemeral()

    @dg.op
    def boom() -> None:
        raise RuntimeError("not a document's run")

    @dg.job
    def other() -> None:
        boom()

    failed = other.execute_in_process(instance=instance, raise_on_error=False)
    with dg.build_run_status_sensor_context(
        sensor_name="record_run_failure",
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
        dagster_event=failed.get_run_failure_event(),
        resources=resources,
    ) as built:
        skipped = record_run_failure(built.for_run_failure())
    assert isinstance(skipped, dg.SkipReason) and "not a run of a registered document" in skipped.skip_message


def test_a_successful_partial_run_closes_its_workflow(resources, bucket, database: Database) -> None:
    instance = dg.DagsterInstance.ephemeral()
    drop(bucket, "tides.md", GOOD, mtime_s=1000)
    (request,) = _requests(instance, resources).values()
    script_only = dg.materialize(
        media_assets[:1], partition_key=request.partition_key, instance=instance, resources=resources, tags=request.tags
    )
    (workflow,) = AuditLog(database).project_workflows(request.partition_key)
    assert workflow.status == "running" and workflow.stages["video_script"].status == "succeeded"
    with dg.build_run_status_sensor_context(
        sensor_name="record_run_success",
        dagster_instance=instance,
        dagster_run=script_only.dagster_run,
        dagster_event=script_only.get_run_success_event(),
        resources=resources,
    ) as built:
        assert record_run_success(built) is None
    (workflow,) = AuditLog(database).project_workflows(request.partition_key)
    assert workflow.status == "succeeded" and workflow.total_s is not None and workflow.tier == "standard"


def test_dagster_yaml_queues_by_priority_caps_free_runs_monitors_and_retries_crashes_only(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", database_url)
    prepare_instance(tmp_path / "home")
    instance = dg.DagsterInstance.from_config(str(tmp_path / "home"))
    queue = instance.get_concurrency_config().run_queue_config
    assert queue.max_concurrent_runs == 2
    assert queue.tag_concurrency_limits == [{"key": "notes_pipeline/tier", "value": "free", "limit": 1}]
    from dagster._core.run_coordinator import QueuedRunCoordinator

    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)  # the warm-run subclass of Dagster's own
    assert instance.run_coordinator.dequeue_interval_seconds == 1
    assert instance.run_monitoring_enabled and instance.run_monitoring_max_runtime_seconds == 3600
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 1
    assert instance.run_retries_retry_on_asset_or_op_failure is False
