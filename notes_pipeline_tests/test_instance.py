"""NOTES_PIPELINE_DATABASE_URL moves the Dagster instance's storage to that Postgres too."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg
import pytest

from notes_pipeline.instance import STORAGE_URL_ENV, prepare_instance


def test_without_a_database_url_the_instance_stays_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTES_PIPELINE_DATABASE_URL", raising=False)
    text = prepare_instance(tmp_path / "home").read_text()
    assert "storage" not in text and "max_concurrent_runs" in text


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
