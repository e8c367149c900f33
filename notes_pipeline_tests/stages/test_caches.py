"""Repeated work costs nothing: provider calls counted through the stage functions on a real database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from notes_pipeline.domain.models import (
    ScriptManifest,
    VideoRender,
)
from notes_pipeline.providers.embeddings.local import LocalEmbedder
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.project import project_stage, script_stage, video_stage
from notes_pipeline.stages.tracking import SceneTracker
from notes_pipeline.store.bucket import Bucket, LocalBucket
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import StateStore
from notes_pipeline_tests.stages.counting import (
    PROMPT,
    Calls,
    CountingNarrator,
    CountingSlides,
    CountingWriter,
    register,
)

PARAPHRASE = b"---\nresolution: 480\n---\nAbout the morning ritual: a friendly 30-second coffee cup brand ad.\n"


def run_pipeline(
    bucket: Bucket, state: StateStore, doc_id: str, calls: Calls, tmp: Path, *, edit_scene: int | None = None
) -> VideoRender:
    """The four stages as the assets run them, without Dagster, recording into the database."""
    worker = f"test-{doc_id}"
    with project_stage(bucket, state, doc_id, "video_script", run_id=worker):
        manifest, script, _ = script_stage(
            bucket,
            state,
            doc_id,
            CountingWriter(calls, edit_scene),
            LocalEmbedder(),
            max_bytes=1_000_000,
            semantic_threshold=0.98,
        )
    with project_stage(bucket, state, doc_id, "scene_narration", run_id=worker):
        narration = narrate_script(
            bucket, manifest, CountingNarrator(calls), tracker=SceneTracker(state, doc_id, "audio", worker=worker)
        )
    with project_stage(bucket, state, doc_id, "scene_images", run_id=worker):
        images = make_images(
            bucket, manifest, CountingSlides(calls), tracker=SceneTracker(state, doc_id, "image", worker=worker)
        )
    with project_stage(bucket, state, doc_id, "final_video", run_id=worker):
        return video_stage(bucket, state, manifest, script, narration, images, scratch_root=tmp / "scratch")


@pytest.fixture
def store(tmp_path: Path) -> Bucket:
    return LocalBucket(tmp_path / "bucket")


@pytest.mark.slow
def test_identical_request_calls_no_provider_and_near_duplicate_reuses_the_video(
    store: Bucket, database: Database, tmp_path: Path
) -> None:
    state = StateStore(database)
    first_calls = Calls()
    first_id = register(store, "coffee.txt", PROMPT)
    first = run_pipeline(store, state, first_id, first_calls, tmp_path)
    assert first_calls.script == 1 and len(first_calls.narration) == len(first_calls.images) >= 3

    # The same partition made again from scratch (manifests gone): every clip and image from the cache.
    for manifest in store.list(f"projects/{first_id}/manifests/"):
        store.delete(manifest.key)
    again = Calls()
    run_pipeline(store, state, first_id, again, tmp_path)
    assert (again.narration, again.images) == ([], [])

    # A near-identical prompt, other words in another order: no provider at all, the video is reused.
    second_calls = Calls()
    second_id = register(store, "coffee-again.txt", PARAPHRASE)
    second = run_pipeline(store, state, second_id, second_calls, tmp_path)
    assert (second_calls.script, second_calls.narration, second_calls.images) == (0, [], [])
    assert second.reused and second.render_id == first.render_id
    assert store.get_bytes(second.video_key) == store.get_bytes(first.video_key)
    project = state.project(second_id)
    assert project["reused_from"] == first_id and project["status"] == "done"
    with psycopg.connect(database.url) as conn:
        hits = dict(
            conn.execute(
                "SELECT asset_type, array_agg(DISTINCT cache_hit) FROM assets WHERE project_id = %s GROUP BY 1",
                (second_id,),
            ).fetchall()
        )
    assert hits == {
        "script": ["semantic"],
        "audio": ["exact"],
        "image": ["exact"],
        "video": ["semantic"],
        "subtitles": ["semantic"],
        "thumbnail": ["semantic"],
    }


@pytest.mark.slow
def test_a_changed_scene_alone_is_made_again(store: Bucket, database: Database, tmp_path: Path) -> None:
    state = StateStore(database)
    doc_id = register(store, "coffee.txt", PROMPT)
    before = Calls()
    run_pipeline(store, state, doc_id, before, tmp_path)
    scenes = len(before.narration)

    for manifest in store.list(f"projects/{doc_id}/manifests/"):
        store.delete(manifest.key)
    after = Calls()
    run_pipeline(store, state, doc_id, after, tmp_path, edit_scene=2)
    assert len(after.narration) == 1 and after.narration[0].endswith("And one more thing.")
    assert after.images == [2]
    progress = state.progress(doc_id)
    assert len(progress) == scenes and {p.status for p in progress} == {"done"}
    with psycopg.connect(database.url) as conn:
        stages = conn.execute(
            "SELECT stage, status FROM stage_runs WHERE project_id = %s ORDER BY id", (doc_id,)
        ).fetchall()
    assert stages == [(s, "succeeded") for s in ("video_script", "scene_narration", "scene_images", "final_video")] * 2


@pytest.mark.slow
def test_the_reuse_decision_travels_in_the_manifest_not_through_the_database(
    store: Bucket, database: Database, tmp_path: Path
) -> None:
    state = StateStore(database)
    first_id = register(store, "coffee.txt", PROMPT)
    first = run_pipeline(store, state, first_id, Calls(), tmp_path)

    second_id = register(store, "coffee-again.txt", PARAPHRASE)
    with project_stage(store, state, second_id, "video_script", run_id="test"):
        written, script, match = script_stage(
            store,
            state,
            second_id,
            CountingWriter(Calls()),
            LocalEmbedder(),
            max_bytes=1_000_000,
            semantic_threshold=0.98,
        )
    assert match is not None and written.reused_from == first_id
    assert state.project(second_id)["reused_from"] == first_id  # still recorded, for the reports
    # The manifest as Dagster's IO manager hands it to the next step (another process, maybe), while the
    # database forgets the reuse: final_video still copies the earlier render.
    manifest = ScriptManifest.model_validate_json(written.model_dump_json())
    with psycopg.connect(database.url) as conn:
        conn.execute("UPDATE projects SET reused_from = NULL WHERE id = %s", (second_id,))
    narration = narrate_script(store, manifest, CountingNarrator(Calls()))
    images = make_images(store, manifest, CountingSlides(Calls()))
    with project_stage(store, state, second_id, "final_video", run_id="test"):
        render = video_stage(store, state, manifest, script, narration, images, scratch_root=tmp_path / "scratch")
    assert render.reused and render.render_id == first.render_id and render.render_s == 0.0
    assert store.get_bytes(render.video_key) == store.get_bytes(first.video_key)
