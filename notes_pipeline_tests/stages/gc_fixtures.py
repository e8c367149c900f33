"""Projects and assets in the state of a garbage collection: shared by the gc stage and the gc job tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.store.bucket import LocalBucket
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import AssetRecord, StateStore

OLD_S = (datetime.now(UTC) - timedelta(days=30)).timestamp()


RENDER = "projects/good-doc/renders/720p-16x9-en-1a2b3c4d/"


def project_row(state: StateStore, doc_id: str, status: str) -> None:
    state.register_project(
        SourceRecord(
            doc_id=doc_id,
            source_key=f"inbox/{doc_id}.md",
            source_name=f"{doc_id}.md",
            content_hash="b" * 64,
            size_bytes=1,
            copy_key=None,
            registered_at="x",
        )
    )
    state.set_status(doc_id, status)


def asset_row(
    state: StateStore,
    bucket: LocalBucket,
    doc_id: str,
    asset_type: str,
    key: str,
    size: int,
    content_hash: str | None = None,
) -> None:
    bucket.put_bytes(key, b"x" * size)
    state.record_asset(AssetRecord(project_id=doc_id, asset_type=asset_type, object_key=key, content_hash=content_hash))


def age_everything(database: Database) -> None:
    """Thirty days since anything happened to any project."""
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("UPDATE projects SET updated_at = now() - interval '30 days'")
        conn.execute("UPDATE assets SET created_at = now() - interval '30 days'")


def delivered_and_failed(state: StateStore, bucket: LocalBucket) -> None:
    project_row(state, "failed-doc", "failed")
    asset_row(state, bucket, "failed-doc", "image", "projects/failed-doc/scenes/01/image.png", 1000, "f" * 64)
    project_row(state, "good-doc", "done")
    asset_row(state, bucket, "good-doc", "image", "projects/good-doc/scenes/01/image.png", 10, "a" * 64)
    asset_row(state, bucket, "good-doc", "video", RENDER + "video.mp4", 10)
    bucket.put_bytes(RENDER + "render.json", b"{}")
