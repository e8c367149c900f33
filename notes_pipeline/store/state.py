"""Product state in Postgres: projects, scenes and their tasks, artefacts and stage runs.

Every write is one named query from `sql/queries/`; this module only gives them names a
stage can call and shapes their rows. Nothing here imports Dagster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Literal

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.events import WorkflowRef
from notes_pipeline.domain.models import RenderOptions, Script, SourceRecord
from notes_pipeline.store.db import Database
from notes_pipeline.store.holder import holder_for

ProjectStatus = Literal["registered", "running", "review", "done", "failed"]
TaskKind = Literal["audio", "image"]
AssetType = Literal["script", "audio", "image", "video", "subtitles", "thumbnail", "provenance"]
MAX_ERROR_CHARS = 2000


class SceneBusyError(PipelineError):
    """Another live run kept this scene's task for longer than this run would wait for it."""


class AssetRecord(BaseModel):
    """One artefact as it was made: where it is, what made it, how long and how many tries it took."""

    project_id: str
    asset_type: AssetType
    object_key: str
    sequence_number: int | None = None
    content_hash: str | None = None
    bytes: int | None = None
    duration_ms: int | None = None
    provider: str | None = None
    provider_latency_ms: int | None = None
    attempts: int = 1
    fallbacks: list[str] = Field(default_factory=list)
    cache_hit: Literal["none", "exact", "semantic"] = "none"
    usage: dict[str, float] = Field(default_factory=dict)
    run_id: str | None = None


class TaskHolder(BaseModel):
    """Who is making a scene task and whether that process is still alive."""

    status: str
    worker: str | None
    holder_alive: bool


class AbandonedStage(BaseModel):
    """A stage row closed as failed because the process running it died."""

    id: int
    project_id: str
    stage: str
    run_id: str | None


class SceneProgress(BaseModel):
    sequence_number: int
    heading: str
    status: str
    retry_count: int
    last_error: str | None
    audio_status: str
    image_status: str


class SemanticMatch(BaseModel):
    project_id: str
    final_video_key: str | None
    similarity: float


class DocumentFailure(BaseModel):
    """A document's last failed stage and what it depended on: the same inputs fail the same way."""

    project_id: str
    stage: str
    reason: str
    content_hash: str
    options_hash: str | None
    code_version: str
    run_id: str | None = None
    failed_at: datetime | None = None


class GcCandidate(BaseModel):
    object_key: str
    project_id: str
    status: str
    last_touched_at: datetime


class GcReference(BaseModel):
    """Something a delivered render or an approved script version refers to: a key, a folder or a cache hash."""

    object_key: str
    folder: str | None
    cache_hash: str | None
    referrer: str


class SuccessRate(BaseModel):
    succeeded: int
    failed: int
    success_rate: float | None


def options_hash(options: RenderOptions) -> str:
    """Render options that would give the same video hash the same (canonical JSON of every field)."""
    return hashlib.sha256(options.model_dump_json().encode()).hexdigest()


def _error_text(error: BaseException | str | None) -> str | None:
    return None if error is None else str(error)[:MAX_ERROR_CHARS]


class StateStore:
    """The product's own record of every project, scene, artefact and stage."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Claims and running stages are bound to this process's session: they die with it.
        self.holder = holder_for(db.url)

    # -- projects ------------------------------------------------------------------

    def register_project(self, record: SourceRecord) -> None:
        """Insert the project on first sight; later calls leave it as it is."""
        self.db.rows(
            "register_project",
            id=record.doc_id,
            source_key=record.source_key,
            source_name=record.source_name,
            content_hash=record.content_hash,
        )

    def set_request(
        self, project_id: str, options: RenderOptions, *, prompt_text: str | None, user_id: str | None = None
    ) -> None:
        self.db.rows(
            "set_project_request",
            id=project_id,
            user_id=user_id,
            prompt_text=prompt_text,
            options=Jsonb(options.model_dump(mode="json")),
            options_hash=options_hash(options),
        )

    def set_embedding(self, project_id: str, model: str, embedding: Sequence[float]) -> None:
        import numpy as np

        self.db.rows(
            "set_project_embedding", id=project_id, model=model, embedding=np.asarray(embedding, dtype=np.float32)
        )

    def set_status(
        self,
        project_id: str,
        status: ProjectStatus,
        *,
        error: BaseException | str | None = None,
        final_video_key: str | None = None,
        reused_from: str | None = None,
    ) -> None:
        found = self.db.rows(
            "set_project_status",
            id=project_id,
            status=status,
            error=_error_text(error),
            final_video_key=final_video_key,
            reused_from=reused_from,
        )
        if not found:
            raise PipelineError(f"project {project_id} is not registered in the database", doc_id=project_id)

    def project(self, project_id: str) -> dict | None:
        """The project with its status derived from what exists (see the project_states view)."""
        return self.db.one("project_state", id=project_id)

    def record_failure(self, failure: DocumentFailure) -> None:
        params = failure.model_dump(exclude={"failed_at"})
        params["reason"] = _error_text(params["reason"])
        self.db.rows("record_document_failure", **params)

    def clear_failure(self, project_id: str, stage: str | None = None) -> bool:
        """Forget the failure (of `stage` only, when given); True when there was one."""
        return bool(self.db.rows("clear_document_failure", project_id=project_id, stage=stage))

    def failure(self, project_id: str) -> DocumentFailure | None:
        row = self.db.one("document_failure", project_id=project_id)
        return None if row is None else DocumentFailure(**row)

    def stale_failures(self, code_version: str, limit: int) -> list[DocumentFailure]:
        """Failures recorded by other code than `code_version`, oldest first."""
        return [
            DocumentFailure(**r)
            for r in self.db.rows("stale_document_failures", code_version=code_version, limit=limit)
        ]

    # -- scenes ----------------------------------------------------------------------

    def sync_scenes(self, project_id: str, script: Script) -> None:
        """Make the scene rows match the script: changed scenes go back to 'pending', removed ones go."""
        with self.db.transaction() as conn:
            for scene in script.scenes:
                self.db.rows(
                    "upsert_scene",
                    conn,
                    project_id=project_id,
                    sequence_number=scene.index,
                    heading=scene.heading,
                    narration=scene.narration,
                    image_prompt=scene.image_prompt,
                    search_query=scene.search_query,
                )
            self.db.rows("delete_scenes_after", conn, project_id=project_id, scene_count=len(script.scenes))

    def prepare_tasks(self, project_id: str, kind: TaskKind, scene_indexes: Sequence[int]) -> None:
        with self.db.transaction() as conn:
            for index in scene_indexes:
                self.db.rows("prepare_scene_task", conn, project_id=project_id, sequence_number=index, kind=kind)

    def claim(self, project_id: str, scene_index: int, kind: TaskKind, worker: str) -> bool:
        """True for exactly one of any number of workers racing for a task no live process is making."""
        with self.db.transaction() as conn:
            won = self.db.one(
                "claim_scene_task",
                conn,
                project_id=project_id,
                sequence_number=scene_index,
                kind=kind,
                worker=worker,
                holder=self.holder.token(),
            )
            if won:
                self.db.rows("refresh_scene_status", conn, project_id=project_id, sequence_number=scene_index)
        return won is not None

    def task_holder(self, project_id: str, scene_index: int, kind: TaskKind) -> TaskHolder | None:
        row = self.db.one("scene_task_holder", project_id=project_id, sequence_number=scene_index, kind=kind)
        return None if row is None else TaskHolder(**row)

    def finish(
        self,
        project_id: str,
        scene_index: int,
        kind: TaskKind,
        worker: str,
        *,
        succeeded: bool,
        attempts: int,
        input_hash: str | None = None,
        error: BaseException | str | None = None,
    ) -> bool:
        """Close a task this worker holds, with the provider attempts it took; False when it does not hold
        it (another run took it over after this process lost its session)."""
        with self.db.transaction() as conn:
            done = self.db.one(
                "finish_scene_task",
                conn,
                project_id=project_id,
                sequence_number=scene_index,
                kind=kind,
                worker=worker,
                holder=self.holder.token(),
                status="done" if succeeded else "failed",
                attempts=attempts,
                input_hash=input_hash,
                error=_error_text(error),
            )
            self.db.rows("refresh_scene_status", conn, project_id=project_id, sequence_number=scene_index)
        return done is not None

    def progress(self, project_id: str) -> list[SceneProgress]:
        return [SceneProgress(**row) for row in self.db.rows("project_progress", project_id=project_id)]

    # -- artefacts and stages ------------------------------------------------------

    def record_asset(self, record: AssetRecord, conn=None) -> int:
        params = record.model_dump()
        params["usage"] = Jsonb(params["usage"])
        row = self.db.one("record_asset", conn, **params)
        assert row is not None
        return int(row["id"])

    @contextmanager
    def stage(self, project_id: str, stage: str, run_id: str | None) -> Iterator[None]:
        """One stage_runs row: started now, ended when the block ends, with the error if it raised."""
        row = self.db.one(
            "stage_started", project_id=project_id, stage=stage, run_id=run_id, holder=self.holder.token()
        )
        assert row is not None
        try:
            yield
        except BaseException as err:
            self.db.rows("stage_finished", id=row["id"], status="failed", error=_error_text(err))
            raise
        self.db.rows("stage_finished", id=row["id"], status="succeeded", error=None)

    def close_abandoned_stages(self, reason: str) -> list[AbandonedStage]:
        """Close as failed every running stage whose process has died; each is returned once."""
        return [AbandonedStage(**row) for row in self.db.rows("close_abandoned_stages", error=reason)]

    def holder_alive(self, token: int) -> bool:
        """Whether the process that holds `token` is still connected (a dead one's session has ended)."""
        row = self.db.one("holder_alive", token=token)
        return bool(row and row["alive"])

    def running_workflows_of(self, run_ids: Sequence[str]) -> list[WorkflowRef]:
        """The workflows still open whose latest run is one of `run_ids`."""
        return [
            WorkflowRef(workflow_id=row["id"], project_id=row["project_id"], run_id=row["run_id"], tier=row["tier"])
            for row in self.db.rows("running_workflows_of_runs", run_ids=list(run_ids))
        ]

    # -- caches, garbage collection, reports -------------------------------------------

    def semantic_match(
        self,
        embedding: Sequence[float],
        *,
        model: str,
        options: RenderOptions,
        exclude_id: str,
        threshold: float,
        candidates: int = 10,
    ) -> SemanticMatch | None:
        import numpy as np

        with self.db.connection() as conn:
            # More candidates from the HNSW graph than we keep: recall of the nearest one matters here.
            conn.execute("SET hnsw.ef_search = 100")
            row = self.db.one(
                "semantic_cache_lookup",
                conn,
                embedding=np.asarray(embedding, dtype=np.float32),
                options_hash=options_hash(options),
                model=model,
                exclude_id=exclude_id,
                threshold=threshold,
                candidates=candidates,
            )
        if row is None:
            return None
        return SemanticMatch(
            project_id=row["id"], final_video_key=row["final_video_key"], similarity=float(row["similarity"])
        )

    def gc_candidates(self, before: datetime) -> list[GcCandidate]:
        return [GcCandidate(**r) for r in self.db.rows("gc_candidates", before=before)]

    def gc_references(self) -> list[GcReference]:
        return [GcReference(**r) for r in self.db.rows("gc_references")]

    def live_content_hashes(self, before: datetime) -> set[str]:
        return {r["content_hash"] for r in self.db.rows("live_content_hashes", before=before)}

    def success_rate_24h(self, now: datetime) -> SuccessRate:
        row = self.db.one("success_rate_24h", now=now)
        assert row is not None
        rate = row["success_rate"]
        return SuccessRate(
            succeeded=row["succeeded"], failed=row["failed"], success_rate=None if rate is None else float(rate)
        )
