"""The embedded Postgres stops after its last user, also when that user was killed (kill -9)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from notes_pipeline.store.embedded import HANDLE_PIDS, supervisor_pid

pytestmark = pytest.mark.slow

USE_AND_HANG = (
    "import sys, time, psycopg\n"
    "from pathlib import Path\n"
    "from notes_pipeline.store.db import start_embedded\n"
    "server = start_embedded(Path(sys.argv[1]))\n"
    "with psycopg.connect(server.get_uri()) as conn:\n"
    "    conn.execute('SELECT 1')\n"
    "from pgserver.utils import PostmasterInfo\n"
    "print('ready', PostmasterInfo.read_from_pgdata(Path(sys.argv[1])).pid, flush=True)\n"
    "time.sleep(600)\n"
)


@pytest.fixture
def pgdata() -> Iterator[Path]:
    # Outside pytest's private temp dirs: as root the server runs as another OS user.
    root = Path(tempfile.mkdtemp(prefix="np-test-embedded-"))
    yield root / "pgdata"
    shutil.rmtree(root, ignore_errors=True)


def _user(pgdata: Path) -> tuple[subprocess.Popen, int]:
    user = subprocess.Popen([sys.executable, "-c", USE_AND_HANG, str(pgdata)], stdout=subprocess.PIPE, text=True)
    assert user.stdout is not None
    word, postmaster = user.stdout.readline().split()
    assert word == "ready"
    return user, int(postmaster)


def _until(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _kill(user: subprocess.Popen) -> None:
    os.kill(user.pid, signal.SIGKILL)
    user.wait(timeout=10)


def test_the_server_stops_once_its_last_user_is_killed_and_dead_pids_are_pruned(pgdata: Path) -> None:
    first, postmaster = _user(pgdata)
    second, same = _user(pgdata)
    try:
        assert same == postmaster  # one server, shared
        supervisor = supervisor_pid(pgdata)
        assert supervisor is not None
        users = lambda: json.loads((pgdata / HANDLE_PIDS).read_text())  # noqa: E731
        assert sorted(users()) == sorted([first.pid, second.pid])

        _kill(first)
        assert _until(lambda: users() == [second.pid], 5), users()  # the dead PID pruned
        assert psutil.pid_exists(postmaster)  # still serving its live user

        _kill(second)
        assert _until(lambda: not psutil.pid_exists(postmaster), 15), "the server outlived its last user"
        assert _until(lambda: not psutil.pid_exists(supervisor), 5)
        assert users() == []
    finally:
        for user in (first, second):
            user.kill()
            user.wait(timeout=10)
        if psutil.pid_exists(postmaster):
            psutil.Process(postmaster).kill()
