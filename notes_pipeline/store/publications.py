"""The publications record in Postgres: which render went to which target, under which remote id.

It is what makes publishing idempotent: a render published once is found here and never
uploaded again. Nothing here imports Dagster or a Google client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from notes_pipeline.domain.models import PublishTarget
from notes_pipeline.store.db import Database


class Publication(BaseModel):
    project_id: str
    render_id: str
    target: PublishTarget
    remote_id: str
    url: str
    privacy: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    published_at: datetime | None = None


class PublicationStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def find(self, project_id: str, render_id: str, target: PublishTarget) -> Publication | None:
        row = self.database.one("publication_find", project_id=project_id, render_id=render_id, target=target)
        return Publication.model_validate(row) if row else None

    def record(self, publication: Publication) -> Publication:
        """Store a finished upload; when one is already stored for the key, that one is returned."""
        row = self.database.one(
            "publication_record",
            **publication.model_dump(exclude={"published_at"}) | {"details": Jsonb(publication.details)},
        )
        if row is None:
            existing = self.find(publication.project_id, publication.render_id, publication.target)
            assert existing is not None, "a conflicting publication row vanished"
            return existing
        return Publication.model_validate(row)

    def of_project(self, project_id: str) -> list[Publication]:
        return [
            Publication.model_validate(r) for r in self.database.rows("publications_of_project", project_id=project_id)
        ]

    @contextmanager
    def exclusive(self, project_id: str, render_id: str, target: PublishTarget) -> Iterator[None]:
        """Held while publishing one render to one target: a second publisher waits, then finds the row."""
        with self.database.advisory_lock(f"publish:{project_id}:{render_id}:{target}"):
            yield
