"""The Dagster instance's dagster.yaml: the project's settings, plus Postgres storage when asked.

With NOTES_PIPELINE_DATABASE_URL set, runs, events and schedules live in that Postgres
(dagster-postgres) beside the product tables; otherwise in SQLite under DAGSTER_HOME. The
URL itself is never written to disk: dagster.yaml names an environment variable holding
the psycopg2 form of it, set in the environment of the process that loads the instance.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from notes_pipeline.store.db import DATABASE_URL_ENV, dagster_storage_url

STORAGE_URL_ENV = "NOTES_PIPELINE_DAGSTER_STORAGE_URL"
PROJECT_YAML = Path(__file__).resolve().parent.parent / "dagster.yaml"


def instance_config(base: dict[str, Any], *, use_postgres: bool) -> dict[str, Any]:
    config = dict(base)
    if use_postgres:
        config["storage"] = {"postgres": {"postgres_url": {"env": STORAGE_URL_ENV}}}
    return config


def prepare_instance(home: Path, project_yaml: Path = PROJECT_YAML) -> Path:
    """Write DAGSTER_HOME/dagster.yaml and export the storage URL variable it refers to."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        os.environ[STORAGE_URL_ENV] = dagster_storage_url(url)
    base = yaml.safe_load(project_yaml.read_text()) if project_yaml.is_file() else {"telemetry": {"enabled": False}}
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    text = yaml.safe_dump(instance_config(base, use_postgres=bool(url)), sort_keys=False)
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)
    return target
