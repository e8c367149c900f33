"""Shared fixtures: a fresh bucket folder and the pipeline's resources bound to it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "notes"


@pytest.fixture
def resources(tmp_path: Path) -> dict[str, Any]:
    return pipeline_resources(
        bucket_root=str(tmp_path / "bucket"), scratch_dir=str(tmp_path / "scratch"), inbox_settle_s=0
    )


@pytest.fixture
def bucket(resources: dict[str, Any]) -> Bucket:
    return resources["bucket"].get()


def drop(bucket: Bucket, name: str, data: bytes, mtime_s: int | None = None) -> str:
    """Put a file into the inbox, optionally with a fixed modification time (cursor tests)."""
    key = keys.INBOX_PREFIX + name
    bucket.put_bytes(key, data)
    if mtime_s is not None:
        os.utime(bucket.local_path(key), ns=(mtime_s * 10**9, mtime_s * 10**9))
    return key
