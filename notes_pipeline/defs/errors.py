"""Turning a stage's PipelineError into a Dagster failure that names document, stage and cause."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from notes_pipeline.domain.errors import PipelineError


@contextmanager
def stage_failure(doc_id: str, stage: str) -> Iterator[None]:
    """Bad input is marked as not worth retrying; a provider problem may be retried by a person or a new run."""
    try:
        yield
    except PipelineError as err:
        err.at(doc_id=doc_id, stage=stage)
        raise dg.Failure(
            description=f"Failed {err}",
            metadata={"document": doc_id, "stage": stage, "cause": err.cause},
            allow_retries=err.retryable,
        ) from err
