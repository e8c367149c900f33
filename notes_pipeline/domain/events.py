"""What the pipeline tells the outside world while it works: one event per stage and scene.

A workflow is one run of the pipeline for one document; a Dagster run retried after a
crash stays the same workflow (its id is the first run's id). Every event names its
workflow, so the audit trail, the webhook and the Google Sheet all describe the same thing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from notes_pipeline.domain.tiers import Tier

EventKind = Literal[
    "stage_started",
    "stage_succeeded",
    "stage_failed",
    "scene_succeeded",
    "scene_failed",
    "run_succeeded",
    "run_failed",
]
# The stage whose success finishes a video: it ends its workflow.
FINAL_STAGE = "final_video"
MAX_EVENT_ERROR_CHARS = 2000


class WorkflowRef(BaseModel):
    """Which workflow an event belongs to."""

    model_config = ConfigDict(frozen=True)

    workflow_id: str
    project_id: str
    run_id: str | None = None
    tier: Tier | None = None


class PipelineEvent(BaseModel):
    """One thing that happened. `event_id` is unique: receivers use it to drop duplicate deliveries."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: EventKind
    workflow_id: str
    project_id: str
    run_id: str | None = None
    tier: Tier | None = None
    stage: str | None = None
    scene: int | None = None
    error: str | None = Field(None, max_length=MAX_EVENT_ERROR_CHARS)
    data: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(
        cls, ref: WorkflowRef, kind: EventKind, *, error: BaseException | str | None = None, **fields: object
    ) -> PipelineEvent:
        text = None if error is None else str(error)[:MAX_EVENT_ERROR_CHARS]
        return cls(
            kind=kind,
            workflow_id=ref.workflow_id,
            project_id=ref.project_id,
            run_id=ref.run_id,
            tier=ref.tier,
            error=text,
            **fields,
        )  # type: ignore[arg-type]


class StageRecord(BaseModel):
    """One stage of a workflow: its latest attempt's times, status and error, and how many attempts."""

    started_at: datetime | None = None
    ended_at: datetime | None = None
    status: str
    attempts: int = 0
    error: str | None = None


class WorkflowRecord(BaseModel):
    """The audit trail's one record per workflow (the `workflows` row; total_s is None while running)."""

    id: str
    project_id: str
    run_id: str | None
    run_ids: list[str]
    tier: str | None
    status: str
    stages: dict[str, StageRecord]
    retries: int
    errors: int
    last_error: str | None
    started_at: datetime
    ended_at: datetime | None
    total_s: float | None
    updated_at: datetime
