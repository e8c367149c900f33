"""What a command works on, opened from the environment: the bucket, the product database and the Dagster instance.

The same ones `make dev` uses, so what a command does here shows in the UI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from notes_pipeline.instance import open_instance
from notes_pipeline.store.bucket import Bucket

if TYPE_CHECKING:
    import dagster as dg

    from notes_pipeline.store.state import StateStore


def open_bucket() -> Bucket:
    from notes_pipeline.defs.resources import BucketResource

    return BucketResource().get()


def open_dagster_instance() -> dg.DagsterInstance:
    """Imported lazily: `--help` should not load Dagster."""
    from notes_pipeline.definitions import pool_names

    return open_instance(dagster_home(), pool_names())


def dagster_home() -> Path:
    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(Path(".dagster").resolve())
    return Path(os.environ["DAGSTER_HOME"])


def open_state() -> StateStore:
    """The product database; a clear one-line error when it is down."""
    from notes_pipeline.defs.resources import DatabaseResource
    from notes_pipeline.domain.errors import PipelineError

    try:
        return DatabaseResource().state()
    except PipelineError as err:
        raise SystemExit(str(err)) from None
