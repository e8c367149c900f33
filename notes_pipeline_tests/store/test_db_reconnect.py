"""A database that goes away mid-run is one clear error while it is gone, and is used again when it is back."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from notes_pipeline.store.db import Database, DatabaseUnavailableError

pytestmark = pytest.mark.slow


@pytest.fixture
def own_server(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A Postgres of this test's own: stopping the session's server would break every other test.
    pgserver's own handle, not the product's supervised one: the test stops and starts it by hand."""
    root = Path(tempfile.mkdtemp(prefix="np-reconnect-pg-"))
    (root / "run").mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(root / "run"))  # where pgserver keeps its lock, as start_embedded does
    import pgserver

    server = pgserver.get_server(root / "pgdata", cleanup_mode="delete")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")  # the pool registers the vector type
    yield server
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


def _stop(server) -> None:
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def _start(server) -> None:
    with server._lock:
        server.ensure_postgres_running()


def _answer(db: Database) -> int:
    with db.connection() as conn:
        return conn.execute("SELECT 41 + 1 AS answer").fetchone()["answer"]


def test_the_pool_reconnects_after_the_server_restarts(own_server) -> None:
    db = Database(own_server.get_uri(), timeout_s=3)
    try:
        assert _answer(db) == 42
        _stop(own_server)
        _start(own_server)
        assert _answer(db) == 42  # the pool's idle connection died with the old server: not handed out
        _stop(own_server)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailableError) as raised:
            _answer(db)
        assert time.monotonic() - started < 10  # bounded by the pool's timeout, not minutes of retries
        assert "\n" not in str(raised.value) and "unreachable" in str(raised.value)
        _start(own_server)
        assert _answer(db) == 42  # the same pool, reconnected
    finally:
        db.close()
