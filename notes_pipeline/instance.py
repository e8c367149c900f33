"""The Dagster instance's dagster.yaml: the project's settings, with storage always in Postgres.

Runs, events and schedules live in Postgres through dagster-postgres, so any number of CLI,
UI and daemon processes share one instance safely (SQLite's schema creation races between
processes). With NOTES_PIPELINE_DATABASE_URL set that Postgres holds them beside the product
tables; otherwise the embedded server does, in a database of its own (`dagster`). The URL
itself is never written to disk: dagster.yaml names an environment variable holding the
psycopg2 form of it, set in the environment of the process that loads the instance.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
import yaml

from notes_pipeline.package_files import instance_template
from notes_pipeline.store.db import (
    DATABASE_URL_ENV,
    advisory_lock,
    check_reachable,
    dagster_storage_url,
    default_pgdata,
    embedded_url,
)
from notes_pipeline.workers import executor_choice

STORAGE_URL_ENV = "NOTES_PIPELINE_DAGSTER_STORAGE_URL"
PROJECT_YAML = instance_template()
DAGSTER_DATABASE = "dagster"


def instance_config(base: dict[str, Any]) -> dict[str, Any]:
    config = dict(base)
    config["storage"] = {"postgres": {"postgres_url": {"env": STORAGE_URL_ENV}}}
    if executor_choice() == "celery":
        # Steps run on other machines, which must not write into this DAGSTER_HOME's folders.
        config.setdefault(
            "compute_logs",
            {"module": "dagster._core.storage.noop_compute_log_manager", "class": "NoOpComputeLogManager"},
        )
    return config


def instance_database_url() -> str:
    """NOTES_PIPELINE_DATABASE_URL, else the embedded server's `dagster` database (started here, on demand)."""
    return os.environ.get(DATABASE_URL_ENV) or embedded_url(default_pgdata(), DAGSTER_DATABASE)


def prepare_instance(home: Path, project_yaml: Path = PROJECT_YAML) -> Path:
    """Write DAGSTER_HOME/dagster.yaml and export the storage URL variable it refers to.

    Starts the embedded database when no URL is set, so call it before anything in the process
    starts threads (gRPC): forking pg_ctl beside them is what crashed it."""
    url = instance_database_url()
    check_reachable(url)
    os.environ[STORAGE_URL_ENV] = dagster_storage_url(url)
    base = yaml.safe_load(project_yaml.read_text()) if project_yaml.is_file() else {"telemetry": {"enabled": False}}
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    text = yaml.safe_dump(instance_config(base), sort_keys=False)
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)
    return target


def open_instance(home: Path, pools: Iterable[str] = ()):  # -> dg.DagsterInstance; Dagster imported lazily
    """The instance in `home`, its tables and the rows of `pools` created by exactly one process however many
    start at once: dagster-postgres creates a pool's row on first use with an insert that, when it loses
    the race to another process, aborts that run's transaction (the second of two `run`s failed)."""
    import dagster as dg

    prepare_instance(home)
    with psycopg.connect(instance_database_url(), autocommit=True) as conn, advisory_lock(conn, "dagster-setup"):
        instance = dg.DagsterInstance.from_config(str(home))
        known = instance.event_log_storage.get_concurrency_keys()
        for pool in sorted(set(pools) - known):
            instance.event_log_storage.initialize_concurrency_limit_to_default(pool)
        return instance
