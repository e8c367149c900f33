"""Real servers the worker tests start: Postgres 16 + pgvector listening on 127.0.0.1 (pgserver's own
binaries, as Postgres runs on a database host) and Redis from Debian's redis-server.

The embedded server of the product listens on a unix socket only; workers in their own directories
(and, in production, on other machines) reach the database over TCP, so these tests do too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen | None = None, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s:.0f} s")


@contextmanager
def tcp_postgres(root: Path) -> Iterator[str]:
    """A fresh Postgres cluster in `root` on a free 127.0.0.1 port; yields its admin URL, stops it after.

    As root, Postgres runs as pgserver's own system user (it refuses to run as root)."""
    from pgserver._commands import initdb, pg_ctl
    from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

    pgdata = root / "pgdata"
    pgdata.mkdir(parents=True)
    user = None
    if os.geteuid() == 0:
        user = "pgserver"
        entry = ensure_user_exists(user)
        ensure_prefix_permissions(pgdata)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=pgdata, user=user)
    port = free_port()
    pg_ctl(
        ["-w", "-l", str(pgdata / "server.log"), "-o", f"-h 127.0.0.1 -p {port} -k {pgdata}", "start"],
        pgdata=pgdata,
        user=user,
        timeout=60,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pgdata, user=user, timeout=60)


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


@contextmanager
def redis_server(root: Path) -> Iterator[str]:
    """Debian's redis-server on a free 127.0.0.1 port, nothing persisted; yields redis://127.0.0.1:PORT/0."""
    binary = redis_server_binary()
    assert binary is not None
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)
