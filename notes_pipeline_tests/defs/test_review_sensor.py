"""The review sensor: hand edits become versions once, bad edits are reported once, and each version that may
be rendered gets exactly one run request, downstream of the script."""

from __future__ import annotations

import json
import threading

import dagster as dg
import pytest

from notes_pipeline.defs.resources import DatabaseResource
from notes_pipeline.defs.review.sensors import RENDER_ASSETS, script_review_sensor
from notes_pipeline.domain.models import Script, ScriptManifest
from notes_pipeline.domain.script_edits import SceneEdit
from notes_pipeline.stages.review import edit_script, record_version
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import load_model
from notes_pipeline.store.reviews import ReviewStore
from notes_pipeline_tests.defs.review_helpers import materializations, materialize, register, review_tick

NOTES = b"""---
resolution: 480
---
# Tides

## The moon pulls
The moon's gravity pulls the oceans towards it. The water bulges on the near side.

## Two bulges
A second bulge forms on the far side. Earth turns through both bulges each day.
"""


@pytest.fixture
def doc(resources, bucket, database):
    """A document whose script is written (video_script only): no media, no render."""
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "tides.md", NOTES)
    assert materialize(instance, resources, doc_id, selection=["video_script"]).success
    return instance, doc_id, ReviewStore(database)


def test_an_edit_of_a_document_without_review_is_rendered_once(doc, resources, bucket):
    instance, doc_id, reviews = doc
    assert review_tick(instance, resources).run_requests == []  # the writer's version renders in its own run
    version, changes = edit_script(bucket, reviews, doc_id, SceneEdit(scene=2, heading="Gravity"))
    assert (version.version, changes) == (2, ["scene 2: heading"])
    result = review_tick(instance, resources)
    (request,) = result.run_requests
    assert request.partition_key == doc_id and request.asset_selection == RENDER_ASSETS
    assert request.run_key == f"{doc_id}:script-v2:{version.content_hash[:16]}"
    assert [e.asset_key for e in result.asset_events] == [dg.AssetKey("video_script")]
    assert review_tick(instance, resources).run_requests == []  # claimed: never asked twice
    # video_script's stored value is the new version, so the requested run reads it.
    manifest = load_model(bucket, keys.manifest(doc_id, "video_script"), ScriptManifest)
    assert (manifest.version, manifest.script_key) == (2, keys.script_version(doc_id, 2))


def test_hand_edits_bad_then_cosmetic_then_real(doc, resources, bucket, capsys):
    instance, doc_id, reviews = doc
    key = keys.script(doc_id)
    good = bucket.get_bytes(key)

    bucket.put_bytes(key, good.replace(b'"scenes"', b'"scenes_typo"'))
    capsys.readouterr()
    first = review_tick(instance, resources)
    second = review_tick(instance, resources)
    assert first.run_requests == second.run_requests == [] and first.asset_events == []
    warnings = [line for line in capsys.readouterr().err.splitlines() if "cannot be used" in line]
    assert len(warnings) == 1 and "list of 'scenes'" in warnings[0]  # reported once, not every tick
    assert [v.version for v in reviews.versions(doc_id)] == [1]
    with pytest.raises(Exception, match="cannot be used"):  # no edit on top of an unfinished hand edit
        edit_script(bucket, reviews, doc_id, SceneEdit(scene=1, heading="x"))

    # Only the layout changes: the same version.
    bucket.put_bytes(key, json.dumps(json.loads(good), indent=8).encode())
    assert review_tick(instance, resources).asset_events == []
    assert [v.version for v in reviews.versions(doc_id)] == [1] and reviews.watched(doc_id).problem is None

    raw = json.loads(good)
    raw["scenes"].insert(1, {"heading": "Spring tides", "narration": "Sun and moon in line make the biggest tides."})
    bucket.put_bytes(key, json.dumps(raw).encode())
    (request,) = review_tick(instance, resources).run_requests
    (latest,) = reviews.versions(doc_id)[1:]
    assert (latest.version, latest.origin, latest.scene_count) == (2, "bucket", len(raw["scenes"]))
    assert latest.summary == "scene 2 inserted"
    assert len(materializations(instance, "video_script", doc_id)) == 2
    # The working copy stays as the person saved it; the version is the validated, renumbered script.
    assert bucket.get_bytes(key) == json.dumps(raw).encode()
    version = Script.model_validate_json(bucket.get_bytes(latest.object_key))
    assert [s.index for s in version.scenes] == list(range(1, len(raw["scenes"]) + 1))


def test_racing_writers_get_distinct_versions_and_one_claim(doc, bucket):
    _, doc_id, reviews = doc
    base = load_model(bucket, keys.manifest(doc_id, "video_script"), ScriptManifest)
    script = Script.model_validate_json(bucket.get_bytes(base.script_key))
    barrier = threading.Barrier(6)
    made: list[int] = []

    def write(n: int) -> None:
        edited = script.model_copy(update={"title": f"Tides, take {n}"})
        barrier.wait()
        version, _, created = record_version(bucket, reviews, base, edited, origin="cli", summary=f"take {n}")
        assert created
        made.append(version.version)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(made) == [2, 3, 4, 5, 6, 7]
    assert all(bucket.stat(keys.script_version(doc_id, n)) for n in made)

    claims: list[int] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        claims.extend(v.version for v in reviews.claim_renders(10))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert claims == [7]  # only the latest version, and only one claimer


def test_an_unreachable_database_skips_the_tick(resources):
    broken = {**resources, "database": DatabaseResource(url="postgresql://me:secret@127.0.0.1:1/nothing")}
    with dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), resources=broken) as context:
        result = script_review_sensor(context)
    assert isinstance(result, dg.SkipReason)
    assert "cannot connect" in result.skip_message and "secret" not in result.skip_message
