"""The Dagster instance is in Postgres: the embedded server's own database, or NOTES_PIPELINE_DATABASE_URL's."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from notes_pipeline.instance import DAGSTER_DATABASE, STORAGE_URL_ENV, open_instance, prepare_instance
from notes_pipeline.store.db import start_embedded


def test_without_a_database_url_the_instance_lives_in_the_embedded_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTES_PIPELINE_DATABASE_URL", raising=False)
    monkeypatch.delenv(STORAGE_URL_ENV, raising=False)
    root = Path(tempfile.mkdtemp(prefix="np-instance-pg-"))  # the server runs as another OS user
    monkeypatch.setenv("NOTES_PIPELINE_PGDATA", str(root / "pgdata"))
    text = prepare_instance(tmp_path / "home").read_text()
    assert "postgres_url" in text and "max_concurrent_runs" in text and "sqlite" not in text
    instance = open_instance(tmp_path / "home", pools=["tts", "render"])
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert {"tts", "render"} <= instance.event_log_storage.get_concurrency_keys()
        instance.add_dynamic_partitions("notes_documents", ["doc-a"])
    finally:
        instance.dispose()
    server = start_embedded(root / "pgdata", cleanup_mode="delete")
    try:
        with psycopg.connect(server.get_uri(DAGSTER_DATABASE)) as conn:  # a database of its own
            (keys,) = conn.execute("SELECT count(*) FROM dynamic_partitions WHERE partition = 'doc-a'").fetchone()
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
    assert keys == 1


def test_with_a_database_url_runs_and_events_live_in_postgres(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", database_url)
    monkeypatch.delenv(STORAGE_URL_ENV, raising=False)
    config = prepare_instance(tmp_path / "home")
    assert database_url not in config.read_text()  # the URL stays in the environment, never on disk

    @dg.asset
    def tiny() -> int:
        return 1

    instance = dg.DagsterInstance.from_config(str(tmp_path / "home"))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize([tiny], instance=instance)
        assert result.success
        instance.add_dynamic_partitions("notes_documents", ["doc-a"])
        assert instance.get_dynamic_partitions("notes_documents") == ["doc-a"]
    finally:
        instance.dispose()
    with psycopg.connect(database_url) as conn:
        (runs,) = conn.execute("SELECT count(*) FROM runs WHERE run_id = %s", (result.run_id,)).fetchone()
        (projects,) = conn.execute("SELECT count(*) FROM projects").fetchone()  # product tables beside them
    assert (runs, projects) == (1, 0)
