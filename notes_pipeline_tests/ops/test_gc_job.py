"""The nightly garbage_collection job on a real instance: it deletes a failed project's objects, logs why,
and keeps every object of a delivered project even when projects.status says it is running."""

from __future__ import annotations

import dagster as dg

from notes_pipeline.defs.ops.gc import garbage_collection
from notes_pipeline.defs.resources import PipelineSettings
from notes_pipeline_tests.stages.gc_fixtures import RENDER, age_everything, delivered_and_failed


def test_the_gc_job_deletes_failed_work_and_keeps_delivered_work(resources, bucket, tmp_path) -> None:
    state = resources["database"].state()
    delivered_and_failed(state, bucket)
    state.set_status("good-doc", "running")  # as a backfill of one asset leaves it
    age_everything(state.db)
    instance = dg.DagsterInstance.ephemeral()
    result = garbage_collection.execute_in_process(
        instance=instance,
        resources={**resources, "settings": PipelineSettings(gc_retention_days=7, scratch_dir=str(tmp_path))},
    )
    assert result.success
    assert bucket.stat("projects/failed-doc/scenes/01/image.png") is None
    for kept in ("projects/good-doc/scenes/01/image.png", RENDER + "video.mp4", RENDER + "render.json"):
        assert bucket.stat(kept) is not None
    logged = [e.message for e in instance.all_logs(result.run_id) if e.user_message]
    assert any(
        m.startswith("deleted projects/failed-doc/scenes/01/image.png\tfailed project failed-doc, last touched ")
        for m in logged
    ), logged
