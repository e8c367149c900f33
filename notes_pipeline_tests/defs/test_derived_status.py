"""Status comes from what exists: a backfill of one asset leaves a delivered project delivered, GC keeps
every object of it, and `status --follow` stops with the truth when nothing runs for a document."""

from __future__ import annotations

import time

import dagster as dg
import pytest

from notes_pipeline.cli import main
from notes_pipeline.defs.ingest import sensors
from notes_pipeline.defs.ingest.sensors import inbox_sensor
from notes_pipeline.domain.models import ImagesManifest, NarrationManifest, ScriptManifest, VideoRender
from notes_pipeline.media.probe import probe
from notes_pipeline.stages import failures
from notes_pipeline.store.cache import digest_of_key
from notes_pipeline_tests.defs.review_helpers import materialize, register

pytestmark = pytest.mark.slow

NOTES = b"""---
resolution: 480
---
# Tides

## The moon pulls
The moon's gravity pulls the sea towards it. The water bulges on the near side.

## Two bulges
A second bulge forms on the far side. So most coasts see two high tides a day.
"""
# Narration and images are made, then the render fails: a genuinely failed project with objects.
FAILS_AT_THE_VIDEO = b"""---
resolution: 480
music: nowhere.mp3
---
# Sand

## Grains
Sand is rock broken into grains by water and wind over many years.
"""
INVALID_OPTIONS = b"---\nresolution: 999\n---\nNotes that never get a script.\n"


def _delivered_keys(result: dg.ExecuteInProcessResult) -> set[str]:
    """Every object the delivered render refers to, found from the run's own outputs."""
    render: VideoRender = result.output_for_node("final_video")
    script: ScriptManifest = result.output_for_node("video_script")
    narration: NarrationManifest = result.output_for_node("scene_narration")
    images: ImagesManifest = result.output_for_node("scene_images")
    return {
        render.video_key,
        render.srt_key,
        render.vtt_key,
        render.thumbnail_key,
        render.manifest_key,
        render.video_key.replace("video.mp4", "provenance.json"),
        script.script_key,
        *(c.audio_key for c in narration.clips),
        *(i.image_key for i in images.images),
    }


def _listed(out: str) -> dict[str, str]:
    return dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line)


def test_a_backfill_of_scene_images_leaves_the_delivered_project_delivered_and_gc_keeps_all_of_it(
    resources, bucket, cli_home, capsys
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "tides.md", NOTES)
    delivered = materialize(instance, resources, doc_id)
    assert delivered.success
    render: VideoRender = delivered.output_for_node("final_video")
    used_hashes = {c.input_hash for c in delivered.output_for_node("scene_narration").clips} | {
        i.input_hash for i in delivered.output_for_node("scene_images").images
    }

    failed_doc = register(instance, resources, bucket, "sand.md", FAILS_AT_THE_VIDEO)
    assert not materialize(instance, resources, failed_doc).success
    failed_objects = {
        o.key for o in bucket.list(f"projects/{failed_doc}/scenes/") if not o.key.endswith("words.json")
    }  # words.json has no assets row: never a candidate
    assert len(failed_objects) == 2 * 3  # its narration and images were made before the render failed

    backfill = materialize(instance, resources, doc_id, selection=["scene_images"])  # the UI's backfill of one asset
    assert backfill.success and backfill.output_for_node("scene_images")

    assert main(["status", doc_id]) == 0
    assert capsys.readouterr().out.startswith(f"{doc_id}: done (delivered)")
    assert main(["status", doc_id, "--follow", "--timeout", "120"]) == 0
    assert f"video: {bucket.local_path(render.video_key)}" in capsys.readouterr().out

    assert main(["gc", "--retention-days", "0"]) == 0
    listed = _listed(capsys.readouterr().out)
    protected = _delivered_keys(delivered)
    assert not protected & set(listed), sorted(protected & set(listed))
    assert not {k for k in listed if digest_of_key(k) in used_hashes}  # nor the cache entries it used
    assert not [k for k in listed if k.startswith(f"projects/{doc_id}/")]
    assert failed_objects <= set(listed)
    reasons = {listed[k] for k in failed_objects}
    assert len(reasons) == 1 and reasons.pop().startswith(f"failed project {failed_doc}, last touched ")

    assert main(["gc", "--retention-days", "0", "--apply"]) == 0
    assert f"deleted {len(listed)} objects" in capsys.readouterr().out
    assert all(bucket.stat(k) is None for k in failed_objects)
    assert all(bucket.stat(k) is not None for k in protected)
    assert probe(bucket.local_path(render.video_key)).duration_s == pytest.approx(render.duration_s, abs=0.1)
    assert main(["status", failed_doc]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{failed_doc}: failed\n  error at final_video: ") and "nowhere.mp3" in out


def test_follow_stops_and_says_what_is_missing_when_nothing_runs(resources, bucket, cli_home, capsys) -> None:
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "tides.md", NOTES)
    assert materialize(instance, resources, doc_id, selection=["video_script", "approved_script"]).success

    started = time.monotonic()
    assert main(["status", doc_id, "--follow", "--interval", "0.1", "--timeout", "120"]) == 1
    assert time.monotonic() - started < 60  # stopped by what it saw, not by the timeout
    out = capsys.readouterr().out
    assert f"{doc_id}: incomplete" in out
    assert f"nothing is running for {doc_id}; missing: narration, images, video" in out


def test_the_inbox_sensor_asks_again_for_a_failed_document_only_under_new_code(resources, bucket, monkeypatch) -> None:
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "bad.md", INVALID_OPTIONS)
    assert not materialize(instance, resources, doc_id).success

    def tick() -> list[dg.RunRequest]:
        with dg.build_sensor_context(instance=instance, resources=resources) as context:
            return inbox_sensor(context).run_requests

    assert tick() == []
    for module in (failures, sensors):
        monkeypatch.setattr(module, "code_version", lambda: "9.9.9+newcode")
    (request,) = tick()
    assert request.partition_key == doc_id and request.run_key.endswith(":retry:9.9.9+newcode")
    assert not materialize(instance, resources, doc_id).success  # the new code fails it too: recorded under it
    assert tick() == []
