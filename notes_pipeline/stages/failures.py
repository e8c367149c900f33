"""Failed documents are not retried blindly: a failure is kept with what it depended on.

A document's run depends on its notes (content hash), the render options they ask for and
the code. When none of the three changed since it failed, running it again would fail the
same way and cost minutes, so `run` and the inbox sensor skip it until one changes or a
person asks (`notes-pipeline retry DOC`).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

from notes_pipeline.domain.documents import parse_document
from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.stages.script import load_source_record
from notes_pipeline.store.bucket import Bucket, ObjectNotFoundError
from notes_pipeline.store.db import SQL_DIR
from notes_pipeline.store.state import DocumentFailure, StateStore, options_hash

PACKAGE_DIR = Path(__file__).resolve().parent.parent


class Inputs(NamedTuple):
    content_hash: str
    options_hash: str | None
    code_version: str


@cache
def code_version() -> str:
    """The package version and a digest of its code and SQL: any change to what runs is a new version."""
    digest = hashlib.sha256()
    for path in sorted([*PACKAGE_DIR.rglob("*.py"), *SQL_DIR.rglob("*.sql")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{version('notes_pipeline')}+{digest.hexdigest()[:12]}"


def current_inputs(bucket: Bucket, doc_id: str) -> Inputs:
    """What a run of the document would depend on now; options are None when the notes cannot be parsed."""
    try:
        record = load_source_record(bucket, doc_id)
    except PipelineError:
        return Inputs("", None, code_version())
    options = None
    if record.copy_key is not None:
        try:
            data = bucket.get_bytes(record.copy_key)
            options = options_hash(parse_document(doc_id, record.source_name, data, max_bytes=len(data)).options)
        except (PipelineError, ObjectNotFoundError):
            options = None
    return Inputs(record.content_hash, options, code_version())


def record_stage_failure(
    bucket: Bucket, state: StateStore, doc_id: str, stage: str, error: BaseException, run_id: str | None
) -> None:
    reason = error.cause if isinstance(error, PipelineError) else f"{type(error).__name__}: {error}"
    inputs = current_inputs(bucket, doc_id)
    state.record_failure(
        DocumentFailure(project_id=doc_id, stage=stage, reason=reason, run_id=run_id, **inputs._asdict())
    )


def blocking_failure(bucket: Bucket, state: StateStore, doc_id: str) -> DocumentFailure | None:
    """The document's recorded failure when nothing it depended on changed since; else None (run it)."""
    failure = state.failure(doc_id)
    if failure is None:
        return None
    recorded = Inputs(failure.content_hash, failure.options_hash, failure.code_version)
    return failure if recorded == current_inputs(bucket, doc_id) else None


def skip_line(failure: DocumentFailure) -> str:
    reason = failure.reason.strip().splitlines()[0] if failure.reason.strip() else "no reason recorded"
    return (
        f"skipped {failure.project_id}: failed at {failure.stage}: {reason} "
        f"— `notes-pipeline retry {failure.project_id}` to try again"
    )
