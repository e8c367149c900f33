"""Garbage collection deletes only what nobody will read again, and only when asked."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.stages.gc import collect_garbage
from notes_pipeline.store.bucket import LocalBucket
from notes_pipeline.store.cache import entry_prefix
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import AssetRecord, StateStore

OLD_S = (datetime.now(UTC) - timedelta(days=30)).timestamp()


def _project(state: StateStore, doc_id: str, status: str) -> None:
    state.register_project(SourceRecord(doc_id=doc_id, source_key=f"inbox/{doc_id}.md", source_name=f"{doc_id}.md",
                                        content_hash="b" * 64, size_bytes=1, copy_key=None, registered_at="x"))
    state.set_status(doc_id, status)


def test_gc_finds_orphans_and_unused_cache_entries_and_deletes_them_only_with_apply(
    tmp_path: Path, database: Database
) -> None:
    bucket, state = LocalBucket(tmp_path / "bucket"), StateStore(database)
    _project(state, "failed-doc", "failed")
    _project(state, "good-doc", "done")
    bucket.put_bytes("projects/failed-doc/scenes/01/image.png", b"x" * 1000)
    bucket.put_bytes("projects/good-doc/scenes/01/image.png", b"y" * 10)
    state.record_asset(AssetRecord(project_id="failed-doc", asset_type="image", content_hash="f" * 64,
                                   object_key="projects/failed-doc/scenes/01/image.png"))
    state.record_asset(AssetRecord(project_id="good-doc", asset_type="image", content_hash="a" * 64,
                                   object_key="projects/good-doc/scenes/01/image.png"))
    live, unused_old, unused_new = (entry_prefix("images", h * 64) + "image.png" for h in "acd")
    for key in (live, unused_old, unused_new):
        bucket.put_bytes(key, b"z" * 100)
    for key in (live, unused_old):
        os.utime(bucket.local_path(key), (OLD_S, OLD_S))
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("UPDATE projects SET updated_at = now() - interval '30 days'")

    now = datetime.now(UTC)
    dry = collect_garbage(bucket, state, now=now, retention=timedelta(days=14))
    assert dry.orphaned == ["projects/failed-doc/scenes/01/image.png"]
    assert dry.cache == [unused_old]
    assert dry.bytes == 1100 and dry.dry_run
    assert bucket.stat("projects/failed-doc/scenes/01/image.png") is not None  # nothing deleted yet

    applied = collect_garbage(bucket, state, now=now, retention=timedelta(days=14), dry_run=False)
    assert applied.count == 2 and "deleted 2 objects" in applied.summary()
    assert bucket.stat("projects/failed-doc/scenes/01/image.png") is None and bucket.stat(unused_old) is None
    for kept in ("projects/good-doc/scenes/01/image.png", live, unused_new):
        assert bucket.stat(kept) is not None
    assert collect_garbage(bucket, state, now=now, retention=timedelta(days=14)).count == 0
