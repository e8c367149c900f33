"""The review record in Postgres: script versions, their approvals, and the watch on working copies.

A version is an immutable `script.v<N>.json` in the bucket plus one row here; approving
means approving one version. Two flags on a version say what the review sensor still owes
it: announcing it to Dagster (`published_at`) and requesting its render
(`render_requested_at`). Both are set by guarded UPDATEs, so of a sensor tick and a CLI
command racing for the same version exactly one acts. Nothing here imports Dagster.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

import psycopg
from pydantic import BaseModel

from notes_pipeline.store.db import Database

Origin = Literal["writer", "cli", "bucket"]


class ScriptVersion(BaseModel):
    project_id: str
    version: int
    content_hash: str
    object_key: str
    origin: Origin
    summary: str
    scene_count: int
    review_required: bool
    created_at: datetime
    published_at: datetime | None = None
    render_requested_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    @property
    def renderable(self) -> bool:
        """May this version be rendered: no review asked for, or a person approved it."""
        return not self.review_required or self.approved


class WatchedScript(BaseModel):
    """What was last seen of a project's working copy (None fields: never looked at)."""

    project_id: str
    size: int | None = None
    modified_ns: int | None = None
    content_hash: str | None = None
    problem: str | None = None


class VersionWriter:
    """Inside `ReviewStore.versioning`: the project's versions, locked against other writers."""

    def __init__(self, store: ReviewStore, conn: psycopg.Connection, project_id: str) -> None:
        self.store, self.conn, self.project_id = store, conn, project_id

    def latest(self) -> ScriptVersion | None:
        return self.store.latest(self.project_id, self.conn)

    def insert(
        self,
        *,
        version: int,
        content_hash: str,
        object_key: str,
        origin: Origin,
        summary: str,
        scene_count: int,
        review_required: bool,
    ) -> ScriptVersion:
        row = self.store.db.one(
            "review_insert_version",
            self.conn,
            project_id=self.project_id,
            version=version,
            content_hash=content_hash,
            object_key=object_key,
            origin=origin,
            summary=summary,
            scene_count=scene_count,
            review_required=review_required,
        )
        assert row is not None
        return ScriptVersion(**row)


class ReviewStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def versioning(self, project_id: str) -> Iterator[VersionWriter]:
        """One transaction holding the project's version lock: read the latest, then maybe add the next."""
        with self.db.transaction() as conn:
            self.db.rows("review_lock_project", conn, project_id=project_id)
            yield VersionWriter(self, conn, project_id)

    def _version(self, name: str, conn: psycopg.Connection | None = None, **params: Any) -> ScriptVersion | None:
        row = self.db.one(name, conn, **params)
        return None if row is None else ScriptVersion(**row)

    def latest(self, project_id: str, conn: psycopg.Connection | None = None) -> ScriptVersion | None:
        return self._version("review_latest_version", conn, project_id=project_id)

    def latest_approved(self, project_id: str) -> ScriptVersion | None:
        return self._version("review_latest_approved", project_id=project_id)

    def versions(self, project_id: str) -> list[ScriptVersion]:
        return [ScriptVersion(**row) for row in self.db.rows("review_versions", project_id=project_id)]

    def approve(self, project_id: str, version: int, approved_by: str) -> bool:
        """True when this call approved it; False when it was approved already.

        The project leaves 'review' at once: `status --follow` then follows its render instead of
        asking for the approval just given."""
        with self.db.transaction() as conn:
            created = (
                self.db.one("review_approve", conn, project_id=project_id, version=version, approved_by=approved_by)
                is not None
            )
            self.db.rows("project_approved", conn, project_id=project_id)
        return created

    def claim_publications(self, limit: int) -> list[ScriptVersion]:
        return [ScriptVersion(**row) for row in self.db.rows("review_claim_publications", limit=limit)]

    def claim_renders(self, limit: int, project_id: str | None = None) -> list[ScriptVersion]:
        return [
            ScriptVersion(**row) for row in self.db.rows("review_claim_renders", limit=limit, project_id=project_id)
        ]

    def mark_rendering(self, project_id: str, version: int) -> None:
        self.db.rows("review_mark_rendering", project_id=project_id, version=version)

    # -- the working copies the review sensor watches ---------------------------------

    def watch_candidates(self, after: str, limit: int) -> list[WatchedScript]:
        return [WatchedScript(**row) for row in self.db.rows("review_watch_candidates", after=after, limit=limit)]

    def watched(self, project_id: str) -> WatchedScript:
        row = self.db.one("review_watch_get", project_id=project_id)
        return WatchedScript(**row) if row else WatchedScript(project_id=project_id)

    def seen(
        self, project_id: str, *, size: int, modified_ns: int, content_hash: str, problem: str | None = None
    ) -> None:
        self.db.rows(
            "review_watch_seen",
            project_id=project_id,
            size=size,
            modified_ns=modified_ns,
            content_hash=content_hash,
            problem=problem,
        )
