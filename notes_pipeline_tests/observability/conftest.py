"""One database for the reports' tests, cloned from the migrated template and filled with history.

The report tests only read what dbt builds from it (a rebuild gives the same marts), so they
share it: dbt parses a project once per connection and that is most of a small build's time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from notes_pipeline_tests.observability.history import (
    History,
    generate_history,
    insert_history,
)

_numbers = count(1)


def fresh_database(postgres_server: str) -> str:
    """A new database cloned from the session's migrated template (np_template), and its URL."""
    name = f"np_reports_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE np_template')
    return urlunsplit(urlsplit(postgres_server)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def history() -> History:
    return generate_history()


@pytest.fixture(scope="session")
def seeded_url(postgres_server: str, migrated_template: str, history: History) -> str:
    url = fresh_database(postgres_server)
    insert_history(url, history)
    return url


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(html_path: Path, png_path: Path, *, width: int = 1400, height: int = 1600) -> Path:
    """Debian's headless Chromium renders the page to a PNG (offline: the page has no external requests)."""
    browser = chromium()
    if browser is None:
        pytest.skip(
            "Debian's chromium is not installed and could not be installed here "
            "(`make test` runs `apt-get install chromium`); the dashboard screenshot check needs it"
        )
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png_path}",
                html_path.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0 and png_path.is_file(), done.stderr[-2000:]
    return png_path
