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


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real Postgres 16 + pgvector (pgserver) for the whole session; returns its admin URL."""
    from notes_pipeline.store.db import embedded_url

    url = embedded_url(tmp_path_factory.mktemp("pg") / "pgdata")
    return url


@pytest.fixture(scope="session")
def migrated_template(postgres_server: str) -> str:
    """A migrated database used as the template of each test's own database (cloning is fast)."""
    import psycopg

    from notes_pipeline.store.db import migrate

    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS np_template")
        conn.execute("CREATE DATABASE np_template")
    template_url = _with_database(postgres_server, "np_template")
    migrate(template_url)
    return template_url


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


_db_counter = iter(range(1, 1_000_000))


@pytest.fixture
def database_url(postgres_server: str, migrated_template: str) -> str:
    """A fresh, migrated database of this test's own."""
    import psycopg

    name = f"np_test_{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE np_template')
    return _with_database(postgres_server, name)


@pytest.fixture
def database(database_url: str):
    from notes_pipeline.store.db import Database

    db = Database(database_url)
    yield db
    db.close()


@pytest.fixture(autouse=True)
def _pipeline_resources_use_the_test_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Tests that bind the pipeline's resources get a fresh product database through the environment,
    as a deployment would (NOTES_PIPELINE_DATABASE_URL, read when the database is first used)."""
    if "resources" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("database_url")
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", url)
    yield
    from notes_pipeline.store import db

    opened = db._open.pop(url, None)
    if opened is not None:
        opened.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Any:
    """moto's S3 server on 127.0.0.1 for the session: the real boto3 client talks HTTP to it."""
    from notes_pipeline_tests.s3_server import moto_s3_server

    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Test credentials in the standard AWS variables, no AWS config files, no instance metadata."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret", "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "NOTES_PIPELINE_S3_ENDPOINT_URL": moto_endpoint, "NOTES_PIPELINE_S3_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_endpoint


_s3_bucket_counter = iter(range(1, 1_000_000))


@pytest.fixture
def s3_bucket_url(s3_env: str) -> str:
    """A new, empty bucket on the moto server; returns its URL with a prefix, s3://name/notes-pipeline/."""
    from notes_pipeline.defs.resources import _s3_client

    name = f"np-test-{os.getpid()}-{next(_s3_bucket_counter)}"
    _s3_client(s3_env, "us-east-1", 3).create_bucket(Bucket=name)
    return f"s3://{name}/notes-pipeline/"


@pytest.fixture(params=["local", "s3"])
def bucket_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a local folder and on S3 (moto): both must behave alike."""
    if request.param == "local":
        return str(tmp_path / "bucket")
    return request.getfixturevalue("s3_bucket_url")

