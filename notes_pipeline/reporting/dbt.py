"""Running the dbt_reporting project against the pipeline's own database.

dbt reads its connection from environment variables (dbt_reporting/profiles.yml); this
module derives them from the same database URL the pipeline uses (`store.db.resolve_url`),
so the reports always describe the database the videos were recorded in, embedded or not.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.package_files import dbt_project_dir
from notes_pipeline.store.db import check_reachable, mask_url, migrate

DBT_PROJECT_DIR = dbt_project_dir()
REPORTING_SCHEMA = "reporting"
ENV_PREFIX = "NOTES_PIPELINE_DBT_"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


class DbtBuildError(PipelineError):
    """`dbt build` failed: a model did not build or a dbt test found bad rows."""


def dbt_env(url: str, *, schema: str = REPORTING_SCHEMA) -> dict[str, str]:
    """The NOTES_PIPELINE_DBT_* variables profiles.yml reads, for the database at `url`.

    libpq itself resolves the URL (a socket directory as host, PG* defaults), through a
    short connection: dbt-postgres then connects exactly where the pipeline does. A unix
    socket directory is a valid dbt-postgres host.
    """
    params = conninfo_to_dict(url)
    with psycopg.connect(url, connect_timeout=10) as conn:
        info = conn.info
        env = {
            "HOST": info.host,
            "PORT": str(info.port),
            "USER": info.user,
            "PASSWORD": info.password or "",
            "DBNAME": info.dbname,
            "SCHEMA": schema,
        }
    if params.get("sslmode"):
        env["SSLMODE"] = str(params["sslmode"])
    return {ENV_PREFIX + name: value for name, value in env.items()}


@contextmanager
def dbt_environment(url: str, *, schema: str = REPORTING_SCHEMA) -> Iterator[dict[str, str]]:
    """Set the dbt connection variables in this process while the block runs, then restore them.

    For callers that start dbt themselves from os.environ (dagster-dbt's DbtCliResource).
    """
    wanted = dbt_env(url, schema=schema)
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield wanted
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def prepare_database(url: str) -> None:
    """The sources must exist before dbt reads them: fail clearly if unreachable, else migrate."""
    check_reachable(url)
    migrate(url)


def dbt_executable() -> str:
    """The `dbt` installed beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def parse_project() -> Path:
    """`dbt parse` offline (no database): writes the manifest Dagster loads the dbt assets from."""
    done = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if done.returncode != 0 or not manifest.exists():
        raise DbtBuildError(
            f"dbt parse of {DBT_PROJECT_DIR} failed:\n{(done.stdout + done.stderr).strip()[-2000:]}", stage="reports"
        )
    return manifest


def _parse_cache(env: Mapping[str, str]) -> Path:
    """Where dbt's parse state for this connection is kept between runs.

    dbt throws its saved parse away whenever the connection (host, database, schema...) differs
    from the one it was parsed with, and a full parse is most of a small build's time; keeping
    one per connection lets every later build on the same database parse incrementally.
    """
    fingerprint = "\n".join(f"{k}={v}" for k, v in sorted(env.items()) if not k.endswith("PASSWORD"))
    return (
        DBT_PROJECT_DIR / "target" / "parse_cache" / f"{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}.msgpack"
    )


def restore_parse_state(target: Path, env: Mapping[str, str]) -> None:
    """Put the best saved parse state into a fresh target folder: this connection's, else the install's."""
    for saved in (_parse_cache(env), DBT_PROJECT_DIR / "target" / PARTIAL_PARSE_FILE):
        if saved.exists():
            shutil.copy(saved, target / PARTIAL_PARSE_FILE)
            return


def keep_parse_state(target: Path, env: Mapping[str, str]) -> None:
    """Save the parse state a run left in `target` for the next run on this connection (best effort)."""
    state = target / PARTIAL_PARSE_FILE
    if not state.exists():
        return
    cache = _parse_cache(env)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        shutil.copy(state, partial)
        os.replace(partial, cache)
    except OSError:
        pass  # a read-only checkout only loses the speed-up


def run_dbt(
    args: Sequence[str], url: str, *, schema: str = REPORTING_SCHEMA, extra_env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command against the database at `url`; raise DbtBuildError naming what failed.

    Each run gets its own target folder (so parallel runs never mix artefacts), seeded with
    the saved parse state so dbt does not re-parse from scratch.
    """
    prepare_database(url)
    connection = dbt_env(url, schema=schema)
    with tempfile.TemporaryDirectory(prefix="dbt-run-") as target:
        restore_parse_state(Path(target), connection)
        env = {
            **os.environ,
            **connection,
            "DBT_TARGET_PATH": target,
            "DBT_LOG_PATH": target,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_USE_COLORS": "false",
            **(extra_env or {}),
        }
        command = [
            dbt_executable(),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        keep_parse_state(Path(target), connection)
    if done.returncode != 0:
        failures = [line for line in done.stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        summary = "\n".join(failures[-10:]) or done.stderr.strip()[-2000:] or done.stdout.strip()[-2000:]
        raise DbtBuildError(
            f"dbt {' '.join(args)} failed on {mask_url(url)} (exit {done.returncode}):\n{summary}", stage="reports"
        )
    return done
