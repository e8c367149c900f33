"""The embedded Postgres's lifecycle: one supervisor process starts it and stops it after its last user.

pgserver counts a server's users by PID in PGDATA/.handle_pids.json and stops the server in
the last user's atexit hook, which a killed process never runs, so the server stayed up for
good after a kill -9. It also starts `pg_ctl` by forking the calling process (as root, with
a user switch that rules out vfork), which crashed `pg_ctl` when the caller was the Dagster
code server with gRPC threads. Here a user process only records its PID (under pgserver's
own lock) and, if none runs, spawns the supervisor: a single-threaded Python process,
started by plain exec (no fork handlers of the caller run), that starts the server through
pgserver, prunes dead PIDs twice a second and stops the server once no live user is left.

    python -m notes_pipeline.store.embedded PGDATA stop|delete      (the supervisor; not for people)
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from notes_pipeline.domain.errors import PipelineError

SUPERVISOR_MODULE = "notes_pipeline.store.embedded"
HANDLE_PIDS = ".handle_pids.json"  # pgserver's own list of user PIDs, inside PGDATA
_POLL_S = 0.5
# After starting the server, a new supervisor waits this long for its first user to register.
_FIRST_USER_GRACE_S = 10.0
_START_TIMEOUT_S = 120.0


def supervisor_files(pgdata: Path) -> tuple[Path, Path]:
    """(PID file, log) of the supervisor, beside PGDATA: initdb wants PGDATA empty."""
    return pgdata.parent / f".{pgdata.name}.supervisor.pid", pgdata.parent / f"{pgdata.name}.supervisor.log"


def _lock():  # -> fasteners.InterProcessLock, the one pgserver takes around starting and stopping
    import pgserver.postgres_server

    return pgserver.postgres_server.PostgresServer._lock


def _handles(pgdata: Path):  # -> pgserver.utils.DiskList
    from pgserver.utils import DiskList

    return DiskList(pgdata / HANDLE_PIDS)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def live_users(pgdata: Path) -> list[int]:
    """The user PIDs still alive; dead ones are pruned from the list. Call with the lock held."""
    handles = _handles(pgdata)
    recorded = handles.get()
    live = [pid for pid in recorded if _alive(pid)]
    if live != recorded:
        handles.put(live)
    return live


def supervisor_pid(pgdata: Path) -> int | None:
    """The running supervisor of `pgdata` (checked by its command line, so a reused PID does not count)."""
    path, _ = supervisor_files(pgdata)
    try:
        pid = int(path.read_text().strip())
        command = psutil.Process(pid).cmdline()
    except (FileNotFoundError, ValueError, psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return pid if SUPERVISOR_MODULE in command and str(pgdata) in command and _alive(pid) else None


def _postmaster(pgdata: Path):  # -> pgserver.utils.PostmasterInfo | None
    """The running server's postmaster.pid, or None (also while Postgres is still writing that file)."""
    from pgserver.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError, FileNotFoundError):
        return None
    return info if info is not None and info.is_running() else None


class EmbeddedServer:
    """This process's use of the embedded Postgres at `pgdata`: its URI, and letting go of it."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._released = False

    def get_uri(self, database: str | None = None) -> str:
        info = _postmaster(self.pgdata)
        if info is None:
            raise PipelineError(f"the embedded Postgres in {self.pgdata} is not running")
        return info.get_uri(database=database)

    def cleanup(self, *, wait_s: float = 30.0) -> None:
        """Stop being a user; when this was the last one, wait (bounded) for the supervisor to stop the server."""
        if self._released:
            return
        self._released = True
        with _lock():
            others = [pid for pid in live_users(self.pgdata) if pid != os.getpid()]
            _handles(self.pgdata).put(others)
            supervisor = supervisor_pid(self.pgdata)
        if others or supervisor is None:
            return
        deadline = time.monotonic() + wait_s
        while _alive(supervisor) and time.monotonic() < deadline:
            time.sleep(0.05)


_servers: dict[Path, EmbeddedServer] = {}


def use_embedded(pgdata: Path, *, cleanup_mode: str = "stop") -> EmbeddedServer:
    """Become a user of the embedded Postgres in `pgdata`, starting its supervisor if none runs,
    and wait until the server accepts connections. The server stops after the last user exits
    (or dies); with cleanup_mode 'delete' its folder goes with it."""
    if cleanup_mode not in ("stop", "delete"):
        raise ValueError(f"cleanup_mode must be 'stop' or 'delete', not {cleanup_mode!r}")
    pgdata = pgdata.expanduser().resolve()
    if pgdata in _servers and not _servers[pgdata]._released:
        return _servers[pgdata]
    pgdata.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        with _lock():
            if supervisor_pid(pgdata) is None:
                _spawn_supervisor(pgdata, cleanup_mode)
        _wait_until_ready(pgdata)
        with _lock():
            # Registered while the supervisor is known alive: it will count us before it stops anything.
            if supervisor_pid(pgdata) is not None:
                _handles(pgdata).put(sorted({*live_users(pgdata), os.getpid()}))
                break
    else:
        raise PipelineError(f"the embedded Postgres in {pgdata} kept stopping while this process started")
    server = _servers[pgdata] = EmbeddedServer(pgdata)
    atexit.register(server.cleanup, wait_s=0)
    return server


def _spawn_supervisor(pgdata: Path, cleanup_mode: str) -> None:
    """Start the supervisor detached (it double-forks; its first process exits once the PID file is
    written). No preexec_fn and no user switch, so Python execs it without running fork handlers."""
    _, log_path = supervisor_files(pgdata)
    with open(log_path, "ab") as log:
        first = subprocess.Popen(
            [sys.executable, "-m", SUPERVISOR_MODULE, str(pgdata), cleanup_mode],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            close_fds=True,
            start_new_session=True,
        )
    if first.wait(timeout=30) != 0 or supervisor_pid(pgdata) is None:
        raise PipelineError(f"the embedded Postgres supervisor for {pgdata} did not start; see {log_path}")


def _wait_until_ready(pgdata: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        info = _postmaster(pgdata) if (pgdata / "PG_VERSION").exists() else None
        if info is not None and info.status == "ready":
            return
        if supervisor_pid(pgdata) is None:
            raise PipelineError(
                f"the embedded Postgres in {pgdata} did not start; see "
                f"{supervisor_files(pgdata)[1]} and {pgdata / 'log'}"
            )
        time.sleep(0.1)
    raise PipelineError(f"the embedded Postgres in {pgdata} was not ready after {_START_TIMEOUT_S:.0f}s")


# -- the supervisor process ------------------------------------------------------------------


def _stop_postmaster(pgdata: Path) -> None:
    """Fast shutdown by signal (no pg_ctl fork): SIGINT, then SIGKILL if it hangs."""
    info = _postmaster(pgdata)
    if info is None:
        return
    info.process.send_signal(signal.SIGINT)
    try:
        info.process.wait(30)
    except psutil.TimeoutExpired:
        info.process.kill()


def _supervise(pgdata: Path, cleanup_mode: str) -> None:
    import pgserver

    pgserver.get_server(pgdata, cleanup_mode=None)  # initdb if needed, start or adopt the server
    with _lock():
        _handles(pgdata).get_and_remove(os.getpid())  # the supervisor is not a user
    started, seen_a_user = time.monotonic(), False
    while True:
        time.sleep(_POLL_S)
        with _lock():
            if live_users(pgdata):
                seen_a_user = True
                continue
            if not seen_a_user and time.monotonic() - started < _FIRST_USER_GRACE_S:
                continue
            _stop_postmaster(pgdata)
            supervisor_files(pgdata)[0].unlink(missing_ok=True)
            if cleanup_mode == "delete":
                shutil.rmtree(pgdata, ignore_errors=True)
            return


def main(argv: list[str]) -> int:
    pgdata, cleanup_mode = Path(argv[0]), argv[1]
    child = os.fork()  # single-threaded here: the supervisor detaches from its spawner
    if child:
        supervisor_files(pgdata)[0].write_text(str(child))
        return 0
    _supervise(pgdata, cleanup_mode)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
