"""The product database: one Postgres (with pgvector), its migrations and its named queries.

By default the database is embedded: `pgserver` runs Postgres 16 + pgvector from a local
folder next to DAGSTER_HOME, started on first use and shared by every process of this
machine. Setting NOTES_PIPELINE_DATABASE_URL points at any Postgres with pgvector instead.

All SQL lives in `sql/`: schema changes only in `sql/migrations/NNN_name.sql` (applied in
order, once, recorded in `schema_migrations`), and every statement the code runs in
`sql/queries/<name>.sql`, always with parameters.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.package_files import sql_dir
from notes_pipeline.store.embedded import EmbeddedServer, use_embedded
from notes_pipeline.store.holder import holder_for

DATABASE_URL_ENV = "NOTES_PIPELINE_DATABASE_URL"
PGDATA_ENV = "NOTES_PIPELINE_PGDATA"
SQL_DIR = sql_dir()
EMBEDDED_DATABASE = "notes_pipeline"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Any fixed number: every process that migrates takes this lock, so migrations never race.
_MIGRATION_LOCK = 7_470_001


class DatabaseUnavailableError(PipelineError):
    """The database cannot be reached; the message names the URL (password masked) and what to do."""


# A URL's userinfo password, a `password=` query parameter or key=value DSN entry (sslpassword too).
_URL_PASSWORD = re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)
_PASSWORD_PARAM = re.compile(r"(?P<keep>password\s*=\s*)(?:'(?:\\.|[^'\\])*'|[^\s&#'\"]+)", re.IGNORECASE)


def mask_url(text: str) -> str:
    """The text with every password in it replaced by '***': URLs, DSNs and error messages quoting them."""
    return _PASSWORD_PARAM.sub(r"\g<keep>***", _URL_PASSWORD.sub(r"\g<keep>***@", text))


def dagster_storage_url(url: str) -> str:
    """dagster-postgres needs psycopg2 explicitly: a plain postgresql:// picks psycopg 3 and breaks NOTIFY."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg2://", url)


def default_pgdata() -> Path:
    """The embedded database's folder: $NOTES_PIPELINE_PGDATA, else `.pgdata` beside DAGSTER_HOME."""
    if os.environ.get(PGDATA_ENV):
        return Path(os.environ[PGDATA_ENV]).expanduser().resolve()
    dagster_home = Path(os.environ.get("DAGSTER_HOME", ".dagster")).expanduser().resolve()
    return dagster_home.parent / ".pgdata"


_embedded_lock = threading.Lock()


def start_embedded(pgdata: Path, *, cleanup_mode: str = "stop") -> EmbeddedServer:
    """Start (or join) the embedded Postgres in `pgdata`; it stops when the last process using it exits
    or dies (see store/embedded.py)."""
    with _embedded_lock:
        pgdata.mkdir(parents=True, exist_ok=True)
        # pgserver keeps its inter-process lock under XDG_RUNTIME_DIR, computed at import time.
        runtime = pgdata.parent / ".pgserver-run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        return use_embedded(pgdata, cleanup_mode=cleanup_mode)


def create_database(admin_url: str, name: str, *, template: str | None = None) -> None:
    """CREATE DATABASE unless it exists (names are ours, never user input: quoted as identifiers)."""
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        try:
            conn.execute(statement)
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            pass  # another process created it since the check above


def embedded_url(pgdata: Path, database: str = EMBEDDED_DATABASE) -> str:
    """The URL of a database (the product's by default) in the embedded Postgres at `pgdata`, started on demand."""
    server = start_embedded(pgdata)
    create_database(server.get_uri(), database)
    return server.get_uri(database)


def resolve_url(url: str | None = None) -> str:
    """An explicit URL, else NOTES_PIPELINE_DATABASE_URL, else the embedded server (started on demand)."""
    return url or os.environ.get(DATABASE_URL_ENV) or embedded_url(default_pgdata())


@cache
def query(name: str) -> str:
    """The text of `sql/queries/<name>.sql`."""
    path = SQL_DIR / "queries" / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no named query {name!r} in {path.parent}")
    return path.read_text(encoding="utf-8")


def migrations() -> list[tuple[str, str, str]]:
    """(version, file name, SQL) for every migration, in order."""
    found = []
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file {path.name} must be named NNN_lowercase_name.sql")
        found.append((match.group(1), path.name, path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number in {SQL_DIR / 'migrations'}")
    return found


def migrate(url: str) -> list[str]:
    """Apply the migrations not applied yet, each in its own transaction; returns their names.

    A migration file that changed after it was applied is an error: schema history is
    append-only, a fix is a new migration.
    """
    applied_now = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0]: row[1] for row in conn.execute("SELECT version, sha256 FROM schema_migrations")}
            for version, name, sql in migrations():
                digest = hashlib.sha256(sql.encode()).hexdigest()
                if version in done:
                    if done[version] != digest:
                        raise RuntimeError(f"migration {name} was changed after it was applied; add a new one")
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, sha256) VALUES (%s, %s, %s)",
                        (version, name, digest),
                    )
                applied_now.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied_now


class Database:
    """A connection pool on a migrated database, running named queries with parameters.

    Each connection is checked before it is handed out, so a database that restarted is used
    again without a failed query; while it is gone a caller waits at most `timeout_s` and gets
    one DatabaseUnavailableError naming the masked URL, and the pool stops reconnecting after
    `reconnect_timeout_s` (it tries again on the next request)."""

    def __init__(
        self, url: str, *, max_connections: int = 8, timeout_s: float = 30, reconnect_timeout_s: float = 60
    ) -> None:
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            open=True,
            timeout=timeout_s,
            reconnect_timeout=reconnect_timeout_s,
            check=ConnectionPool.check_connection,
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=register_vector,
        )

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        try:
            with self.pool.connection() as conn:
                try:
                    yield conn
                except psycopg.OperationalError as err:
                    if not conn.broken:
                        raise  # a cancelled query or a lock timeout: the database itself is fine
                    raise self._unavailable(err) from None
        except PoolTimeout as err:
            raise self._unavailable(err) from None

    def _unavailable(self, err: Exception) -> DatabaseUnavailableError:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        return DatabaseUnavailableError(f"the database at {mask_url(self.url)} is unreachable: {mask_url(reason)}")

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """One connection in one transaction: statements inside commit or roll back together."""
        with self.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def advisory_lock(self, name: str) -> Iterator[None]:
        """Hold the named lock for the block (see `advisory_lock` below) on a connection of this pool."""
        with self.connection() as conn, advisory_lock(conn, name):
            yield

    def rows(self, name: str, conn: psycopg.Connection | None = None, **params: Any) -> list[dict[str, Any]]:
        if conn is not None:
            cur = conn.execute(query(name), params)
            return cur.fetchall() if cur.description else []
        with self.connection() as own:
            return self.rows(name, own, **params)

    def one(self, name: str, conn: psycopg.Connection | None = None, **params: Any) -> dict[str, Any] | None:
        found = self.rows(name, conn, **params)
        return found[0] if found else None

    def close(self) -> None:
        """Close the pool, and this process's claim session on this database with it."""
        self.pool.close()
        holder_for(self.url).close()


@contextmanager
def advisory_lock(conn: psycopg.Connection, name: str) -> Iterator[None]:
    """Hold a Postgres advisory lock named `name` while the block runs, waiting for another holder first.

    The lock belongs to the connection's session, which Postgres ends when its process dies, so a
    holder that crashed never blocks anyone."""
    conn.execute(query("advisory_lock"), {"name": name})
    try:
        yield
    finally:
        if not conn.closed:
            conn.execute(query("advisory_unlock"), {"name": name})


def check_reachable(url: str, *, timeout_s: int = 5) -> None:
    """Fail fast with a message a person can act on, instead of a driver traceback."""
    try:
        with psycopg.connect(url, connect_timeout=timeout_s):
            pass
    except psycopg.Error as err:
        reason = mask_url(str(err).strip().splitlines()[0]) if str(err).strip() else type(err).__name__
        raise DatabaseUnavailableError(
            f"cannot connect to the database at {mask_url(url)}: {reason}. Start that Postgres (with the "
            f"pgvector extension) or fix {DATABASE_URL_ENV}; unset it to use the embedded database."
        ) from None


_open: dict[str, Database] = {}
_open_lock = threading.Lock()


def open_database(url: str | None = None) -> Database:
    """The migrated database at `url` (see resolve_url), one pool per URL per process."""
    resolved = resolve_url(url)
    with _open_lock:
        if resolved not in _open:
            check_reachable(resolved)
            migrate(resolved)
            _open[resolved] = Database(resolved)
        return _open[resolved]
