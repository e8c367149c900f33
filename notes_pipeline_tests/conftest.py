"""Shared fixtures: a fresh bucket folder and the pipeline's resources bound to it."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.package_files import examples_dir
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket
from notes_pipeline.store.db import Database

EXAMPLES = examples_dir()


@pytest.fixture
def resources(tmp_path: Path, database_url: str) -> dict[str, Any]:
    return pipeline_resources(
        bucket_root=str(tmp_path / "bucket"),
        database_url=database_url,
        scratch_dir=str(tmp_path / "scratch"),
        inbox_settle_s=0,
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


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resources: dict[str, Any]) -> Path:
    """The CLI in this process on the resources' bucket (tmp_path/bucket) and database, with a Dagster
    instance of its own in tmp_path/dagster."""
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    return tmp_path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real Postgres 16 + pgvector (pgserver) for the whole session; yields its admin URL.

    Its folder is outside pytest's private temp dirs: the server runs as another OS user.
    """
    from notes_pipeline.store.db import start_embedded

    root = Path(tempfile.mkdtemp(prefix="np-test-pg-"))
    server = start_embedded(root / "pgdata", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated_template(postgres_server: str) -> str:
    """A migrated database used as the template of each test's own database (cloning is fast)."""
    from notes_pipeline.store.db import create_database, migrate

    create_database(postgres_server, "np_template")
    template_url = with_database(postgres_server, "np_template")
    migrate(template_url)
    return template_url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


_db_counter = itertools.count(1)


@pytest.fixture
def database_url(postgres_server: str, migrated_template: str) -> str:
    """A fresh, migrated database of this test's own."""
    from notes_pipeline.store.db import create_database

    name = f"np_test_{next(_db_counter)}"
    create_database(postgres_server, name, template="np_template")
    return with_database(postgres_server, name)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
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
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing-secret",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "NOTES_PIPELINE_S3_ENDPOINT_URL": moto_endpoint,
        "NOTES_PIPELINE_S3_REGION": "us-east-1",
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
