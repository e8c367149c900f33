"""Where a workflow's events go: the AuditSink capability, and the publisher stages call.

Postgres is the record (written as the event happens); a webhook and a Google Sheet are
optional copies sent from background threads. A sink must return quickly and never raise:
the publisher still guards every call, because nothing said about a video may stop it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from notes_pipeline.domain.events import EventKind, PipelineEvent, WorkflowRef

log = logging.getLogger(__name__)


class AuditSink(Protocol):
    name: str

    def record(self, event: PipelineEvent) -> None:
        """Take the event (write it, or queue it for a background sender); fast, and never raises."""
        ...


class WorkflowEvents:
    """Publishes one workflow's stage and scene events to every sink, in order."""

    def __init__(self, ref: WorkflowRef, sinks: Sequence[AuditSink]) -> None:
        self.ref = ref
        self.sinks = list(sinks)

    def publish(self, kind: EventKind, *, error: BaseException | str | None = None, **fields: object) -> PipelineEvent:
        event = PipelineEvent.of(self.ref, kind, error=error, **fields)
        for sink in self.sinks:
            try:
                sink.record(event)
            except Exception as err:  # noqa: BLE001 - an audit failure must not fail the video
                log.warning(
                    "audit sink %s could not take a %s event of %s: %s: %s",
                    sink.name,
                    kind,
                    self.ref.workflow_id,
                    type(err).__name__,
                    err,
                )
        return event

    def stage_started(self, stage: str) -> PipelineEvent:
        return self.publish("stage_started", stage=stage)

    def stage_finished(self, stage: str, error: BaseException | None = None) -> PipelineEvent:
        return self.publish("stage_failed" if error is not None else "stage_succeeded", stage=stage, error=error)

    def scene_finished(
        self, stage: str, scene: int, *, error: BaseException | None = None, **data: str | float | bool | None
    ) -> PipelineEvent:
        return self.publish(
            "scene_failed" if error is not None else "scene_succeeded", stage=stage, scene=scene, error=error, data=data
        )
