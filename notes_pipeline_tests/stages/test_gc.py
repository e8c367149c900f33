"""Garbage collection deletes only what nobody will read again, and only when asked."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notes_pipeline.stages.gc import collect_garbage
from notes_pipeline.store.bucket import LocalBucket
from notes_pipeline.store.cache import entry_prefix
from notes_pipeline.store.db import Database
from notes_pipeline.store.reviews import ReviewStore
from notes_pipeline.store.state import AssetRecord, GcCandidate, StateStore
from notes_pipeline_tests.stages.gc_fixtures import (
    OLD_S,
    RENDER,
    age_everything,
    asset_row,
    delivered_and_failed,
    project_row,
)


def test_gc_finds_orphans_and_unused_cache_entries_and_deletes_them_only_with_apply(
    tmp_path: Path, database: Database
) -> None:
    bucket, state = LocalBucket(tmp_path / "bucket"), StateStore(database)
    delivered_and_failed(state, bucket)
    live, unused_old, unused_new = (entry_prefix("images", h * 64) + "image.png" for h in "acd")
    for key in (live, unused_old, unused_new):
        bucket.put_bytes(key, b"z" * 100)
    for key in (live, unused_old):
        os.utime(bucket.local_path(key), (OLD_S, OLD_S))
    age_everything(state.db)

    now = datetime.now(UTC)
    dry = collect_garbage(bucket, state, now=now, retention=timedelta(days=14))
    assert [i.key for i in dry.orphaned] == ["projects/failed-doc/scenes/01/image.png"]
    day = (now - timedelta(days=30)).strftime("%Y-%m-%d")
    assert dry.orphaned[0].reason == f"failed project failed-doc, last touched {day}, referenced by nothing"
    assert [i.key for i in dry.cache] == [unused_old] and "used by no delivered" in dry.cache[0].reason
    assert dry.bytes == 1100 and dry.dry_run
    assert bucket.stat("projects/failed-doc/scenes/01/image.png") is not None  # nothing deleted yet

    applied = collect_garbage(bucket, state, now=now, retention=timedelta(days=14), dry_run=False)
    assert applied.count == 2 and "deleted 2 objects" in applied.summary()
    assert bucket.stat("projects/failed-doc/scenes/01/image.png") is None and bucket.stat(unused_old) is None
    for kept in (
        "projects/good-doc/scenes/01/image.png",
        RENDER + "video.mp4",
        RENDER + "render.json",
        live,
        unused_new,
    ):
        assert bucket.stat(kept) is not None
    assert collect_garbage(bucket, state, now=now, retention=timedelta(days=14)).count == 0


def test_a_delivered_project_that_a_later_run_left_running_keeps_everything(tmp_path: Path, database: Database) -> None:
    """projects.status is whatever the last stage wrote; the video that exists decides."""
    bucket, state = LocalBucket(tmp_path / "bucket"), StateStore(database)
    delivered_and_failed(state, bucket)
    state.set_status("good-doc", "running")  # what a backfill of one asset leaves behind
    age_everything(state.db)
    report = collect_garbage(bucket, state, now=datetime.now(UTC), retention=timedelta(0))
    assert [i.key for i in report.orphaned] == ["projects/failed-doc/scenes/01/image.png"]
    assert state.project("good-doc")["status"] == "done"


def test_an_approved_script_version_of_a_failed_project_is_kept_and_says_why(
    tmp_path: Path, database: Database
) -> None:
    bucket, state = LocalBucket(tmp_path / "bucket"), StateStore(database)
    project_row(state, "failed-doc", "failed")
    version_key = "projects/failed-doc/script.v1.json"
    asset_row(state, bucket, "failed-doc", "script", version_key, 50)
    reviews = ReviewStore(database)
    with reviews.versioning("failed-doc") as writer:
        writer.insert(
            version=1,
            content_hash="c" * 64,
            object_key=version_key,
            origin="writer",
            summary="",
            scene_count=3,
            review_required=True,
        )
    assert reviews.approve("failed-doc", 1, "ann")
    age_everything(database)
    report = collect_garbage(bucket, state, now=datetime.now(UTC), retention=timedelta(0), dry_run=False)
    assert report.count == 0 and report.kept == [(version_key, "approved script version 1 of failed-doc")]
    assert bucket.stat(version_key) is not None


class DeliversDuringTheListing(StateStore):
    """A render of the failed project is delivered (a real row) after GC listed its candidates."""

    def gc_candidates(self, before: datetime) -> list[GcCandidate]:
        found = super().gc_candidates(before)
        self.record_asset(
            AssetRecord(
                project_id="failed-doc", asset_type="video", object_key="projects/failed-doc/renders/r1/video.mp4"
            )
        )
        return found


def test_references_are_read_again_at_delete_time(tmp_path: Path, database: Database) -> None:
    bucket, state = LocalBucket(tmp_path / "bucket"), DeliversDuringTheListing(database)
    delivered_and_failed(state, bucket)
    age_everything(database)
    report = collect_garbage(bucket, state, now=datetime.now(UTC), retention=timedelta(days=14), dry_run=False)
    assert report.count == 0
    assert report.kept == [("projects/failed-doc/scenes/01/image.png", "a delivered render of failed-doc")]
    assert bucket.stat("projects/failed-doc/scenes/01/image.png") is not None
