"""Review before spending, end to end on an ephemeral instance: stop at the script, edit, approve, re-render
only what changed (provider calls counted), and edits made to the JSON in the bucket."""

from __future__ import annotations

import json

import dagster as dg
import psycopg
import pytest

from notes_pipeline.cli import main
from notes_pipeline.defs.review.sensors import RENDER_ASSETS
from notes_pipeline.domain.models import NarrationManifest, Script, VideoRender
from notes_pipeline.media.probe import probe
from notes_pipeline.store import keys
from notes_pipeline_tests.defs.review_helpers import (
    CALLS,
    CountingProviders,
    materializations,
    materialize,
    register,
    reset_calls,
    review_tick,
)

pytestmark = pytest.mark.slow

NOTES = b"""---
resolution: 480
review: true
---
# Why leaves change colour

## Chlorophyll fades
In autumn, trees stop making chlorophyll. The green pigment breaks down.

## Hidden colours appear
Carotenoids were there all summer. They show yellow and orange once the green is gone.

## New reds are made
Some trees make anthocyanins in autumn. Cold nights give the brightest reds.
"""
NEW_NARRATION = "Trees stop making chlorophyll in autumn, and the green slowly fades away."


@pytest.fixture
def setup(resources, bucket, database_url, tmp_path, monkeypatch):
    # The CLI finds the same bucket and database as the resources.
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", database_url)
    reset_calls()
    return dg.DagsterInstance.ephemeral(), {**resources, "providers": CountingProviders()}


def _render(instance, resources, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    assert request.asset_selection == RENDER_ASSETS  # downstream of the script only
    result = materialize(
        instance, resources, request.partition_key, selection=request.asset_selection, tags=request.tags
    )
    assert result.success
    return result


def _rows(url: str, sql: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_stop_at_script_edit_approve_and_only_the_edited_scene_is_made_again(setup, bucket, database_url, capsys):
    instance, resources = setup
    doc_id = register(instance, resources, bucket, "leaves.md", NOTES)

    # The inbox's run stops after the script: a success, with nothing downstream made or paid for.
    first = materialize(instance, resources, doc_id)
    assert first.success
    skipped = {e.step_key for e in first.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert {"scene_narration", "scene_images", "final_video"} <= skipped
    assert not any(e.is_failure for e in first.all_events)
    assert len(materializations(instance, "video_script", doc_id)) == 1
    for asset in ("approved_script", "scene_narration", "scene_images", "final_video"):
        assert materializations(instance, asset, doc_id) == [], asset
    assert (CALLS.narration, CALLS.images) == ([], [])
    assert _rows(database_url, "SELECT status FROM projects WHERE id = %s", doc_id) == [("review",)]
    assert review_tick(instance, resources).run_requests == []  # nothing approved, nothing to render

    # Approve version 1: one render request, claimed once.
    assert main(["approve", doc_id, "--by", "tester"]) == 0
    (request,) = review_tick(instance, resources).run_requests
    assert review_tick(instance, resources).run_requests == []
    run1 = _render(instance, resources, request)
    scenes = len(run1.output_for_node("scene_narration").clips)
    assert len(CALLS.narration) == scenes and sorted(CALLS.images) == list(range(1, scenes + 1))
    render1: VideoRender = run1.output_for_node("final_video")

    # Edit scene 2: a new version waits for approval; its announcement reaches video_script's history.
    reset_calls()
    assert main(["edit", doc_id, "--scene", "2", "--narration", NEW_NARRATION]) == 0
    assert "version 2: scene 2: narration" in capsys.readouterr().out
    tick = review_tick(instance, resources)
    assert tick.run_requests == []
    (event,) = tick.asset_events
    assert event.partition == doc_id and event.metadata["version"].value == 2
    assert len(materializations(instance, "video_script", doc_id)) == 2

    assert main(["approve", doc_id]) == 0
    (request,) = review_tick(instance, resources).run_requests
    run2 = _render(instance, resources, request)
    assert CALLS.narration == [NEW_NARRATION] and CALLS.images == [2] and CALLS.script == 0
    narration: NarrationManifest = run2.output_for_node("scene_narration")
    assert [c.reused for c in narration.clips] == [i != 2 for i in range(1, scenes + 1)]
    render2: VideoRender = run2.output_for_node("final_video")
    assert render2.render_id != render1.render_id
    assert bucket.get_bytes(render2.video_key) != bucket.get_bytes(render1.video_key)
    assert bucket.stat(render1.video_key) is not None  # the earlier render is kept beside the new one
    assert abs(probe(bucket.local_path(render2.video_key)).duration_s - narration.total_duration_s) < 0.2
    assert run2.asset_materializations_for_node("approved_script")[0].metadata["version"].value == 2

    # Edit the JSON in the bucket by hand: the sensor makes it version 3; after approval only its picture is redrawn.
    reset_calls()
    raw = json.loads(bucket.get_bytes(keys.script(doc_id)))
    raw["scenes"][2]["heading"] = "Yellow and orange"
    bucket.put_bytes(keys.script(doc_id), json.dumps(raw).encode())
    tick = review_tick(instance, resources)
    assert tick.run_requests == [] and [e.metadata["origin"].value for e in tick.asset_events] == ["bucket"]
    assert main(["approve", doc_id]) == 0
    (request,) = review_tick(instance, resources).run_requests
    run3 = _render(instance, resources, request)
    assert (CALLS.narration, CALLS.images) == ([], [3])
    assert run3.output_for_node("final_video").render_id not in (render1.render_id, render2.render_id)

    # Every version kept, each file unchanged since it was made.
    versions = _rows(
        database_url,
        "SELECT version, origin, summary FROM script_versions WHERE project_id = %s ORDER BY version",
        doc_id,
    )
    assert versions == [
        (1, "writer", "written by local"),
        (2, "cli", "scene 2: narration"),
        (3, "bucket", "scene 3: heading"),
    ]
    v1 = Script.model_validate_json(bucket.get_bytes(keys.script_version(doc_id, 1)))
    v3 = Script.model_validate_json(bucket.get_bytes(keys.script_version(doc_id, 3)))
    assert v1.scenes[1].narration != NEW_NARRATION and v3.scenes[1].narration == NEW_NARRATION
    assert v3.scenes[2].heading == "Yellow and orange" and v3.writer == "local+edited"
    assert _rows(database_url, "SELECT status FROM projects WHERE id = %s", doc_id) == [("done",)]

    assert main(["list", doc_id]) == 0
    listing = capsys.readouterr().out
    assert f"{doc_id}: 3 renders" in listing
    assert all(r in listing for r in (render1.render_id, render2.render_id))
