"""The database layer against a real Postgres 16 + pgvector (pgserver)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from notes_pipeline.domain.models import Scene, Script, SourceRecord
from notes_pipeline.store.db import (
    Database,
    DatabaseUnavailableError,
    check_reachable,
    dagster_storage_url,
    mask_url,
    migrate,
    migrations,
)
from notes_pipeline.store.holder import SessionHolder
from notes_pipeline.store.state import AssetRecord, StateStore, TaskHolder


def _record(doc_id: str) -> SourceRecord:
    return SourceRecord(
        doc_id=doc_id,
        source_key=f"inbox/{doc_id}.md",
        source_name=f"{doc_id}.md",
        content_hash="a" * 64,
        size_bytes=10,
        copy_key=None,
        registered_at="2026-11-23T00:00:00+00:00",
    )


def _script(*narrations: str) -> Script:
    return Script(
        title="T",
        summary="S",
        language="en",
        writer="local",
        scenes=[Scene(index=i, heading=f"H{i}", narration=n) for i, n in enumerate(narrations, 1)],
    )


def test_migrations_run_twice_are_a_no_op(database_url: str) -> None:
    assert migrate(database_url) == []  # the template was migrated already
    with psycopg.connect(database_url) as conn:
        recorded = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY version")]
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        hnsw = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'projects_prompt_embedding_hnsw'"
        ).fetchone()
    assert recorded == [name for _, name, _ in migrations()]
    assert {"projects", "scenes", "scene_tasks", "assets", "stage_runs"} <= tables
    assert "hnsw" in hnsw[0] and "vector_cosine_ops" in hnsw[0]


def test_timestamps_are_timezone_aware(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        types = {
            r[0]
            for r in conn.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name LIKE '%%_at'"
            )
        }
    assert types == {"timestamp with time zone"}


def test_two_workers_racing_for_one_scene_exactly_one_wins(database: Database) -> None:
    state = StateStore(database)
    state.register_project(_record("race"))
    state.sync_scenes("race", _script("one two three.", "four five six.", "seven eight nine."))
    state.prepare_tasks("race", "audio", [1, 2, 3])
    start, wins = threading.Barrier(8), []

    def worker(n: int) -> None:
        start.wait()
        if state.claim("race", 2, "audio", f"worker-{n}"):
            wins.append(n)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    # The winner may claim again (its own retry); nobody else can, and only the winner finishes it.
    assert state.claim("race", 2, "audio", f"worker-{wins[0]}")
    assert not state.claim("race", 2, "audio", "someone-else")
    assert not state.finish("race", 2, "audio", "someone-else", succeeded=True, attempts=1)
    assert state.finish("race", 2, "audio", f"worker-{wins[0]}", succeeded=True, attempts=1, input_hash="h")
    progress = {p.sequence_number: p for p in state.progress("race")}
    assert progress[2].audio_status == "done" and progress[2].image_status == "pending"
    assert progress[2].status == "pending"  # the image is still to come
    assert progress[2].retry_count == 0  # claimed twice, but one provider attempt made


def test_a_live_claim_survives_prepare_and_is_free_once_its_session_ends(database: Database) -> None:
    state = StateStore(database)
    state.register_project(_record("stale"))
    state.sync_scenes("stale", _script("a b c.", "d e f.", "g h i."))
    other_process = StateStore(database)
    other_process.holder = SessionHolder(database.url)  # as if another process held the claim
    state.prepare_tasks("stale", "image", [1])
    assert other_process.claim("stale", 1, "image", "run-a")
    state.prepare_tasks("stale", "image", [1])
    assert not state.claim("stale", 1, "image", "run-b")
    assert state.task_holder("stale", 1, "image") == TaskHolder(status="running", worker="run-a", holder_alive=True)
    other_process.holder.close()  # what Postgres does when that process dies
    assert state.task_holder("stale", 1, "image") == TaskHolder(status="running", worker="run-a", holder_alive=False)
    assert state.claim("stale", 1, "image", "run-b")
    assert not other_process.finish("stale", 1, "image", "run-a", succeeded=True, attempts=1)


def test_changed_scene_goes_back_to_pending_and_removed_scenes_go(database: Database) -> None:
    state = StateStore(database)
    state.register_project(_record("edit"))
    state.sync_scenes("edit", _script("a b c.", "d e f.", "g h i.", "j k l."))
    for index in (1, 2, 3, 4):
        for kind in ("audio", "image"):
            state.prepare_tasks("edit", kind, [index])
            state.claim("edit", index, kind, "w")
            state.finish("edit", index, kind, "w", succeeded=True, attempts=1)
    assert {p.status for p in state.progress("edit")} == {"done"}
    state.sync_scenes("edit", _script("a b c.", "CHANGED.", "g h i."))
    assert [(p.sequence_number, p.status) for p in state.progress("edit")] == [(1, "done"), (2, "pending"), (3, "done")]


def test_stage_runs_record_success_and_failure(database: Database) -> None:
    state = StateStore(database)
    state.register_project(_record("stages"))
    with state.stage("stages", "video_script", "run-1"):
        pass
    with pytest.raises(ValueError), state.stage("stages", "scene_images", "run-1"):
        raise ValueError("the picture provider is down")
    with psycopg.connect(database.url) as conn:
        found = conn.execute(
            "SELECT stage, status, error, ended_at >= started_at FROM stage_runs ORDER BY id"
        ).fetchall()
    assert found == [
        ("video_script", "succeeded", None, True),
        ("scene_images", "failed", "the picture provider is down", True),
    ]


def test_success_rate_and_gc_candidates(database: Database) -> None:
    state = StateStore(database)
    now = datetime.now(UTC)
    for doc, status in (("ok-1", "done"), ("ok-2", "done"), ("ok-3", "done"), ("bad-1", "failed")):
        state.register_project(_record(doc))
        video = f"projects/{doc}/renders/r/video.mp4" if status == "done" else None
        state.set_status(doc, status, final_video_key=video)
        state.record_asset(
            AssetRecord(project_id=doc, asset_type="image", object_key=f"projects/{doc}/scenes/01/image.png")
        )
    # A key shared by a failed and a finished project is a candidate, and the delivered project refers to it.
    state.record_asset(
        AssetRecord(project_id="bad-1", asset_type="image", object_key="projects/ok-1/scenes/01/image.png")
    )
    rate = state.success_rate_24h(now)
    assert (rate.succeeded, rate.failed, rate.success_rate) == (3, 1, 0.75)
    candidates = state.gc_candidates(now + timedelta(seconds=1))
    assert [(c.object_key, c.project_id, c.status) for c in candidates] == [
        ("projects/bad-1/scenes/01/image.png", "bad-1", "failed"),
        ("projects/ok-1/scenes/01/image.png", "bad-1", "failed"),
    ]
    referrers = {r.object_key: r.referrer for r in state.gc_references()}
    assert referrers["projects/ok-1/scenes/01/image.png"] == "a delivered render of ok-1"
    assert "projects/bad-1/scenes/01/image.png" not in referrers
    assert state.gc_candidates(now - timedelta(days=1)) == []  # younger than the retention period


def test_unreachable_database_is_one_clear_line_with_the_password_masked() -> None:
    url = "postgresql://pipeline:s3cret-pw@127.0.0.1:1/notes"
    with pytest.raises(DatabaseUnavailableError) as raised:
        check_reachable(url, timeout_s=2)
    message = str(raised.value)
    assert "s3cret-pw" not in message
    assert "postgresql://pipeline:***@127.0.0.1:1/notes" in message
    assert "NOTES_PIPELINE_DATABASE_URL" in message and "\n" not in message


def test_url_helpers() -> None:
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert dagster_storage_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg2://u:p@h:5432/db"
    assert dagster_storage_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert dagster_storage_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg2://u@h/db"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://me:hunter2@db.example:5432/notes", "postgresql://me:***@db.example:5432/notes"),
        (
            "postgresql://db.example/notes?sslmode=require&password=hunter2",
            "postgresql://db.example/notes?sslmode=require&password=***",
        ),
        (
            "postgresql://me@db.example/notes?password=hunter2&sslmode=require",
            "postgresql://me@db.example/notes?password=***&sslmode=require",
        ),
        ("host=db.example password=hunter2 dbname=notes", "host=db.example password=*** dbname=notes"),
        (
            "host=db.example password = 'hunter2 with spaces' dbname=notes",
            "host=db.example password = *** dbname=notes",
        ),
        ("user=me sslpassword=hunter2", "user=me sslpassword=***"),
        (
            'connection failed: invalid dsn "host=h password=hunter2": bad',
            'connection failed: invalid dsn "host=h password=***": bad',
        ),
        (
            "could not reach postgresql://me:hunter2@h/db (timeout) or postgres://x:hunter2@h2/db",
            "could not reach postgresql://me:***@h/db (timeout) or postgres://x:***@h2/db",
        ),
    ],
)
def test_every_dsn_form_is_masked_wherever_it_appears(text: str, masked: str) -> None:
    assert mask_url(text) == masked
    assert "hunter2" not in mask_url(text)


def test_an_unreachable_key_value_dsn_is_named_masked() -> None:
    with pytest.raises(DatabaseUnavailableError) as raised:
        check_reachable("host=127.0.0.1 port=1 user=me password=hunter2 dbname=notes", timeout_s=2)
    assert "hunter2" not in str(raised.value) and "password=***" in str(raised.value)
